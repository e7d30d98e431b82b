CREATE TABLE "findings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"device_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"detail" text NOT NULL,
	"diff" jsonb,
	"status" text DEFAULT 'open' NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolution" text,
	CONSTRAINT "findings_kind_check" CHECK ("findings"."kind" IN ('identity_mismatch', 'moved', 'readdressed', 'config_drift', 'unreachable', 'host_key_changed', 'speed_mismatch', 'counter32_on_fast_link')),
	CONSTRAINT "findings_status_check" CHECK (("findings"."status" = 'open') = ("findings"."resolved_at" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "expansion_policy" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "expansion_policy_single_row" CHECK ("expansion_policy"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "expansion_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"link_id" bigint NOT NULL,
	"unit_code" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"evidence" jsonb NOT NULL,
	"current_mbps" integer NOT NULL,
	"recommended_mbps" integer NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"opinion" text,
	"fulfilled_at" timestamp with time zone,
	CONSTRAINT "expansion_requests_status_check" CHECK ("expansion_requests"."status" IN ('open', 'approved', 'rejected', 'fulfilled')),
	CONSTRAINT "expansion_requests_capacity_check" CHECK ("expansion_requests"."current_mbps" > 0 AND "expansion_requests"."recommended_mbps" > 0)
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"device_id" bigint,
	"link_id" bigint,
	"reported_to" text NOT NULL,
	"paying_unit_code" text,
	"detail" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "incidents_kind_check" CHECK ("incidents"."kind" IN ('link_down', 'device_down')),
	CONSTRAINT "incidents_status_check" CHECK (("incidents"."status" = 'open') = ("incidents"."resolved_at" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "interface_rollups" (
	"interface_id" bigint NOT NULL,
	"bucket_at" timestamp with time zone NOT NULL,
	"in_bps" double precision,
	"out_bps" double precision,
	"sample_seconds" double precision NOT NULL,
	"spikes" integer DEFAULT 0 NOT NULL,
	"invalid" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "interface_rollups_pkey" PRIMARY KEY("interface_id","bucket_at")
);
--> statement-breakpoint
CREATE TABLE "link_rollups" (
	"link_id" bigint NOT NULL,
	"bucket_at" timestamp with time zone NOT NULL,
	"in_bps" double precision,
	"out_bps" double precision,
	"in_percent" double precision,
	"out_percent" double precision,
	"capacity_mbps" integer NOT NULL,
	"sample_seconds" double precision NOT NULL,
	"spikes" integer DEFAULT 0 NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "link_rollups_pkey" PRIMARY KEY("link_id","bucket_at"),
	CONSTRAINT "link_rollups_source_check" CHECK ("link_rollups"."source" IN ('a', 'z'))
);
--> statement-breakpoint
CREATE TABLE "readings" (
	"interface_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"sys_up_time" bigint NOT NULL,
	"in_octets" numeric(20, 0) NOT NULL,
	"out_octets" numeric(20, 0) NOT NULL,
	"counter_bits" smallint NOT NULL,
	"high_speed_mbps" integer,
	"oper_status" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "readings_pkey" PRIMARY KEY("interface_id","at"),
	CONSTRAINT "readings_counter_bits_check" CHECK ("readings"."counter_bits" IN (32, 64)),
	CONSTRAINT "readings_octets_range" CHECK ("readings"."in_octets" >= 0 AND "readings"."out_octets" >= 0 AND "readings"."in_octets" <= 18446744073709551615 AND "readings"."out_octets" <= 18446744073709551615),
	CONSTRAINT "readings_uptime_range" CHECK ("readings"."sys_up_time" >= 0 AND "readings"."sys_up_time" < 4294967296),
	CONSTRAINT "readings_oper_status_check" CHECK ("readings"."oper_status" IN ('up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'))
);
--> statement-breakpoint
CREATE TABLE "rollup_backlog" (
	"interface_id" bigint PRIMARY KEY NOT NULL,
	"since" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expansion_requests" ADD CONSTRAINT "expansion_requests_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expansion_requests" ADD CONSTRAINT "expansion_requests_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_reported_to_units_code_fk" FOREIGN KEY ("reported_to") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_paying_unit_code_units_code_fk" FOREIGN KEY ("paying_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interface_rollups" ADD CONSTRAINT "interface_rollups_interface_id_device_interfaces_id_fk" FOREIGN KEY ("interface_id") REFERENCES "public"."device_interfaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_rollups" ADD CONSTRAINT "link_rollups_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "readings" ADD CONSTRAINT "readings_interface_id_device_interfaces_id_fk" FOREIGN KEY ("interface_id") REFERENCES "public"."device_interfaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollup_backlog" ADD CONSTRAINT "rollup_backlog_interface_id_device_interfaces_id_fk" FOREIGN KEY ("interface_id") REFERENCES "public"."device_interfaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "findings_one_open_key" ON "findings" USING btree ("device_id","kind","subject") WHERE "findings"."status" = 'open';--> statement-breakpoint
CREATE INDEX "findings_device_idx" ON "findings" USING btree ("device_id","id");--> statement-breakpoint
CREATE INDEX "findings_status_idx" ON "findings" USING btree ("status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "expansion_requests_one_in_flight" ON "expansion_requests" USING btree ("link_id") WHERE "expansion_requests"."status" IN ('open', 'approved');--> statement-breakpoint
CREATE INDEX "expansion_requests_status_idx" ON "expansion_requests" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "expansion_requests_link_idx" ON "expansion_requests" USING btree ("link_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_one_open_link" ON "incidents" USING btree ("kind","link_id") WHERE "incidents"."status" = 'open' AND "incidents"."kind" = 'link_down';--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_one_open_device" ON "incidents" USING btree ("kind","device_id") WHERE "incidents"."status" = 'open' AND "incidents"."kind" = 'device_down';--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "interface_rollups_bucket_brin" ON "interface_rollups" USING brin ("bucket_at");--> statement-breakpoint
CREATE INDEX "link_rollups_bucket_brin" ON "link_rollups" USING brin ("bucket_at");--> statement-breakpoint
CREATE INDEX "readings_at_brin" ON "readings" USING brin ("at");