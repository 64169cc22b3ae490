#!/usr/bin/env bash
# Install libfaketime (Debian's faketime), which .ci/run uses to run tests a second time with
# the process's wall clock moved years ahead. Only when missing; non-interactive; needs root.
set -euo pipefail
if command -v faketime >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq faketime >/dev/null
