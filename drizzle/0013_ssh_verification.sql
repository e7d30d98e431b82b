CREATE TABLE "device_baselines" (
	"device_id" bigint PRIMARY KEY NOT NULL,
	"config_sha256" text NOT NULL,
	"config" text NOT NULL,
	"check_id" bigint,
	"approved_by" text NOT NULL,
	"approved_at" timestamp with time zone NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	CONSTRAINT "device_baselines_sha256_check" CHECK ("device_baselines"."config_sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "incidents" DROP CONSTRAINT "incidents_kind_check";--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "ssh_legacy_algorithms" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "finding_id" bigint;--> statement-breakpoint
ALTER TABLE "device_baselines" ADD CONSTRAINT "device_baselines_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_baselines" ADD CONSTRAINT "device_baselines_check_id_device_checks_id_fk" FOREIGN KEY ("check_id") REFERENCES "public"."device_checks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_one_open_finding" ON "incidents" USING btree ("finding_id") WHERE "incidents"."status" = 'open';--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_finding_kind_check" CHECK (("incidents"."finding_id" IS NULL) OR "incidents"."kind" NOT IN ('link_down', 'device_down'));--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_kind_check" CHECK ("incidents"."kind" IN ('link_down', 'device_down', 'device_moved', 'device_readdressed', 'config_drift', 'identity_mismatch', 'device_unreachable', 'host_key_changed'));