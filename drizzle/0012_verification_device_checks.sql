CREATE TABLE "device_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"device_id" bigint NOT NULL,
	"method" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"detail" text,
	"host_key_sha256" text,
	"identity" jsonb,
	"interfaces" jsonb,
	"neighbors" jsonb,
	"config_sha256" text,
	"config" text,
	"reported_by" bigint,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "device_checks_method_check" CHECK ("device_checks"."method" IN ('snmp', 'ssh')),
	CONSTRAINT "device_checks_status_check" CHECK ("device_checks"."status" IN ('ok', 'unreachable', 'auth_failed', 'host_key_changed'))
);
--> statement-breakpoint
ALTER TABLE "device_checks" ADD CONSTRAINT "device_checks_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_checks" ADD CONSTRAINT "device_checks_reported_by_users_id_fk" FOREIGN KEY ("reported_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "device_checks_once" ON "device_checks" USING btree ("device_id","method","at");--> statement-breakpoint
CREATE INDEX "device_checks_device_at_idx" ON "device_checks" USING btree ("device_id","at");