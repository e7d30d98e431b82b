-- hand-written: issue 14. A prefix keeps rows in prefix_free_blocks only while it has children.
-- Until now every allocated or reserved prefix was written with its whole block as its one free
-- block (an insert into three indexes, one of them the GiST exclusion constraint, and a foreign-key
-- check), although most are never split: a county's or a township's leaf. A prefix with no
-- children is now free whole by rule (server/modules/ipam/freespace.ts reads it so); its first
-- child's allocation (waiwang_allocate_one) or registration (registerPrefix) writes the whole
-- block and splits it, and the reclaim of its last child (waiwang_reclaim_checked) deletes its
-- rows instead of merging them back into the whole block. Measured with test/bench/_pg-alloc.ts
-- (one connection, batches of six, five runs each, interleaved): the backend's CPU per allocation
-- 386-559 us without the child's row against 568-625 us with it; under 16 clients
-- (test/bench/_ab.ts, eight rounds each, interleaved): 787 against 723 allocations /s (medians).
-- The functions are otherwise unchanged (0022 and 0021).
--
-- Existing rows of prefixes without children go: each is its prefix's whole block.
DELETE FROM prefix_free_blocks f USING prefixes p WHERE f.parent_id = p.id AND p.child_count = 0;
--> statement-breakpoint
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
--> statement-breakpoint
CREATE OR REPLACE FUNCTION waiwang_reclaim_checked(r jsonb) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_parent_id bigint := (r->>'parent')::bigint;
  v_now timestamptz := (r->>'at')::timestamptz;
  v_parent prefixes%ROWTYPE;
  v_row prefixes%ROWTYPE;
  v_merged cidr;
  v_buddy cidr;
BEGIN
  IF v_parent_id IS NOT NULL THEN
    SELECT * INTO v_parent FROM prefixes WHERE id = v_parent_id FOR UPDATE;
    IF NOT FOUND OR v_parent.holder_code <> r->>'parent_holder' THEN
      RETURN json_build_object('stale', 'parent');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM units WHERE code = v_parent.holder_code AND path = r->>'holder_path') THEN
      RETURN json_build_object('stale', 'units');
    END IF;
  END IF;
  SELECT * INTO v_row FROM prefixes WHERE id = (r->>'prefix')::bigint FOR UPDATE;
  IF NOT FOUND OR v_row.parent_id IS DISTINCT FROM v_parent_id THEN
    RETURN json_build_object('stale', 'prefix');
  END IF;
  IF v_row.child_count > 0 OR v_row.address_count > 0 THEN
    RETURN json_build_object('deleted', false, 'row', waiwang_prefix_json(v_row),
      'inside', (SELECT coalesce(json_agg(c.prefix::text ORDER BY c.prefix), '[]'::json)
                 FROM (SELECT prefix FROM prefixes WHERE parent_id = v_row.id ORDER BY prefix LIMIT 5) c));
  END IF;
  DELETE FROM prefixes WHERE id = v_row.id;
  IF v_parent_id IS NOT NULL AND v_parent.child_count = 1 THEN
    -- The parent's last child: it is free whole again, and keeps no free-block rows (see waiwang_allocate_one).
    DELETE FROM prefix_free_blocks WHERE parent_id = v_parent.id;
    UPDATE prefixes
       SET used_addresses = used_addresses - v_row.total_addresses, child_count = 0, updated_at = v_now
     WHERE id = v_parent.id;
  ELSIF v_parent_id IS NOT NULL THEN
    -- Merge with free buddies as far as they go, inside the parent only.
    v_merged := v_row.prefix;
    LOOP
      EXIT WHEN masklen(v_merged) <= masklen(v_parent.prefix);
      v_buddy := waiwang_buddy(v_merged);
      DELETE FROM prefix_free_blocks WHERE parent_id = v_parent.id AND block = v_buddy;
      EXIT WHEN NOT FOUND;
      v_merged := set_masklen(v_merged, masklen(v_merged) - 1);
    END LOOP;
    INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (v_parent.id, v_merged, masklen(v_merged));
    UPDATE prefixes
       SET used_addresses = used_addresses - v_row.total_addresses, child_count = child_count - 1, updated_at = v_now
     WHERE id = v_parent.id;
  END IF;
  -- The shape of auditShape() in prefixes.ts; hash NULL: the sealer hashes it.
  INSERT INTO audit_entries (id, at, actor, action, object_type, object_id, before, after, request_id, hash)
    VALUES (nextval('audit_entry_ids'), v_now, r->>'actor', 'prefix.reclaim', 'prefix', v_row.id::text,
            jsonb_build_object('id', v_row.id::text, 'vrf', r->>'vrf', 'cidr', v_row.prefix::text, 'status', v_row.status,
                               'holder', v_row.holder_code, 'parentId', v_row.parent_id::text, 'description', v_row.description),
            NULL, r->>'request_id', NULL);
  RETURN json_build_object('deleted', true);
END;
$$;
