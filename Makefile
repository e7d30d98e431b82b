# waiwang (外网): `make start` serves the registry on embedded PGlite in ./data; `make test` runs
# the type check and every test on PGlite and on PostgreSQL. Both install what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := start

.PHONY: setup node start dev test resilience typecheck bench clean

PGLITE_TEMPLATE_STAMP := node_modules/.cache/waiwang/pglite-template.stamp

## setup: Node.js >= 20 and npm (Debian's, or node@20 from the npm registry), then `npm ci` when
## node_modules is missing or older than package-lock.json, then the PGlite template data
## directory a fresh embedded start copies (server/db/template.ts; rebuilt when a migration changes),
## then the server's bundle (scripts/start.mjs --build: rebuilt only when a source changed, a check
## of some 450 mtimes), so that a start after a checkout or a pull does not build it first
setup: node node_modules/.package-lock.json $(PGLITE_TEMPLATE_STAMP)
	@node scripts/start.mjs --build

# The template is checked only when what its name hashes (the migrations, the division file, the
# PGlite version: a new package-lock; the way it is built: server/db/template.ts) changed since:
# the check is a tsx process that took ~2.5 s of every `make start` (issue 14). A template
# removed by hand is rebuilt by the next fresh start.
$(PGLITE_TEMPLATE_STAMP): node_modules/.package-lock.json server/modules/divisions/guangxi.json server/db/template.ts $(shell find drizzle -type f) | node
	@npm run --silent pglite-template
	@mkdir -p $(@D) && touch $@

node:
	@scripts/ensure-node.sh

# npm ci rewrites node_modules/.package-lock.json; touch it so an unchanged lock file is not reinstalled.
node_modules/.package-lock.json: package-lock.json | node
	npm ci --no-audit --no-fund
	@touch $@

## start: serve on PORT (8080) with embedded PGlite in WAIWANG_DATA_DIR (./data); prints the URLs and, on first start, the admin token
start: setup
	npm start

## dev: the same, restarting on every change of a source file
dev: setup
	npm run dev

typecheck: setup
	npx tsc --noEmit -p .

## test: Debian packages the tests need, a fresh PostgreSQL database (TEST_DATABASE_URL), tsc, vitest
test: setup
	@scripts/ensure-packages.sh
	@. scripts/ensure-postgres.sh; \
	echo "== tsc --noEmit"; \
	npx tsc --noEmit -p .; \
	echo "== vitest (PGlite and PostgreSQL)"; \
	scripts/run-tests.sh

## resilience: the long runs of test/resilience/long (kill -9 ×5 on PGlite and PostgreSQL, a
## PostgreSQL outage, two servers on one database) and the autocannon load (test/resilience/load.ts).
## Each starts its own servers and its own PostgreSQL cluster; the shared one is never stopped.
## Shorter: WAIWANG_RESILIENCE_KILLS, WAIWANG_RESILIENCE_OUTAGE_S, WAIWANG_LOAD_SECONDS.
resilience: setup
	@scripts/ensure-packages.sh
	@. scripts/ensure-postgres.sh; \
	echo "== vitest (test/resilience/long)"; \
	scripts/run-tests.sh -c vitest.resilience.config.ts

## bench: every benchmark in test/bench (PostgreSQL ones on a fresh database, as in make test)
bench: setup
	@scripts/ensure-packages.sh
	@. scripts/ensure-postgres.sh; npm run bench

clean:
	rm -rf .test-tmp
