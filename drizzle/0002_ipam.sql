CREATE TABLE "addresses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"vrf_id" bigint NOT NULL,
	"prefix_id" bigint NOT NULL,
	"address" "inet" NOT NULL,
	"holder_code" text NOT NULL,
	"hostname" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"gateway" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prefix_free_blocks" (
	"parent_id" bigint NOT NULL,
	"block" "cidr" NOT NULL,
	"length" smallint NOT NULL,
	CONSTRAINT "prefix_free_blocks_pkey" PRIMARY KEY("parent_id","block")
);
--> statement-breakpoint
CREATE TABLE "prefixes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"vrf_id" bigint NOT NULL,
	"parent_id" bigint,
	"family" smallint NOT NULL,
	"prefix" "cidr" NOT NULL,
	"status" text NOT NULL,
	"holder_code" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"used_addresses" numeric(40, 0) DEFAULT '0' NOT NULL,
	"total_addresses" numeric(40, 0) NOT NULL,
	"child_count" integer DEFAULT 0 NOT NULL,
	"address_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vrfs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"zone_code" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zones" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_vrf_id_vrfs_id_fk" FOREIGN KEY ("vrf_id") REFERENCES "public"."vrfs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_prefix_id_prefixes_id_fk" FOREIGN KEY ("prefix_id") REFERENCES "public"."prefixes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_holder_code_units_code_fk" FOREIGN KEY ("holder_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prefix_free_blocks" ADD CONSTRAINT "prefix_free_blocks_parent_id_prefixes_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."prefixes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_vrf_id_vrfs_id_fk" FOREIGN KEY ("vrf_id") REFERENCES "public"."vrfs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prefixes" ADD CONSTRAINT "prefixes_holder_code_units_code_fk" FOREIGN KEY ("holder_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vrfs" ADD CONSTRAINT "vrfs_zone_code_zones_code_fk" FOREIGN KEY ("zone_code") REFERENCES "public"."zones"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "addresses_vrf_address_key" ON "addresses" USING btree ("vrf_id","address");--> statement-breakpoint
CREATE INDEX "addresses_prefix_idx" ON "addresses" USING btree ("prefix_id","address");--> statement-breakpoint
CREATE INDEX "addresses_holder_idx" ON "addresses" USING btree ("holder_code");--> statement-breakpoint
CREATE INDEX "prefix_free_blocks_best_idx" ON "prefix_free_blocks" USING btree ("parent_id","length","block");--> statement-breakpoint
CREATE INDEX "prefixes_parent_idx" ON "prefixes" USING btree ("parent_id","prefix");--> statement-breakpoint
CREATE INDEX "prefixes_holder_idx" ON "prefixes" USING btree ("holder_code");--> statement-breakpoint
CREATE INDEX "prefixes_vrf_prefix_idx" ON "prefixes" USING gist ("vrf_id","prefix" inet_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "vrfs_name_key" ON "vrfs" USING btree ("name");