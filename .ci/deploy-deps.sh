#!/usr/bin/env bash
# Install the tools that check the installation files, only when missing. Non-interactive
# and quiet; needs root (or sudo). All from Debian's packages:
# - docker-compose (1.29, Python): `docker-compose config` validates compose.yaml against the
#   compose schema it ships (no engine needed);
# - systemd: `systemd-analyze verify` checks the units in deploy/systemd/ (no PID 1 needed);
# - caddy: `caddy adapt` parses deploy/Caddyfile;
# - postgresql-client: pg_dump, pg_restore and psql for the backup/restore tests.
set -euo pipefail

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
wanted=()
command -v docker-compose >/dev/null 2>&1 || wanted+=(docker-compose)
command -v systemd-analyze >/dev/null 2>&1 || wanted+=(systemd)
command -v caddy >/dev/null 2>&1 || wanted+=(caddy)
{ command -v pg_dump && command -v pg_restore && command -v psql; } >/dev/null 2>&1 \
    || wanted+=(postgresql-client)
if [[ ${#wanted[@]} -gt 0 ]]; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
fi
