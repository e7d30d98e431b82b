-- hand-written: issue 14. The allocation batches' statements now go pipelined on a connection
-- of their own (server/modules/ipam/allocation-batches.ts, db/batches.ts `pipelined`): the one
-- running and the next behind it, which PostgreSQL starts as the first commits. A statement
-- there that waited for a parent locked by another transaction (an application's approval, an
-- import, an operator's FOR UPDATE) would hold up the one behind it for as long, whatever
-- parents that one's requests are under. So a request marked skip_locked takes its parent's
-- lock with SKIP LOCKED, and if another transaction holds it, writes nothing and answers
-- 'busy': the server then sends it alone on its pool, where it waits for the lock like any
-- statement. Unmarked requests (a transaction's own allocation, the lane's fallbacks) wait as
-- before. Otherwise waiwang_allocate_one is 0023's.
CREATE OR REPLACE FUNCTION waiwang_allocate_one(r jsonb) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_parent prefixes%ROWTYPE;
  v_length integer := (r->>'length')::integer;
  v_count integer := (r->>'count')::integer;
  v_status text := r->>'status';
  v_holder text := r->>'holder';
  v_now timestamptz := (r->>'at')::timestamptz;
  v_bits integer;
  v_room integer;
  v_longest integer;
  v_free cidr;
  v_taken cidr;
  v_child prefixes%ROWTYPE;
  v_created json[] := '{}';
  v_found boolean;
BEGIN
  -- The parent's row lock serializes allocations under one parent, and only those.
  IF r->>'skip_locked' = 'true' THEN
    -- The pipelined lane (see above) waits for no other transaction's lock.
    SELECT * INTO v_parent FROM prefixes WHERE id = (r->>'parent')::bigint FOR UPDATE SKIP LOCKED;
    v_found := FOUND;
    IF NOT v_found AND EXISTS (SELECT 1 FROM prefixes WHERE id = (r->>'parent')::bigint) THEN
      RETURN json_build_object('busy', true);
    END IF;
  ELSE
    SELECT * INTO v_parent FROM prefixes WHERE id = (r->>'parent')::bigint FOR UPDATE;
    v_found := FOUND;
  END IF;
  IF NOT v_found OR v_parent.holder_code <> r->>'parent_holder' OR v_parent.status <> r->>'parent_status' THEN
    RETURN json_build_object('stale', 'parent');
  END IF;
  -- Units change seldom (an operator's edit, a retirement); a path names the unit's place in
  -- the tree, so an unchanged path means an unchanged relationship.
  IF NOT EXISTS (SELECT 1 FROM units WHERE code = v_parent.holder_code AND path = r->>'holder_path')
     OR NOT EXISTS (SELECT 1 FROM units WHERE code = v_holder AND path = r->>'recipient_path'
                    AND kind = r->>'recipient_kind' AND retired_at IS NULL) THEN
    RETURN json_build_object('stale', 'units');
  END IF;
  v_bits := CASE v_parent.family WHEN 4 THEN 32 ELSE 128 END;
  -- The verb refused these already; a request that gets here anyway is a bug, not a user's error.
  IF v_parent.status = 'assigned' OR v_status NOT IN ('allocated', 'assigned', 'reserved')
     OR v_length <= masklen(v_parent.prefix) OR v_length > v_bits OR v_count < 1 THEN
    RAISE EXCEPTION 'waiwang_allocate_one: /% % under prefix % was not checked', v_length, v_status, v_parent.id;
  END IF;
  IF v_parent.child_count = 0 THEN
    -- A prefix keeps free-block rows only while it has children: with none it is free whole, and
    -- the allocation of its first children writes that whole block here, to be split below (a
    -- refusal writes nothing).
    v_room := least(power(2::numeric, v_length - masklen(v_parent.prefix)), v_count)::integer;
    IF v_room < v_count THEN
      RETURN json_build_object('created', NULL, 'room', v_room, 'free', json_build_array(v_parent.prefix::text));
    END IF;
    INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (v_parent.id, v_parent.prefix, masklen(v_parent.prefix));
  END IF;
  -- All or none: a free block of length ≤ v_length holds at least one /v_length, so v_count
  -- such rows mean room for v_count blocks (blocks are aligned; a buddy system never wastes).
  SELECT count(*) INTO v_room FROM (
    SELECT 1 FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= v_length LIMIT v_count) s;
  IF v_room < v_count THEN
    SELECT least(coalesce(sum(power(2::numeric, v_length - length)), 0), v_count)::integer INTO v_room FROM (
      SELECT length FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= v_length LIMIT v_count) s;
  END IF;
  IF v_room < v_count THEN
    RETURN json_build_object('created', NULL, 'room', v_room,
      'free', (SELECT coalesce(json_agg(f.block::text ORDER BY f.block), '[]'::json)
               FROM (SELECT block FROM prefix_free_blocks WHERE parent_id = v_parent.id ORDER BY block LIMIT 5) f));
  END IF;
  FOR i IN 1..v_count LOOP
    IF r->>'strategy' = 'best' THEN
      -- The smallest block that fits keeps large blocks whole (two index lookups).
      SELECT max(length) INTO v_longest FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= v_length;
      SELECT block INTO v_free FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length = v_longest ORDER BY block LIMIT 1;
      v_taken := set_masklen(v_free, v_length);
    ELSIF r->>'strategy' = 'last' THEN
      SELECT block INTO v_free FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= v_length ORDER BY block DESC LIMIT 1;
      v_taken := network(set_masklen(broadcast(v_free), v_length));
    ELSE
      SELECT block INTO v_free FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= v_length ORDER BY block LIMIT 1;
      v_taken := set_masklen(v_free, v_length);
    END IF;
    -- The free block is replaced by the buddies met on the way down to the taken block.
    DELETE FROM prefix_free_blocks WHERE parent_id = v_parent.id AND block = v_free;
    FOR l IN masklen(v_free) + 1 .. v_length LOOP
      INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (v_parent.id, waiwang_buddy(set_masklen(v_taken, l)), l);
    END LOOP;
    INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, description, total_addresses)
      VALUES (v_parent.vrf_id, v_parent.id, v_parent.family, v_taken, v_status, v_holder, r->>'description',
              power(2::numeric, v_bits - v_length)::numeric(40, 0))
      RETURNING * INTO v_child;
    -- The shape of auditShape() in prefixes.ts; hash NULL: the sealer hashes it (see above).
    INSERT INTO audit_entries (id, at, actor, action, object_type, object_id, before, after, request_id, hash)
      VALUES (nextval('audit_entry_ids'), v_now, r->>'actor', r->>'action', 'prefix', v_child.id::text, NULL,
              jsonb_build_object('id', v_child.id::text, 'vrf', r->>'vrf', 'cidr', v_child.prefix::text, 'status', v_child.status,
                                 'holder', v_child.holder_code, 'parentId', v_child.parent_id::text, 'description', v_child.description),
              r->>'request_id', NULL);
    v_created := v_created || waiwang_prefix_json(v_child);
  END LOOP;
  UPDATE prefixes
     SET used_addresses = used_addresses + v_count * power(2::numeric, v_bits - v_length)::numeric(40, 0),
         child_count = child_count + v_count, updated_at = v_now
   WHERE id = v_parent.id;
  RETURN json_build_object('created', array_to_json(v_created));
END;
$$;
