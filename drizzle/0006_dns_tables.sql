CREATE TABLE "dns_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"domain_id" bigint NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"ttl" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dns_records_ttl_check" CHECK ("dns_records"."ttl" BETWEEN 60 AND 604800),
	CONSTRAINT "dns_records_type_check" CHECK ("dns_records"."type" IN ('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR'))
);
--> statement-breakpoint
CREATE TABLE "domains" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_id" bigint,
	"holder_code" text NOT NULL,
	"nameservers" jsonb NOT NULL,
	"soa" jsonb NOT NULL,
	"ttl" integer NOT NULL,
	"serial" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "domains_name_check" CHECK ("domains"."name" ~ '^[a-z0-9-]+(\.[a-z0-9-]+)*$' AND octet_length("domains"."name") <= 253),
	CONSTRAINT "domains_ttl_check" CHECK ("domains"."ttl" BETWEEN 60 AND 604800),
	CONSTRAINT "domains_serial_check" CHECK ("domains"."serial" BETWEEN 1 AND 4294967295)
);
--> statement-breakpoint
CREATE TABLE "dns_reverse_zones" (
	"vrf_id" bigint NOT NULL,
	"name" text NOT NULL,
	"serial" bigint NOT NULL,
	"content_sha256" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dns_reverse_zones_pkey" PRIMARY KEY("vrf_id","name")
);
--> statement-breakpoint
ALTER TABLE "dns_records" ADD CONSTRAINT "dns_records_domain_id_domains_id_fk" FOREIGN KEY ("domain_id") REFERENCES "public"."domains"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_parent_id_domains_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."domains"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_holder_code_units_code_fk" FOREIGN KEY ("holder_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dns_reverse_zones" ADD CONSTRAINT "dns_reverse_zones_vrf_id_vrfs_id_fk" FOREIGN KEY ("vrf_id") REFERENCES "public"."vrfs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dns_records_zone_idx" ON "dns_records" USING btree ("domain_id","name","type");--> statement-breakpoint
CREATE UNIQUE INDEX "domains_name_key" ON "domains" USING btree ("name");--> statement-breakpoint
CREATE INDEX "domains_parent_idx" ON "domains" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "domains_holder_idx" ON "domains" USING btree ("holder_code");