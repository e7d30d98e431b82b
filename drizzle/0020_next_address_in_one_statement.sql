-- hand-written: issue 14, the next free address in one autocommitted statement, as allocations
-- became in 0019. Until now the verb ran BEGIN, waiwang_assign_next_address (which wrote, then
-- returned the prefix and its holder for the verb to authorize), the audit entry and COMMIT:
-- the prefix stayed locked across the verb's checks and a second round trip. Now the verb
-- decides first, on the prefix and its holder as its caches have them
-- (server/modules/ipam/service/addresses.ts, assignNextAddress), and passes what it decided on;
-- this function locks the prefix and writes the address, the prefix's counters and the audit
-- entry only if the locked rows still say what the verb saw (otherwise it writes nothing and
-- answers 'stale', and the verb decides again on rows read afresh). The audit entry is written
-- without its hash, which the sealer computes from the stored entry (see 0019). The guards stay:
-- the unique (vrf, address) index and the containment triggers run on this INSERT as on any other.
DROP FUNCTION waiwang_assign_next_address(bigint, text, text, text, boolean, timestamptz);
--> statement-breakpoint
-- One request: {prefix, hostname, description, gateway, at; what the verb decided on
-- (prefix_holder, prefix_status: the prefix it authorized on; holder_path: the holder's place,
-- which the actor's scope is checked against, and that it is not retired); and the audit
-- entry's actor, request_id, vrf}. Usable hosts as server/net/blocks.ts usableHosts(): IPv4 up
-- to /30 loses network and broadcast; /31, /32 (RFC 3021), /127 and /128 (RFC 6164) use all;
-- other IPv6 loses only the subnet-router anycast address (RFC 4291 2.6.1).
CREATE OR REPLACE FUNCTION waiwang_assign_next_free(r jsonb) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_prefix prefixes%ROWTYPE;
  v_gateway boolean := (r->>'gateway')::boolean;
  v_now timestamptz := (r->>'at')::timestamptz;
  v_bits integer;
  v_first inet;
  v_last inet;
  v_next inet;
  v_row addresses%ROWTYPE;
BEGIN
  -- The prefix's row lock serializes the next free address within one prefix only.
  SELECT * INTO v_prefix FROM prefixes WHERE id = (r->>'prefix')::bigint FOR UPDATE;
  IF NOT FOUND OR v_prefix.holder_code <> r->>'prefix_holder' OR v_prefix.status <> r->>'prefix_status' THEN
    RETURN json_build_object('stale', 'prefix');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM units WHERE code = v_prefix.holder_code AND path = r->>'holder_path' AND retired_at IS NULL) THEN
    RETURN json_build_object('stale', 'units');
  END IF;
  -- The verb refused this already; a request that gets here anyway is a bug, not a user's error.
  IF v_prefix.status <> 'assigned' THEN
    RAISE EXCEPTION 'waiwang_assign_next_free: prefix % is % and was not checked', v_prefix.id, v_prefix.status;
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
  IF v_next IS NULL OR (v_gateway AND v_next <> v_first) THEN
    RETURN json_build_object('address', NULL, 'first', host(v_first), 'exhausted', v_next IS NULL);
  END IF;
  INSERT INTO addresses (vrf_id, prefix_id, address, holder_code, hostname, description, gateway)
    VALUES (v_prefix.vrf_id, v_prefix.id, v_next, v_prefix.holder_code, r->>'hostname', r->>'description', v_gateway)
    RETURNING * INTO v_row;
  UPDATE prefixes SET used_addresses = used_addresses + 1, address_count = address_count + 1, updated_at = v_now
   WHERE id = v_prefix.id;
  -- The shape of addressView() in addresses.ts (createdAt as Date.toISOString() prints it: ms,
  -- truncated; host() prints IPv6 as RFC 5952 does, except IPv4-mapped addresses, which it
  -- writes dotted, as 0019 writes cidr); hash NULL: the sealer hashes it.
  INSERT INTO audit_entries (id, at, actor, action, object_type, object_id, before, after, request_id, hash)
    VALUES (nextval('audit_entry_ids'), v_now, r->>'actor', 'address.assign', 'address', v_row.id::text, NULL,
            jsonb_build_object('id', v_row.id::text, 'address', host(v_row.address), 'vrf', r->>'vrf', 'prefixId', v_row.prefix_id::text,
                               'holder', v_row.holder_code, 'hostname', v_row.hostname, 'description', v_row.description,
                               'gateway', v_row.gateway,
                               'createdAt', to_char(v_row.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
            r->>'request_id', NULL);
  RETURN json_build_object('address', json_build_object('id', v_row.id::text, 'vrf_id', v_row.vrf_id::text, 'prefix_id', v_row.prefix_id::text,
      'address', host(v_row.address), 'holder_code', v_row.holder_code, 'hostname', v_row.hostname,
      'description', v_row.description, 'gateway', v_row.gateway, 'created_at', v_row.created_at));
END;
$$;
