DROP INDEX "prefixes_parent_idx";--> statement-breakpoint
CREATE INDEX "prefixes_listing_idx" ON "prefixes" USING btree ("vrf_id","prefix","id");--> statement-breakpoint
CREATE INDEX "prefixes_parent_idx" ON "prefixes" USING btree ("parent_id","vrf_id","prefix","id");