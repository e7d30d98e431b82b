-- hand-written: issue 14, one round trip per allocation, next-free address and reclaim.
-- The service verbs (server/modules/ipam/service/) keep authorization and the delegation rules:
-- each function locks what the verb locked before, does the writes and returns, as JSON, every
-- row the verb needs to decide and to answer (the parent, its holder, the recipient, the new
-- rows, the audit ids taken from audit_entry_ids). A verb that refuses afterwards throws, and the
-- transaction rolls back. The guards stay where they were: the exclusion constraints and the
-- containment triggers run on these INSERTs as on any other. The audit entries themselves are
-- written by the verb (their hash is SM3 over canonical JSON, computed in Node: see
-- server/modules/audit/chain.ts), in the same transaction.
-- The buddy arithmetic of server/net/blocks.ts, on cidr values: for a block B of length l,
-- set_masklen(B, l - 1) is its parent block P; the lower half of P is set_masklen(P, l) and
-- the upper half network(set_masklen(broadcast(P), l)) — no integer arithmetic, so IPv6 blocks
-- of any size work.

-- A prefix row as the API's JSON needs it: int8 and numeric as text (an IPv6 /32 holds 2^96
-- addresses, more than a JSON number keeps exactly).
CREATE OR REPLACE FUNCTION waiwang_prefix_json(p prefixes) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', p.id::text, 'vrf_id', p.vrf_id::text, 'parent_id', p.parent_id::text, 'family', p.family,
    'prefix', p.prefix::text, 'status', p.status, 'holder_code', p.holder_code, 'description', p.description,
    'used_addresses', p.used_addresses::text, 'total_addresses', p.total_addresses::text,
    'child_count', p.child_count, 'address_count', p.address_count,
    'created_at', p.created_at, 'updated_at', p.updated_at)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION waiwang_buddy(b cidr) RETURNS cidr LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN b = set_masklen(set_masklen(b, masklen(b) - 1), masklen(b))
              THEN network(set_masklen(broadcast(set_masklen(b, masklen(b) - 1)), masklen(b)))
              ELSE set_masklen(set_masklen(b, masklen(b) - 1), masklen(b)) END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION waiwang_allocate_prefixes(
  p_parent_id bigint, p_length integer, p_strategy text, p_count integer,
  p_holder text, p_status text, p_description text, p_now timestamptz
) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_parent prefixes%ROWTYPE;
  v_holder json;
  v_recipient json;
  v_bits integer;
  v_room integer;
  v_longest integer;
  v_free cidr;
  v_taken cidr;
  v_child prefixes%ROWTYPE;
  v_created json[] := '{}';
  v_audit_ids bigint[] := '{}';
