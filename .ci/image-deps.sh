#!/usr/bin/env bash
# Install what the container image test needs, only when missing: podman (builds with
# --isolation=chroot, vfs storage: no container runtime or cgroups needed), mmdebstrap (a
# Debian bookworm base image from Debian's packages, since no container registry is
# reachable) and uidmap. Non-interactive and quiet; needs root (or sudo).
set -euo pipefail

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
wanted=()
command -v podman >/dev/null 2>&1 || wanted+=(podman)
command -v mmdebstrap >/dev/null 2>&1 || wanted+=(mmdebstrap)
command -v newuidmap >/dev/null 2>&1 || wanted+=(uidmap)
if [[ ${#wanted[@]} -gt 0 ]]; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${wanted[@]}" >/dev/null
fi
