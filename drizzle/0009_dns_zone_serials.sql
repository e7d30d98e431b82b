CREATE TABLE "dns_zone_serials" (
	"name" text PRIMARY KEY NOT NULL,
	"serial" bigint NOT NULL,
	"content_sha256" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dns_zone_serials_serial_check" CHECK ("dns_zone_serials"."serial" BETWEEN 1 AND 4294967295)
);
--> statement-breakpoint
-- Zones reclaimed before this table existed: the audit trail has each one's last serial.
INSERT INTO "dns_zone_serials" ("name", "serial", "content_sha256", "updated_at")
SELECT "before"->>'name', max(("before"->>'serial')::bigint), NULL, now()
FROM "audit_entries"
WHERE "action" = 'domain.reclaim' AND jsonb_typeof("before"->'serial') = 'number' AND "before"->>'name' IS NOT NULL
GROUP BY "before"->>'name';
--> statement-breakpoint
-- Reverse zones of the shared spaces were counted per (VRF, name): each name starts from the
-- highest serial any of its rows published, without a digest, so that its next answer moves
-- past it, never below.
INSERT INTO "dns_zone_serials" ("name", "serial", "content_sha256", "updated_at")
SELECT r."name", max(r."serial"), NULL, now()
FROM "dns_reverse_zones" r JOIN "vrfs" v ON v."id" = r."vrf_id"
WHERE v."name" IN ('public', 'internet')
GROUP BY r."name";
