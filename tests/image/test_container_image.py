"""The container image: built with podman from a local Debian base, its entry point run.

No container registry is reachable and this machine cannot run containers, so the test

1. makes a base image with ``mmdebstrap`` from Debian's packages (bookworm: Python 3.11,
   plus the runtime libraries, so the build needs no registry), imports it into podman;
2. builds the wheels on the host from requirements.lock and the image with
   ``podman build --isolation=chroot`` on that base (``deploy/build-image.sh``);
3. exports the image's root file system and runs its entry point there under ``chroot``,
   as the image's user, with the image's environment: migrations, then the playground;
   then asks for the playground page, ``/healthz`` and ``/metrics`` over HTTP.

It needs root, podman, mmdebstrap and chroot (``.ci/image-deps.sh``); without them it skips
with the reason, unless SAMENKRACHT_REQUIRE_IMAGE is set (CI), where it fails. The base is
cached in podman's storage between runs (``SAMENKRACHT_IMAGE_REBUILD_BASE=1`` remakes it).
It prints how long each step took.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import free_port

pytestmark = [pytest.mark.image, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
BASE = "localhost/samenkracht-base:bookworm"
TAG = "localhost/samenkracht-bot:test"
BASE_PACKAGES = (
    "python3,python3-venv,ca-certificates,postgresql-client-15,"
    "libpango-1.0-0,libpangoft2-1.0-0,fonts-dejavu-core"
)
PODMAN_ENV = {"STORAGE_DRIVER": "vfs", "BUILDAH_ISOLATION": "chroot"}


def _require() -> None:
    missing = [t for t in ("podman", "mmdebstrap", "chroot") if shutil.which(t) is None]
    reason = None
    if missing:
        reason = f"{', '.join(missing)} not installed (bash .ci/image-deps.sh)"
    elif os.geteuid() != 0:
        reason = "the image test needs root (chroot, podman's vfs storage)"
    if reason is None:
        return
    if os.environ.get("SAMENKRACHT_REQUIRE_IMAGE"):
        pytest.fail("SAMENKRACHT_REQUIRE_IMAGE is set but " + reason)
    pytest.skip(reason)


def _run(command: list[str], step: str, timings: dict[str, float], **kwargs) -> str:
    started = time.monotonic()
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **PODMAN_ENV},
        check=False,
        **kwargs,
    )
    timings[step] = timings.get(step, 0.0) + time.monotonic() - started
    assert result.returncode == 0, (
        f"{step} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def _podman(*args: str) -> list[str]:
    return ["podman", "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", *args]


def _has_image(name: str) -> bool:
    return (
        subprocess.run(
            _podman("image", "exists", name), capture_output=True, check=False
        ).returncode
        == 0
    )


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    _require()
    timings: dict[str, float] = {}
    work = tmp_path_factory.mktemp("image")
    if os.environ.get("SAMENKRACHT_IMAGE_REBUILD_BASE") or not _has_image(BASE):
        base_tar = work / "base.tar"
        _run(
            [
                "mmdebstrap",
                "--variant=minbase",
                f"--include={BASE_PACKAGES}",
                '--aptopt=Acquire::Languages "none"',
                "--dpkgopt=path-exclude=/usr/share/doc/*",
                "--dpkgopt=path-exclude=/usr/share/man/*",
                "--dpkgopt=path-exclude=/usr/share/locale/*",
                "bookworm",
                str(base_tar),
            ],
            "mmdebstrap base",
            timings,
            timeout=900,
        )
        _run(_podman("import", str(base_tar), BASE), "podman import base", timings, timeout=300)
        base_tar.unlink()
    _run(
        ["bash", "deploy/build-image.sh", "--wheels-only"],
        "wheels on the host",
        timings,
        cwd=ROOT,
        timeout=600,
    )
    _run(
        _podman(
            "build",
            "--isolation=chroot",
            "--format=docker",  # HEALTHCHECK is not part of the OCI image format
            "--layers=false",  # no intermediate images left behind (hundreds of MB each)
            "--build-arg",
            f"BASE_IMAGE={BASE}",
            "--file",
            "Containerfile",
            "--tag",
            TAG,
            ".",
        ),
        "podman build",
        timings,
        cwd=ROOT,
        timeout=900,
    )
    inspected = json.loads(_run(_podman("image", "inspect", TAG), "inspect", timings))[0]
    config = {**inspected["Config"], "Healthcheck": inspected.get("Healthcheck")}
    container = _run(_podman("create", TAG), "export", timings).strip()
    tar_path = work / "rootfs.tar"
    try:
        _run(_podman("export", "--output", str(tar_path), container), "export", timings)
    finally:
        subprocess.run(_podman("rm", container), capture_output=True, check=False)
    root = work / "rootfs"
    root.mkdir()
    started = time.monotonic()
    with tarfile.open(tar_path) as archive:
        archive.extractall(root, filter="fully_trusted")
    tar_path.unlink()
    timings["export"] += time.monotonic() - started
    print("\nimage steps (seconds):", json.dumps({k: round(v, 1) for k, v in timings.items()}))
    yield root, config
    shutil.rmtree(work, ignore_errors=True)  # a few hundred MB
    subprocess.run(_podman("rmi", TAG), capture_output=True, check=False)


def test_image_is_built_as_the_issue_asks(rootfs: tuple[Path, dict[str, Any]]):
    root, config = rootfs
    assert config["User"] == "samenkracht"
    assert config["Entrypoint"] == ["/usr/local/bin/samenkracht-entrypoint"]
    assert "/data" in config["Volumes"]
    assert config["Healthcheck"]["Test"][-3:] == ["python", "-m", "bot.ops.probe"]
    assert (root / "opt/samenkracht/bin/samenkracht").exists()
    # Only the runtime: no pip, no compiler, no tests, no build wheels in the final image.
    assert not (root / "wheels").exists()
    assert not list((root / "opt/samenkracht").rglob("pip/__init__.py"))
    assert not list((root / "opt/samenkracht").rglob("pytest"))
    assert shutil.which("gcc", path=str(root / "usr/bin")) is None


@contextlib.contextmanager
def _devices(root: Path) -> Iterator[None]:
    """The few device nodes Python and SQLite use (an exported file system has none)."""
    made = []
    for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("random", 1, 8), ("urandom", 1, 9)):
        node = root / "dev" / name
        if not node.exists():
            os.mknod(node, 0o666 | 0o020000, os.makedev(major, minor))
            made.append(node)
    try:
        yield
    finally:
        for node in made:
            node.unlink()


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except OSError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url}: {error}") from None
            time.sleep(0.5)


def test_entry_point_migrates_and_serves_the_playground_and_healthz(
    rootfs: tuple[Path, dict[str, Any]], tmp_path: Path
):
    root, config = rootfs
    environment = dict(item.split("=", 1) for item in config["Env"])
    page_port, health_port = free_port(), free_port()
    environment |= {
        "PLAYGROUND_HOST": "127.0.0.1",
        "PLAYGROUND_PORT": str(page_port),
        "HEALTH_LISTEN": f"127.0.0.1:{health_port}",
        "HOME": "/data",
        "LOG_FORMAT": "json",
    }
    log = tmp_path / "entrypoint.log"
    user = config["User"]
    started = time.monotonic()
    with _devices(root), log.open("wb") as output:
        process = subprocess.Popen(
            [
                "chroot",
                f"--userspec={user}:{user}",
                str(root),
                "/bin/sh",
                "-c",
                f"cd {config['WorkingDir']} && exec {' '.join(config['Entrypoint'])} run",
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status, page = _wait_for(f"http://127.0.0.1:{page_port}/", process)
            ready = time.monotonic() - started
            assert status == 200 and "Samenkracht" in page
            status, health = _wait_for(f"http://127.0.0.1:{health_port}/healthz", process)
            assert status == 200, health
            assert json.loads(health)["ok"] is True
            status, scrape = _wait_for(f"http://127.0.0.1:{health_port}/metrics", process)
            assert "samenkracht_database_up 1.0" in scrape
            # Stop it only once it is fully up (its stop signals are in place by then).
            deadline = time.monotonic() + 60
            while "in your browser" not in log.read_text(errors="replace"):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    text = log.read_text(errors="replace")
    print(f"\nentry point to the playground page: {ready:.1f} s")
    assert process.returncode == 0, text[-3000:]
    assert (root / "data/samenkracht.sqlite3").exists(), "migrated in the volume"
    assert "Traceback" not in text
