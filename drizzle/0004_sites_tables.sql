CREATE TABLE "agent_leases" (
	"device_id" bigint NOT NULL,
	"method" text NOT NULL,
	"agent_user_id" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agent_leases_pkey" PRIMARY KEY("device_id","method"),
	CONSTRAINT "agent_leases_method_check" CHECK ("agent_leases"."method" IN ('snmp', 'ssh'))
);
--> statement-breakpoint
CREATE TABLE "device_interfaces" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"device_id" bigint NOT NULL,
	"name" text NOT NULL,
	"address" "inet",
	CONSTRAINT "device_interfaces_device_name_key" UNIQUE("device_id","name"),
	CONSTRAINT "device_interfaces_device_id_key" UNIQUE("device_id","id")
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"hostname" text NOT NULL,
	"room_id" bigint,
	"role" text NOT NULL,
	"vendor" text NOT NULL,
	"dialect" text,
	"model" text DEFAULT '' NOT NULL,
	"serial" text DEFAULT '' NOT NULL,
	"mgmt_address" "inet",
	"mgmt_address_id" bigint,
	"owner_unit_code" text NOT NULL,
	"responsible_name" text DEFAULT '' NOT NULL,
	"responsible_phone" text DEFAULT '' NOT NULL,
	"snmp_agent_user_id" bigint,
	"snmp_version" text,
	"snmp_port" integer,
	"ssh_agent_user_id" bigint,
	"ssh_port" integer,
	"ssh_username" text,
	"snmp_credentials" text,
	"ssh_credentials" text,
	"ssh_host_key_sha256" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_role_check" CHECK ("devices"."role" IN ('boundary', 'pe', 'ce', 'core', 'aggregation', 'firewall')),
	CONSTRAINT "devices_vendor_check" CHECK ("devices"."vendor" IN ('huawei', 'h3c', 'cisco', 'ruijie', 'zte')),
	CONSTRAINT "devices_ports_check" CHECK (("devices"."snmp_port" IS NULL OR "devices"."snmp_port" BETWEEN 1 AND 65535) AND ("devices"."ssh_port" IS NULL OR "devices"."ssh_port" BETWEEN 1 AND 65535))
);
--> statement-breakpoint
CREATE TABLE "links" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"a_device_id" bigint NOT NULL,
	"a_interface_id" bigint NOT NULL,
	"z_device_id" bigint NOT NULL,
	"z_interface_id" bigint NOT NULL,
	"capacity_mbps" integer NOT NULL,
	"paying_unit_code" text NOT NULL,
	"circuit_id" text DEFAULT '' NOT NULL,
	"carrier" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "links_capacity_positive" CHECK ("links"."capacity_mbps" > 0),
	CONSTRAINT "links_distinct_devices" CHECK ("links"."a_device_id" <> "links"."z_device_id")
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"unit_code" text NOT NULL,
	"address" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"webhook_id" bigint NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "webhook_deliveries_status_check" CHECK ("webhook_deliveries"."status" IN ('pending', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"unit_code" text NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"events" text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhooks_url_scheme" CHECK ("webhooks"."url" ~ '^https?://')
);
--> statement-breakpoint
ALTER TABLE "agent_leases" ADD CONSTRAINT "agent_leases_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_leases" ADD CONSTRAINT "agent_leases_agent_user_id_users_id_fk" FOREIGN KEY ("agent_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_interfaces" ADD CONSTRAINT "device_interfaces_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_mgmt_address_id_addresses_id_fk" FOREIGN KEY ("mgmt_address_id") REFERENCES "public"."addresses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_owner_unit_code_units_code_fk" FOREIGN KEY ("owner_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_snmp_agent_user_id_users_id_fk" FOREIGN KEY ("snmp_agent_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_ssh_agent_user_id_users_id_fk" FOREIGN KEY ("ssh_agent_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_paying_unit_code_units_code_fk" FOREIGN KEY ("paying_unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_a_interface_fk" FOREIGN KEY ("a_device_id","a_interface_id") REFERENCES "public"."device_interfaces"("device_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_z_interface_fk" FOREIGN KEY ("z_device_id","z_interface_id") REFERENCES "public"."device_interfaces"("device_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "devices_hostname_key" ON "devices" USING btree ("hostname");--> statement-breakpoint
CREATE INDEX "devices_owner_idx" ON "devices" USING btree ("owner_unit_code");--> statement-breakpoint
CREATE INDEX "devices_room_idx" ON "devices" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "devices_snmp_agent_idx" ON "devices" USING btree ("snmp_agent_user_id");--> statement-breakpoint
CREATE INDEX "devices_ssh_agent_idx" ON "devices" USING btree ("ssh_agent_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "links_a_interface_key" ON "links" USING btree ("a_interface_id");--> statement-breakpoint
CREATE UNIQUE INDEX "links_z_interface_key" ON "links" USING btree ("z_interface_id");--> statement-breakpoint
CREATE INDEX "links_a_device_idx" ON "links" USING btree ("a_device_id");--> statement-breakpoint
CREATE INDEX "links_z_device_idx" ON "links" USING btree ("z_device_id");--> statement-breakpoint
CREATE INDEX "links_paying_unit_idx" ON "links" USING btree ("paying_unit_code");--> statement-breakpoint
CREATE INDEX "rooms_unit_idx" ON "rooms" USING btree ("unit_code");--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_unit_name_key" ON "rooms" USING btree ("unit_code","name");--> statement-breakpoint
CREATE INDEX "webhook_attempts_delivery_idx" ON "webhook_attempts" USING btree ("delivery_id","attempt");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_idx" ON "webhook_deliveries" USING btree ("webhook_id","id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE "webhook_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhooks_unit_idx" ON "webhooks" USING btree ("unit_code");