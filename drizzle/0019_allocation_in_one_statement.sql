ALTER TABLE "audit_entries" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_seals" ADD COLUMN "entry_hash" text;--> statement-breakpoint
-- hand-written: issue 14, allocations in one autocommitted statement, several at a time. Until
-- now the verb ran BEGIN, waiwang_allocate_prefixes (which wrote, then returned the rows the verb
-- decided on), its audit entries and COMMIT: four round trips, the parent locked across three.
-- Now the verb decides first, on the parent, its holder and the recipient as its caches have
-- them (server/modules/ipam/service/prefixes.ts, allocateIn), and passes what it decided on;
-- this function locks the parent and allocates only if the locked rows still say what the verb
-- saw (otherwise it writes nothing for that request and answers 'stale', and the verb decides
-- again on rows read afresh). It takes a batch: the requests that queued in one server while
-- earlier statements ran (server/modules/ipam/allocation-batches.ts) share one statement and
-- one commit, each with its own result; the server sorts them by parent id, so concurrent
-- batches lock parents in the same order. A request that does not fit writes nothing (count
-- blocks come all or none) and the others go on; an error fails the batch, and the server then
-- runs each request alone. The audit entries are written here without their hash: the hash is
-- SM3 over canonical JSON, computed in Node (server/modules/audit/chain.ts), and the sealer
-- computes it from the stored entry when it seals it, a second after commit, into
-- audit_seals.entry_hash (sealer.ts). The guards stay: the exclusion constraints and the
-- containment triggers run on these INSERTs as on any other.
DROP FUNCTION waiwang_allocate_prefixes(bigint, integer, text, integer, text, text, text, timestamptz);
--> statement-breakpoint
-- One request: {parent, length, strategy, count, holder, status, description, at, what the verb
-- decided on (parent_holder, parent_status, holder_path: who may act; recipient_path,
-- recipient_kind: article 21), and its audit entries' actor, request_id, vrf, action}.
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
    INSERT INTO prefix_free_blocks (parent_id, block, length)
      SELECT v_parent.id, waiwang_buddy(set_masklen(v_taken, l)), l
      FROM generate_series(masklen(v_free) + 1, v_length) AS l;
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
--> statement-breakpoint
-- The batch, in the order given (the server sorts it by parent id): one result per request.
CREATE OR REPLACE FUNCTION waiwang_allocate_prefixes(p_requests jsonb) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_request jsonb;
  v_results json[] := '{}';
BEGIN
  FOR v_request IN SELECT value FROM jsonb_array_elements(p_requests) LOOP
    v_results := v_results || waiwang_allocate_one(v_request);
  END LOOP;
  RETURN array_to_json(v_results);
END;
$$;
