CREATE TABLE "agreement_signatures" (
	"agreement_id" bigint NOT NULL,
	"party" text NOT NULL,
	"signer_name" text NOT NULL,
	"user_id" bigint NOT NULL,
	"username" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agreement_signatures_pkey" PRIMARY KEY("agreement_id","party"),
	CONSTRAINT "agreement_signatures_party_check" CHECK ("agreement_signatures"."party" IN ('applicant', 'operator'))
);
--> statement-breakpoint
CREATE TABLE "agreements" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"application_id" bigint NOT NULL,
	"applicant_code" text NOT NULL,
	"operator_code" text NOT NULL,
	"text" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"effective_at" timestamp with time zone,
	CONSTRAINT "agreements_status_check" CHECK ("agreements"."status" IN ('pending', 'effective') AND ("agreements"."status" = 'effective') = ("agreements"."effective_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "application_co_applicants" (
	"application_id" bigint NOT NULL,
	"unit_code" text NOT NULL,
	"confirmed_at" timestamp with time zone,
	"confirmed_by" text,
	CONSTRAINT "application_co_applicants_pkey" PRIMARY KEY("application_id","unit_code")
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'submitted' NOT NULL,
	"applicant_code" text NOT NULL,
	"reviewer_code" text NOT NULL,
	"admin_review" boolean DEFAULT false NOT NULL,
	"submitted_by" bigint,
	"bandwidth_mbps" integer,
	"security_level" integer,
	"details" jsonb NOT NULL,
	"expansion_request_id" bigint,
	"submitted_at" timestamp with time zone NOT NULL,
	"submitted_on" date NOT NULL,
	"accept_by" date NOT NULL,
	"accept_by_provisional" boolean NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_on" date,
	"accepted_by" text,
	"deadline" date,
	"deadline_provisional" boolean,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"opinion" text,
	"result" jsonb,
	"result_prefix_id" bigint,
	"result_domain_id" bigint,
	"filed_with_code" text,
	"filed_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"reminded_for" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applications_type_check" CHECK ("applications"."type" IN ('access', 'deployment', 'ip', 'domain', 'plan')),
	CONSTRAINT "applications_status_check" CHECK ("applications"."status" IN ('submitted', 'accepted', 'approved', 'rejected', 'withdrawn')),
	CONSTRAINT "applications_security_level_check" CHECK ("applications"."security_level" IS NULL OR "applications"."security_level" BETWEEN 1 AND 5),
	CONSTRAINT "applications_bandwidth_check" CHECK ("applications"."bandwidth_mbps" IS NULL OR "applications"."bandwidth_mbps" >= 0),
	CONSTRAINT "applications_accepted_has_deadline" CHECK (("applications"."accepted_at" IS NULL) = ("applications"."deadline" IS NULL) AND ("applications"."accepted_at" IS NULL) = ("applications"."accepted_on" IS NULL)),
	CONSTRAINT "applications_decided_after_acceptance" CHECK ("applications"."status" NOT IN ('approved', 'rejected') OR ("applications"."accepted_at" IS NOT NULL AND "applications"."decided_at" IS NOT NULL)),
	CONSTRAINT "applications_reject_has_opinion" CHECK ("applications"."status" <> 'rejected' OR length(btrim(coalesce("applications"."opinion", ''))) > 0),
	CONSTRAINT "applications_not_self_reviewed" CHECK ("applications"."applicant_code" <> "applications"."reviewer_code" OR "applications"."admin_review")
);
--> statement-breakpoint
CREATE TABLE "calendar_years" (
	"year" integer PRIMARY KEY NOT NULL,
	"papers" text[] NOT NULL,
	"days" jsonb NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"loaded_by" text NOT NULL,
	CONSTRAINT "calendar_years_year_check" CHECK ("calendar_years"."year" BETWEEN 1949 AND 2200)
);
--> statement-breakpoint
ALTER TABLE "agreement_signatures" ADD CONSTRAINT "agreement_signatures_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_signatures" ADD CONSTRAINT "agreement_signatures_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_applicant_code_units_code_fk" FOREIGN KEY ("applicant_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_operator_code_units_code_fk" FOREIGN KEY ("operator_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_co_applicants" ADD CONSTRAINT "application_co_applicants_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_co_applicants" ADD CONSTRAINT "application_co_applicants_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_applicant_code_units_code_fk" FOREIGN KEY ("applicant_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_reviewer_code_units_code_fk" FOREIGN KEY ("reviewer_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_expansion_request_id_expansion_requests_id_fk" FOREIGN KEY ("expansion_request_id") REFERENCES "public"."expansion_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_result_prefix_id_prefixes_id_fk" FOREIGN KEY ("result_prefix_id") REFERENCES "public"."prefixes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_result_domain_id_domains_id_fk" FOREIGN KEY ("result_domain_id") REFERENCES "public"."domains"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_filed_with_code_units_code_fk" FOREIGN KEY ("filed_with_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agreements_application_key" ON "agreements" USING btree ("application_id");--> statement-breakpoint
CREATE INDEX "agreements_applicant_idx" ON "agreements" USING btree ("applicant_code","id");--> statement-breakpoint
CREATE INDEX "agreements_operator_idx" ON "agreements" USING btree ("operator_code","id");--> statement-breakpoint
CREATE INDEX "application_co_applicants_unit_idx" ON "application_co_applicants" USING btree ("unit_code");--> statement-breakpoint
CREATE INDEX "applications_applicant_idx" ON "applications" USING btree ("applicant_code","id");--> statement-breakpoint
CREATE INDEX "applications_reviewer_idx" ON "applications" USING btree ("reviewer_code","id");--> statement-breakpoint
CREATE INDEX "applications_open_idx" ON "applications" USING btree ("status") WHERE "applications"."status" IN ('submitted', 'accepted');--> statement-breakpoint
-- hand-written: an agreement takes effect only when both parties have signed (article 19:
-- the agreement binds both sides); the service sets the status, the database refuses any other way.
CREATE FUNCTION agreements_effective_needs_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'effective' AND (SELECT count(*) FROM agreement_signatures s WHERE s.agreement_id = NEW.id) < 2 THEN
    RAISE EXCEPTION 'agreement % takes effect only when both parties have signed', NEW.id USING ERRCODE = 'check_violation', CONSTRAINT = 'agreements_effective_needs_both';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER agreements_effective_needs_both BEFORE INSERT OR UPDATE OF status ON agreements FOR EACH ROW EXECUTE FUNCTION agreements_effective_needs_both();
