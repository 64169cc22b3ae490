#!/usr/bin/env bash
# Build Samenkracht-bot's container image: wheels on the host from requirements.lock (the
# only step that needs PyPI), then `podman build` (or docker build) installing them with
# --no-index. Options: --base IMAGE (default: the official python:3.11-slim), --tag NAME,
# --isolation chroot (podman, where the machine cannot run containers), --wheels-only.
set -euo pipefail
cd "$(dirname "$0")/.."

base=""
tag="localhost/samenkracht-bot:latest"
isolation=""
wheels_only=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --base) base="$2"; shift 2 ;;
        --tag) tag="$2"; shift 2 ;;
        --isolation) isolation="$2"; shift 2 ;;
        --wheels-only) wheels_only=1; shift ;;
        *) echo "build-image.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

python="${PYTHON:-python3.11}"
[[ -x .venv/bin/python ]] && python=.venv/bin/python
rm -rf build/wheels
mkdir -p build/wheels
# The project and its runtime dependencies (not [dev]), at the versions the lock pins.
"$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir build/wheels \
    --constraint requirements.lock .
[[ -n "$wheels_only" ]] && exit 0

engine="$(command -v podman || command -v docker)"
args=(build --file Containerfile --tag "$tag")
[[ -n "$base" ]] && args+=(--build-arg "BASE_IMAGE=$base")
[[ -n "$isolation" ]] && args+=(--isolation "$isolation")
# HEALTHCHECK is not part of the OCI image format: podman needs the docker format for it.
[[ "$engine" == *podman ]] && args+=(--format docker)
"$engine" "${args[@]}" .
