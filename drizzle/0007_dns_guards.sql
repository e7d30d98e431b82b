-- The DNS registry's invariants, guarded by the database like the prefix tree's.
-- A child zone is exactly one label below its parent: what the delegation rule hands out is
-- that one label, so no entry point can register a name two levels down or sideways.
CREATE OR REPLACE FUNCTION waiwang_domain_below_parent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  parent_name text;
BEGIN
  IF NEW.parent_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT name INTO parent_name FROM domains WHERE id = NEW.parent_id;
  IF position('.' IN NEW.name) = 0 OR substr(NEW.name, position('.' IN NEW.name) + 1) IS DISTINCT FROM parent_name THEN
    RAISE EXCEPTION 'domain % must be exactly one label below its parent %', NEW.name, parent_name
      USING ERRCODE = '23514', CONSTRAINT = 'domains_below_parent';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER domains_below_parent BEFORE INSERT OR UPDATE OF name, parent_id ON "domains"
  FOR EACH ROW EXECUTE FUNCTION waiwang_domain_below_parent();
--> statement-breakpoint
-- A record's owner lies inside its zone.
CREATE OR REPLACE FUNCTION waiwang_record_inside_zone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  zone text;
BEGIN
  SELECT name INTO zone FROM domains WHERE id = NEW.domain_id;
  IF NOT (NEW.name = zone OR right(NEW.name, length(zone) + 1) = '.' || zone) THEN
    RAISE EXCEPTION 'record owner % lies outside zone %', NEW.name, zone
      USING ERRCODE = '23514', CONSTRAINT = 'dns_records_inside_zone';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER dns_records_inside_zone BEFORE INSERT OR UPDATE OF name, domain_id ON "dns_records"
  FOR EACH ROW EXECUTE FUNCTION waiwang_record_inside_zone();
--> statement-breakpoint
-- One copy of each record; TXT values can be long, so the key holds their digest.
CREATE UNIQUE INDEX "dns_records_unique" ON "dns_records" ("domain_id", "name", "type", md5("value"));
--> statement-breakpoint
ALTER TABLE "dns_reverse_zones" ADD CONSTRAINT "dns_reverse_zones_serial_check" CHECK ("serial" BETWEEN 1 AND 4294967295);