BEGIN
  -- The parent's row lock serializes allocations under one parent, and only those.
  SELECT * INTO v_parent FROM prefixes WHERE id = p_parent_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN json_build_object('parent', NULL);
  END IF;
  SELECT row_to_json(u) INTO v_holder FROM units u WHERE u.code = v_parent.holder_code;
  SELECT row_to_json(u) INTO v_recipient FROM units u WHERE u.code = p_holder;
  v_bits := CASE v_parent.family WHEN 4 THEN 32 ELSE 128 END;
  -- What the verb will refuse anyway is not attempted (the verb names the reason).
  IF v_recipient IS NULL OR v_parent.status = 'assigned' OR p_status NOT IN ('allocated', 'assigned', 'reserved')
     OR p_length <= masklen(v_parent.prefix) OR p_length > v_bits THEN
    RETURN json_build_object('parent', waiwang_prefix_json(v_parent), 'holder', v_holder, 'recipient', v_recipient, 'created', NULL);
  END IF;
  -- All or none: a free block of length ≤ p_length holds at least one /p_length, so p_count
  -- such rows mean room for p_count blocks (blocks are aligned; a buddy system never wastes).
  SELECT count(*) INTO v_room FROM (
    SELECT 1 FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= p_length LIMIT p_count) s;
  IF v_room < p_count THEN
    SELECT least(coalesce(sum(power(2::numeric, p_length - length)), 0), p_count)::integer INTO v_room FROM (
      SELECT length FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= p_length LIMIT p_count) s;
  END IF;
  IF v_room < p_count THEN
    RETURN json_build_object('parent', waiwang_prefix_json(v_parent), 'holder', v_holder, 'recipient', v_recipient, 'created', NULL,
      'room', v_room,
      'free', (SELECT coalesce(json_agg(f.block::text ORDER BY f.block), '[]'::json)
               FROM (SELECT block FROM prefix_free_blocks WHERE parent_id = v_parent.id ORDER BY block LIMIT 5) f));
  END IF;
  FOR i IN 1..p_count LOOP
    IF p_strategy = 'best' THEN
      -- The smallest block that fits keeps large blocks whole (two index lookups).
      SELECT max(length) INTO v_longest FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= p_length;
      SELECT block INTO v_free FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length = v_longest ORDER BY block LIMIT 1;
      v_taken := set_masklen(v_free, p_length);
    ELSIF p_strategy = 'last' THEN
      SELECT block INTO v_free FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= p_length ORDER BY block DESC LIMIT 1;
      v_taken := network(set_masklen(broadcast(v_free), p_length));
    ELSE
      SELECT block INTO v_free FROM prefix_free_blocks WHERE parent_id = v_parent.id AND length <= p_length ORDER BY block LIMIT 1;
      v_taken := set_masklen(v_free, p_length);
    END IF;
    -- The free block is replaced by the buddies met on the way down to the taken block.
    DELETE FROM prefix_free_blocks WHERE parent_id = v_parent.id AND block = v_free;
    INSERT INTO prefix_free_blocks (parent_id, block, length)
      SELECT v_parent.id, waiwang_buddy(set_masklen(v_taken, l)), l
      FROM generate_series(masklen(v_free) + 1, p_length) AS l;
    INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, description, total_addresses)
      VALUES (v_parent.vrf_id, v_parent.id, v_parent.family, v_taken, p_status, p_holder, p_description,
              power(2::numeric, v_bits - p_length)::numeric(40, 0))
      RETURNING * INTO v_child;
    IF p_status <> 'assigned' THEN
      INSERT INTO prefix_free_blocks (parent_id, block, length) VALUES (v_child.id, v_taken, p_length);
    END IF;
    v_created := v_created || waiwang_prefix_json(v_child);
    v_audit_ids := v_audit_ids || nextval('audit_entry_ids');
  END LOOP;
  UPDATE prefixes
     SET used_addresses = used_addresses + p_count * power(2::numeric, v_bits - p_length)::numeric(40, 0),
         child_count = child_count + p_count, updated_at = p_now
   WHERE id = v_parent.id;
  RETURN json_build_object('parent', waiwang_prefix_json(v_parent), 'holder', v_holder, 'recipient', v_recipient,
    'created', array_to_json(v_created), 'audit_ids', array_to_json(v_audit_ids));
END;
$$;
--> statement-breakpoint
-- Reclaim: parent first, then the prefix (the lock order of allocation, so the two never
-- deadlock); a prefix with anything inside is returned untouched, with its first children.
CREATE OR REPLACE FUNCTION waiwang_reclaim_prefix(p_id bigint, p_now timestamptz) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_peek bigint;
  v_parent prefixes%ROWTYPE;
  v_row prefixes%ROWTYPE;
  v_holder json;
  v_merged cidr;
  v_buddy cidr;
BEGIN
  SELECT parent_id INTO v_peek FROM prefixes WHERE id = p_id;
  IF NOT FOUND THEN
    RETURN json_build_object('row', NULL);
  END IF;
  IF v_peek IS NOT NULL THEN
    SELECT * INTO v_parent FROM prefixes WHERE id = v_peek FOR UPDATE;
    SELECT row_to_json(u) INTO v_holder FROM units u WHERE u.code = v_parent.holder_code;
  END IF;
  SELECT * INTO v_row FROM prefixes WHERE id = p_id FOR UPDATE;
  IF NOT FOUND OR v_row.parent_id IS DISTINCT FROM v_peek THEN
    RAISE EXCEPTION 'prefix % changed while being reclaimed', p_id USING ERRCODE = '40001';
  END IF;
  IF v_row.child_count > 0 OR v_row.address_count > 0 THEN
    RETURN json_build_object('row', waiwang_prefix_json(v_row), 'parent_holder', v_holder, 'deleted', false,
      'inside', (SELECT coalesce(json_agg(c.prefix::text ORDER BY c.prefix), '[]'::json)
                 FROM (SELECT prefix FROM prefixes WHERE parent_id = v_row.id ORDER BY prefix LIMIT 5) c));
  END IF;
  DELETE FROM prefixes WHERE id = v_row.id;
  IF v_peek IS NOT NULL THEN
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
       SET used_addresses = used_addresses - v_row.total_addresses, child_count = child_count - 1, updated_at = p_now
     WHERE id = v_parent.id;
  END IF;
  RETURN json_build_object('row', waiwang_prefix_json(v_row), 'parent_holder', v_holder, 'deleted', true,
    'audit_id', nextval('audit_entry_ids'));
