-- hand-written: issue 14. waiwang_allocate_one (0019) inserted the buddies of a split as
-- INSERT ... SELECT ... FROM generate_series(masklen(v_free) + 1, v_length). Inside PL/pgSQL that
-- statement takes its bounds as parameters, and generate_series's row estimate comes from its
-- arguments only when they are constants: the generic plan assumed 1,000 rows, always cost more
-- than a custom plan, and PostgreSQL's plan cache planned the statement afresh on every call
-- (pg_stat_statements with track_planning: 3,068 plans in 3,066 calls, 57 us of planning each,
-- against 27 us of execution). Every other statement of the function is planned once per
-- connection. The buddies are now inserted one row per statement in a loop (on average about one
-- per allocation; a split from a long way up inserts one per level): PostgreSQL's CPU per
-- allocation fell from 420-450 us to 350-370 us in batches of three (test/bench/_pg-alloc.ts).
-- The function is otherwise unchanged.
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
BEGIN
  -- The parent's row lock serializes allocations under one parent, and only those.
  SELECT * INTO v_parent FROM prefixes WHERE id = (r->>'parent')::bigint FOR UPDATE;
  IF NOT FOUND OR v_parent.holder_code <> r->>'parent_holder' OR v_parent.status <> r->>'parent_status' THEN
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
    IF v_status <> 'assigned' THEN
      INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (v_child.id, v_taken, v_length);
    END IF;
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
