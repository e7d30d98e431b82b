ALTER TABLE "api_tokens" ADD COLUMN "bootstrap" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Tokens made at a start (the first admin token, and each WAIWANG_BOOTSTRAP_TOKEN since) are the ones the server itself recorded under request id 'bootstrap'.
UPDATE "api_tokens" SET "bootstrap" = true WHERE "id" IN (
  SELECT "object_id"::bigint FROM "audit_entries"
  WHERE "action" = 'token.create' AND "actor" = 'system' AND "request_id" = 'bootstrap' AND "object_id" ~ '^[0-9]{1,18}$'
);
