-- hand-written: issue 14, reclaim in one autocommitted statement, as allocations (0019) and the
-- next free address (0020). Until now the verb ran BEGIN, waiwang_reclaim_prefix (which deleted,
-- then returned the parent's holder for the verb to authorize), the audit entry and COMMIT. Now
-- the verb decides first, on the prefix and its parent's holder as its caches have them
-- (server/modules/ipam/service/prefixes.ts, reclaimPrefix), and passes what it decided on; this
-- function locks the parent, then the prefix (the lock order of allocation, so the two never
-- deadlock), and deletes only if the locked rows still say what the verb saw (otherwise it
-- writes nothing and answers 'stale', and the verb decides again on fresh rows). A prefix with
-- anything inside is answered untouched, with its first children: that refusal is made here,
-- under the locks, on the rows as they are. The audit entry is written without its hash, which
-- the sealer computes from the stored entry (see 0019).
DROP FUNCTION waiwang_reclaim_prefix(bigint, timestamptz);
--> statement-breakpoint
-- One request: {prefix, parent (null for a root pool), what the verb decided on (parent_holder,
-- holder_path: who may reclaim from that parent), at, and the audit entry's actor, request_id, vrf}.
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
  IF v_parent_id IS NOT NULL THEN
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
