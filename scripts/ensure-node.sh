#!/usr/bin/env bash
# Makes sure Node.js >= 20 and npm are on PATH: Debian's nodejs first, and when that is older
# (bookworm ships 18), the `node` package from the npm registry, which brings the binary.
set -euo pipefail

required=20
major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(major)" -ge "$required" ] && command -v npm >/dev/null 2>&1; then exit 0; fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo -n); else
    echo "ensure-node: Node.js >= $required is needed (found: $(node --version 2>/dev/null || echo none)); run as root to install it" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-node: install Node.js >= $required and npm, then run make again" >&2
    exit 1
  fi
  echo "ensure-node: installing Debian's nodejs and npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq nodejs npm >&2
fi

if [ "$(major)" -lt "$required" ]; then
  echo "ensure-node: Node.js $(node --version) is older than $required; installing node@$required from the npm registry" >&2
  "${as_root[@]}" npm install -g "node@$required" >&2
  hash -r
fi

if [ "$(major)" -lt "$required" ]; then
  echo "ensure-node: still $(node --version) at $(command -v node); put $(npm prefix -g)/bin first on PATH" >&2
  exit 1
fi
echo "ensure-node: using Node.js $(node --version) at $(command -v node)" >&2
