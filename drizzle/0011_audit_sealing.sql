ALTER TABLE "audit_entries" ADD COLUMN "xact_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_entries_xact_idx" ON "audit_entries" USING btree ("xact_id");