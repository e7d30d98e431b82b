CREATE TABLE "drill_reminders" (
	"unit_code" text PRIMARY KEY NOT NULL,
	"reminded_for" text NOT NULL,
	"reminded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "drills" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_code" text NOT NULL,
	"held_on" date NOT NULL,
	"scenario" text NOT NULL,
	"findings" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "emergency_plans" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_code" text NOT NULL,
	"title" text NOT NULL,
	"revised_on" date NOT NULL,
	"document" "bytea",
	"document_type" text,
	"document_name" text DEFAULT '' NOT NULL,
	"document_size" integer DEFAULT 0 NOT NULL,
	"document_sha256" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "emergency_plans_document_typed" CHECK (("emergency_plans"."document" IS NULL) = ("emergency_plans"."document_type" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "incident_handling" (
	"incident_id" bigint PRIMARY KEY NOT NULL,
	"severity" text NOT NULL,
	"severity_source" text NOT NULL,
	"severity_reason" text DEFAULT '' NOT NULL,
	"major_since" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"escalations" integer DEFAULT 0 NOT NULL,
	"last_escalated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "incident_handling_severity_check" CHECK ("incident_handling"."severity" IN ('minor', 'major') AND "incident_handling"."severity_source" IN ('rule', 'operator')),
	CONSTRAINT "incident_handling_major_since" CHECK (("incident_handling"."severity" = 'major') = ("incident_handling"."major_since" IS NOT NULL)),
	CONSTRAINT "incident_handling_acknowledged" CHECK (("incident_handling"."acknowledged_at" IS NULL) = ("incident_handling"."acknowledged_by" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "incident_timeline" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"entry" text NOT NULL,
	"actor" text NOT NULL,
	"comment" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "migration_plans" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"network" text NOT NULL,
	"owner_unit_code" text NOT NULL,
	"vrf_id" bigint NOT NULL,
	"planned_on" date NOT NULL,
	"started_on" date,
	"migrated_on" date,
	"status" text DEFAULT 'planned' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "migration_plans_status_check" CHECK ("migration_plans"."status" IN ('planned', 'migrating', 'migrated')),
	CONSTRAINT "migration_plans_migrated_dated" CHECK (("migration_plans"."status" = 'migrated') = ("migration_plans"."migrated_on" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "website_filings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"site_name" text NOT NULL,
	"domain" text NOT NULL,
	"addresses" "inet"[] NOT NULL,
	"responsible_unit_code" text NOT NULL,
	"responsible_name" text DEFAULT '' NOT NULL,
	"responsible_phone" text DEFAULT '' NOT NULL,
	"filing_number" text DEFAULT '' NOT NULL,
	"filed_on" date,
	"assisting_unit_code" text,
	"assistance" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "website_filings_filed_dated" CHECK (("website_filings"."filing_number" = '') = ("website_filings"."filed_on" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "drill_reminders" ADD CONSTRAINT "drill_reminders_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drills" ADD CONSTRAINT "drills_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emergency_plans" ADD CONSTRAINT "emergency_plans_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_handling" ADD CONSTRAINT "incident_handling_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_timeline" ADD CONSTRAINT "incident_timeline_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_plans" ADD CONSTRAINT "migration_plans_owner_unit_code_units_code_fk" FOREIGN KEY ("owner_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_plans" ADD CONSTRAINT "migration_plans_vrf_id_vrfs_id_fk" FOREIGN KEY ("vrf_id") REFERENCES "public"."vrfs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "website_filings" ADD CONSTRAINT "website_filings_responsible_unit_code_units_code_fk" FOREIGN KEY ("responsible_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "website_filings" ADD CONSTRAINT "website_filings_assisting_unit_code_units_code_fk" FOREIGN KEY ("assisting_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drills_unit_held_idx" ON "drills" USING btree ("unit_code","held_on");--> statement-breakpoint
CREATE UNIQUE INDEX "emergency_plans_unit_key" ON "emergency_plans" USING btree ("unit_code");--> statement-breakpoint
CREATE INDEX "incident_handling_unacknowledged_idx" ON "incident_handling" USING btree ("major_since") WHERE "incident_handling"."severity" = 'major' AND "incident_handling"."acknowledged_at" IS NULL;--> statement-breakpoint
CREATE INDEX "incident_timeline_incident_idx" ON "incident_timeline" USING btree ("incident_id","at");--> statement-breakpoint
CREATE INDEX "migration_plans_owner_idx" ON "migration_plans" USING btree ("owner_unit_code");--> statement-breakpoint
CREATE INDEX "migration_plans_open_idx" ON "migration_plans" USING btree ("planned_on") WHERE "migration_plans"."status" <> 'migrated';--> statement-breakpoint
CREATE UNIQUE INDEX "migration_plans_owner_network_key" ON "migration_plans" USING btree ("owner_unit_code","network");--> statement-breakpoint
CREATE UNIQUE INDEX "website_filings_domain_key" ON "website_filings" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "website_filings_unit_idx" ON "website_filings" USING btree ("responsible_unit_code");