# shellcheck shell=bash
# Gives the tests a PostgreSQL database of their own. Source it (`. scripts/ensure-postgres.sh`):
# it exports TEST_DATABASE_URL and sets an EXIT trap that drops what it made.
#   1. TEST_DATABASE_URL already set and answering: used as it is (nothing dropped).
#   2. a server answering on 127.0.0.1:${WAIWANG_TEST_PG_PORT:-5432} (user postgres): a fresh
#      database waiwang_test_<timestamp> there, dropped at exit.
#   3. neither (a plain Debian machine): installs postgresql when missing, `initdb`s a throwaway
#      cluster with trust auth on 127.0.0.1 and a free port from 55432 up, stopped and removed at exit.
# Run directly instead of sourced, it prints the URL and leaves everything in place.

ww_pg_sourced=0
(return 0 2>/dev/null) && ww_pg_sourced=1

ww_pg_log() { echo "ensure-postgres: $*" >&2; }
ww_pg_answers() { psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1; }
ww_pg_url() { echo "postgres://postgres@127.0.0.1:$1/$2"; }

ww_pg_cleanup() {
  if [ -n "${ww_pg_database:-}" ] && [ -n "${ww_pg_admin_url:-}" ]; then
    psql "$ww_pg_admin_url" -Atqc "DROP DATABASE IF EXISTS $ww_pg_database WITH (FORCE)" >/dev/null 2>&1 ||
      ww_pg_log "could not drop $ww_pg_database"
  fi
  if [ -n "${ww_pg_cluster:-}" ]; then
    ww_pg_as_owner "$ww_pg_bin/pg_ctl" -D "$ww_pg_cluster/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$ww_pg_cluster"
  fi
}

# initdb refuses to run as root: the cluster belongs to the postgres user then.
ww_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ww_pg_start_cluster() {
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    "$(dirname "${BASH_SOURCE[0]}")/ensure-packages.sh" postgresql postgresql-contrib postgresql-client || return 1
  fi
  ww_pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  ww_pg_cluster=$(mktemp -d /tmp/waiwang-pg.XXXXXX)
  chmod 755 "$ww_pg_cluster"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$ww_pg_cluster"; fi
  local port=55432
  while pg_isready -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1 || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  ww_pg_log "starting a throwaway PostgreSQL ($ww_pg_bin) on 127.0.0.1:$port in $ww_pg_cluster"
  ww_pg_as_owner "$ww_pg_bin/initdb" -D "$ww_pg_cluster/data" -U postgres -A trust -E UTF8 --no-sync >"$ww_pg_cluster/initdb.log" 2>&1 || {
    cat "$ww_pg_cluster/initdb.log" >&2
    return 1
  }
  ww_pg_as_owner "$ww_pg_bin/pg_ctl" -D "$ww_pg_cluster/data" -l "$ww_pg_cluster/server.log" -w -t 60 \
    -o "-p $port -k $ww_pg_cluster -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null || {
    cat "$ww_pg_cluster/server.log" >&2
    return 1
  }
  ww_pg_admin_url=$(ww_pg_url "$port" postgres)
}

ww_pg_main() {
  if [ -n "${TEST_DATABASE_URL:-}" ] && ww_pg_answers "$TEST_DATABASE_URL"; then
    ww_pg_log "using TEST_DATABASE_URL as given"
    return 0
  fi
  if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
    "$(dirname "${BASH_SOURCE[0]}")/ensure-packages.sh" postgresql-client || return 1
  fi
  local port=${WAIWANG_TEST_PG_PORT:-5432}
  if pg_isready -q -h 127.0.0.1 -p "$port" && ww_pg_answers "$(ww_pg_url "$port" postgres)"; then
    ww_pg_admin_url=$(ww_pg_url "$port" postgres)
  else
    ww_pg_start_cluster || return 1
  fi
  ww_pg_database="waiwang_test_$(date +%Y%m%d%H%M%S)_$$"
  psql "$ww_pg_admin_url" -Atqc "CREATE DATABASE $ww_pg_database" >/dev/null || return 1
  TEST_DATABASE_URL="${ww_pg_admin_url%/postgres}/$ww_pg_database"
  export TEST_DATABASE_URL
  ww_pg_log "TEST_DATABASE_URL=$TEST_DATABASE_URL"
}

if [ "$ww_pg_sourced" -eq 1 ]; then
  trap ww_pg_cleanup EXIT
  ww_pg_main || {
    ww_pg_log "no PostgreSQL for the tests"
    return 1
  }
else
  set -euo pipefail
  ww_pg_main
  echo "export TEST_DATABASE_URL=$TEST_DATABASE_URL"
fi
