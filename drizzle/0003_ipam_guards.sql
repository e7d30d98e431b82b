-- The registry's invariants, guarded by the database so that no entry point can bypass them.
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_status_check" CHECK ("status" IN ('pool', 'allocated', 'assigned', 'reserved'));
--> statement-breakpoint
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_family_check" CHECK ("family" = family("prefix"));
--> statement-breakpoint
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_pool_is_root" CHECK (("status" = 'pool') = ("parent_id" IS NULL));
--> statement-breakpoint
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "prefixes"("id");
--> statement-breakpoint
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_counts_check" CHECK ("used_addresses" >= 0 AND "used_addresses" <= "total_addresses" AND "child_count" >= 0 AND "address_count" >= 0);
--> statement-breakpoint
-- Siblings never overlap; root pools (parent_id NULL) of one VRF never overlap each other.
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_no_overlap" EXCLUDE USING gist (
  "vrf_id" WITH =, (COALESCE("parent_id", 0)) WITH =, "prefix" inet_ops WITH &&
);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION waiwang_prefix_inside_parent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  IF NEW.parent_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT vrf_id, prefix, status INTO p FROM prefixes WHERE id = NEW.parent_id;
  IF p.vrf_id IS DISTINCT FROM NEW.vrf_id OR NOT (p.prefix >> NEW.prefix) THEN
    RAISE EXCEPTION 'prefix % must lie strictly inside its parent % in the same VRF', NEW.prefix, p.prefix
      USING ERRCODE = '23514', CONSTRAINT = 'prefixes_inside_parent';
  END IF;
  IF p.status = 'assigned' THEN
    RAISE EXCEPTION 'prefix % is assigned: it holds addresses, not further delegations', p.prefix
      USING ERRCODE = '23514', CONSTRAINT = 'prefixes_assigned_is_leaf';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER prefixes_inside_parent BEFORE INSERT OR UPDATE OF prefix, parent_id, vrf_id ON "prefixes"
  FOR EACH ROW EXECUTE FUNCTION waiwang_prefix_inside_parent();
--> statement-breakpoint
-- A parent's free blocks never overlap each other.
ALTER TABLE "prefix_free_blocks" ADD CONSTRAINT "prefix_free_blocks_no_overlap" EXCLUDE USING gist (
  "parent_id" WITH =, "block" inet_ops WITH &&
);
--> statement-breakpoint
ALTER TABLE "prefix_free_blocks" ADD CONSTRAINT "prefix_free_blocks_length_check" CHECK ("length" = masklen("block"));
--> statement-breakpoint
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_host_check" CHECK (masklen("address") = CASE family("address") WHEN 4 THEN 32 ELSE 128 END);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION waiwang_address_inside_prefix() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  SELECT vrf_id, prefix, status INTO p FROM prefixes WHERE id = NEW.prefix_id;
  IF p.vrf_id IS DISTINCT FROM NEW.vrf_id OR NOT (p.prefix >>= NEW.address) THEN
    RAISE EXCEPTION 'address % must lie inside its prefix % in the same VRF', NEW.address, p.prefix
      USING ERRCODE = '23514', CONSTRAINT = 'addresses_inside_prefix';
  END IF;
  IF p.status <> 'assigned' THEN
    RAISE EXCEPTION 'addresses are registered in assigned prefixes; % is %', p.prefix, p.status
      USING ERRCODE = '23514', CONSTRAINT = 'addresses_in_assigned_prefix';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER addresses_inside_prefix BEFORE INSERT OR UPDATE OF address, prefix_id, vrf_id ON "addresses"
  FOR EACH ROW EXECUTE FUNCTION waiwang_address_inside_prefix();
--> statement-breakpoint
INSERT INTO "zones" ("code", "name") VALUES ('public', '公用网络区'), ('dedicated', '专用网络区'), ('internet', '互联网接入区');
--> statement-breakpoint
INSERT INTO "vrfs" ("name", "zone_code", "description") VALUES
  ('public', 'public', '公用网络区默认地址空间'),
  ('dedicated', 'dedicated', '专用网络区默认地址空间'),
  ('internet', 'internet', '互联网接入区默认地址空间');
