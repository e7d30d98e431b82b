#!/usr/bin/env bash
# Installs the Debian packages that the tests need, when missing. Each module adds its packages
# to TEST_PACKAGES below (one per line, with what needs it). `apt-get update` runs only when
# something is missing, so a machine that has everything pays nothing.
#   scripts/ensure-packages.sh             everything in TEST_PACKAGES
#   scripts/ensure-packages.sh bind9 ...   only these
set -euo pipefail

TEST_PACKAGES=(
  postgresql          # the PostgreSQL server the tests start when none answers (scripts/ensure-postgres.sh)
  postgresql-contrib  # btree_gist, which the IPAM exclusion constraints need
  postgresql-client   # psql and pg_isready
  bind9               # named: private DNS servers that serve the generated zones (test/support/named.ts)
  bind9-utils         # named-checkzone: every generated zone file is checked
  bind9-dnsutils      # dig: queries the private named instances
  openssh-server      # sshd: private servers running the device simulator for the SSH agent (test/support/sshd.ts)
  openssh-client      # ssh-keygen (host keys of the private sshd), ssh (the SSH agent benchmark baseline)
  snmpd               # net-snmp's agent: private instances the SNMP agent polls (test/support/snmpd.ts)
  snmp                # snmpget (readiness probe) and snmpbulkwalk (the poll benchmark's baseline)
  iproute2            # ip netns / veth pairs for the real-interface SNMP test and benchmark
  chromium            # the web UI's end-to-end test drives Debian's Chromium with playwright-core (test/e2e/)
  fonts-wqy-microhei  # a CJK font, so that the Chinese pages render (and their screenshots show characters, not boxes)
)

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then wanted=("${TEST_PACKAGES[@]}"); fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg -s "$package" >/dev/null 2>&1; then missing+=("$package"); fi
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-packages: missing ${missing[*]}, and this is not a Debian-like system: install them yourself" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo -n); else
    echo "ensure-packages: missing ${missing[*]}; run as root (or with sudo) to install them" >&2
    exit 1
  fi
fi
echo "ensure-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${missing[@]}" >&2
