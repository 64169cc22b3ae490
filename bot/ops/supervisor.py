"""``samenkracht run --webhook --workers N``: N bot processes behind one port.

Each worker is a full ``samenkracht run --webhook`` process that binds the same address with
``SO_REUSEPORT``, so the kernel spreads Telegram's connections over them; they share nothing
but the database. The supervisor restarts a worker that dies and passes SIGINT/SIGTERM on,
so the workers finish the update in hand and exit.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

logger = logging.getLogger(__name__)

STOP_WAIT = 15.0  # seconds a worker gets to exit after SIGTERM before it is killed
QUICK_DEATH = 5.0  # a worker that dies sooner than this after starting counts as a crash
MAX_QUICK_DEATHS = 5  # in a row: something is wrong with the set-up, not the moment


class Supervisor:
    """Start, watch and stop the worker processes."""

    def __init__(
        self, command: list[str], workers: int, environment: dict[str, str] | None = None
    ) -> None:
        self.command = command
        self.workers = workers
        self.environment = environment or {}
        self.children: list[subprocess.Popen[bytes] | None] = [None] * workers
        self.started: list[float] = [0.0] * workers
        self.quick_deaths = 0
        self.stopping = False

    def run(self) -> int:
        """Run until a stop signal; return the exit code."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for index in range(self.workers):
                self._start(index)
            while not self.stopping:
                if not self._watch():
                    self.stop()
                    return 1
                time.sleep(0.2)
            self.stop()
            return 0
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self) -> None:
        """SIGTERM every worker, wait, then kill what is left."""
        alive = [child for child in self.children if child and child.poll() is None]
        for child in alive:
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for child in alive:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("Worker %s did not stop in time; killing it", child.pid)
                child.kill()
                child.wait()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _start(self, index: int) -> None:
        env = {**os.environ, **self.environment, "SAMENKRACHT_WORKER": str(index + 1)}
        self.children[index] = subprocess.Popen(self.command, env=env)  # noqa: S603
        self.started[index] = time.monotonic()
        logger.info("Worker %d started (pid %d)", index + 1, self.children[index].pid)  # type: ignore[union-attr]

    def _watch(self) -> bool:
        """Restart workers that died; False when they keep dying at once."""
        for index, child in enumerate(self.children):
            if child is None or child.poll() is None or self.stopping:
                continue
            lived = time.monotonic() - self.started[index]
            logger.error("Worker %d exited with %s; starting it again", index + 1, child.returncode)
            self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH else 0
            if self.quick_deaths >= MAX_QUICK_DEATHS:
                logger.error("Workers keep exiting right after start; giving up")
                return False
            time.sleep(min(5.0, 0.5 * 2**self.quick_deaths))
            self._start(index)
        return True


def worker_command(url: str, listen: str) -> list[str]:
    """The command line of one worker process."""
    return [
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook",
        "--url",
        url,
        "--listen",
        listen,
        "--workers",
        "1",
    ]