END;
$$;
--> statement-breakpoint
-- The next free host address of an assigned prefix: the lowest usable host no row takes, found
-- by the index (the first registered address whose successor is free), not by a scan.
-- Usable hosts as server/net/blocks.ts usableHosts(): IPv4 up to /30 loses network and
-- broadcast; /31, /32 (RFC 3021), /127 and /128 (RFC 6164) use all; other IPv6 loses only the
-- subnet-router anycast address (RFC 4291 2.6.1).
CREATE OR REPLACE FUNCTION waiwang_assign_next_address(
  p_prefix_id bigint, p_holder text, p_hostname text, p_description text, p_gateway boolean, p_now timestamptz
) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_prefix prefixes%ROWTYPE;
  v_holder json;
  v_retired boolean;
  v_bits integer;
  v_first inet;
  v_last inet;
  v_next inet;
  v_row addresses%ROWTYPE;
BEGIN
  SELECT * INTO v_prefix FROM prefixes WHERE id = p_prefix_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN json_build_object('prefix', NULL);
  END IF;
  SELECT row_to_json(u), u.retired_at IS NOT NULL INTO v_holder, v_retired FROM units u WHERE u.code = v_prefix.holder_code;
  IF v_prefix.status <> 'assigned' OR (p_holder IS NOT NULL AND p_holder <> v_prefix.holder_code) OR v_retired THEN
    RETURN json_build_object('prefix', waiwang_prefix_json(v_prefix), 'holder', v_holder, 'address', NULL);
  END IF;
  v_bits := CASE v_prefix.family WHEN 4 THEN 32 ELSE 128 END;
  IF masklen(v_prefix.prefix) >= v_bits - 1 THEN
    v_first := set_masklen(host(v_prefix.prefix)::inet, v_bits);
    v_last := set_masklen(broadcast(v_prefix.prefix), v_bits);
  ELSE
    v_first := set_masklen(host(v_prefix.prefix)::inet, v_bits) + 1;
    v_last := set_masklen(broadcast(v_prefix.prefix), v_bits) - CASE v_prefix.family WHEN 4 THEN 1 ELSE 0 END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM addresses WHERE vrf_id = v_prefix.vrf_id AND address = v_first) THEN
    v_next := v_first;
  ELSE
    -- `a.address + 1` only below v_last: past the family's last address PostgreSQL raises
    -- "result is out of range" (issue 13), and WHERE conditions have no promised order.
    SELECT a.address + 1 INTO v_next FROM addresses a
     WHERE a.prefix_id = v_prefix.id AND a.address >= v_first AND a.address < v_last
       AND NOT EXISTS (SELECT 1 FROM addresses b WHERE b.vrf_id = a.vrf_id
                        AND b.address = CASE WHEN a.address < v_last THEN a.address + 1 END)
     ORDER BY a.address LIMIT 1;
  END IF;
  IF v_next IS NULL OR (p_gateway AND v_next <> v_first) THEN
    RETURN json_build_object('prefix', waiwang_prefix_json(v_prefix), 'holder', v_holder, 'address', NULL,
      'first', host(v_first), 'exhausted', v_next IS NULL);
  END IF;
  INSERT INTO addresses (vrf_id, prefix_id, address, holder_code, hostname, description, gateway)
    VALUES (v_prefix.vrf_id, v_prefix.id, v_next, v_prefix.holder_code, p_hostname, p_description, p_gateway)
    RETURNING * INTO v_row;
  UPDATE prefixes SET used_addresses = used_addresses + 1, address_count = address_count + 1, updated_at = p_now
   WHERE id = v_prefix.id;
  RETURN json_build_object('prefix', waiwang_prefix_json(v_prefix), 'holder', v_holder,
    'address', json_build_object('id', v_row.id::text, 'vrf_id', v_row.vrf_id::text, 'prefix_id', v_row.prefix_id::text,
      'address', host(v_row.address), 'holder_code', v_row.holder_code, 'hostname', v_row.hostname,
      'description', v_row.description, 'gateway', v_row.gateway, 'created_at', v_row.created_at),
    'audit_id', nextval('audit_entry_ids'));
END;
$$;
