ALTER TABLE "incidents" DROP CONSTRAINT "incidents_kind_check";--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "title" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "reported_by" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolved_by" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_operator_reported_check" CHECK (("incidents"."kind" = 'operator_reported') = ("incidents"."title" IS NOT NULL AND "incidents"."reported_by" IS NOT NULL));--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_resolved_by_check" CHECK (("incidents"."resolved_by" IS NULL OR ("incidents"."kind" = 'operator_reported' AND "incidents"."status" = 'resolved' AND "incidents"."resolution" IS NOT NULL)));--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_kind_check" CHECK ("incidents"."kind" IN ('link_down', 'device_down', 'device_moved', 'device_readdressed', 'config_drift', 'identity_mismatch', 'device_unreachable', 'host_key_changed', 'operator_reported'));