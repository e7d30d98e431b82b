-- Guards drizzle-kit does not generate: extension, enum checks, append-only audit tables.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_kind_check" CHECK ("kind" IN ('division', 'department'));
--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_level_check" CHECK ("level" IN ('region', 'city', 'county', 'township'));
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" IN ('admin', 'operator', 'applicant', 'auditor', 'agent'));
--> statement-breakpoint
CREATE OR REPLACE FUNCTION waiwang_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = '42501';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION waiwang_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_seals"
  FOR EACH STATEMENT EXECUTE FUNCTION waiwang_refuse_change();
