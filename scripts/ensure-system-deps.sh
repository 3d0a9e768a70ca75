#!/usr/bin/env bash
# Installs the system packages the tests use (a real PostgreSQL server,
# Debian's Chromium, and promtool from Debian's prometheus package for the
# alert-rule tests) when they are missing. Runs before `npm test` and in CI,
# so a fresh Debian machine with only Node and npm can run the suite.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "zoom-connect: installing system packages for the tests: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=sudo; else
    echo "zoom-connect: need root (or sudo) to run: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  sudo=
fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
