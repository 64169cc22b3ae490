#!/usr/bin/env bash
# Install the system libraries WeasyPrint needs to print the summary to PDF (pango, fonts),
# only when they are missing. Non-interactive and quiet; needs root (or sudo).
set -euo pipefail

if ldconfig -p | grep -q 'libpango-1.0.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0' \
    && fc-list 2>/dev/null | grep -qi 'dejavu'; then
    exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig >/dev/null
