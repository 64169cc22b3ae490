"""Shared pieces: results, percentiles, databases, bot processes."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import text

from bot.actions import groups as group_actions
from bot.actions import onboarding
from bot.domain.questionsets import QuestionDraft
from storage import crypto
from storage.engine import Database
from storage.migrate import upgrade

Size = Literal["tiny", "full"]
BENCH_KEY = b"benchmark-invite-key-0123456789ab"
PYTHON = sys.executable
SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))
POSTGRES_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test_bench"
# Alembic keeps its migration context in module globals: one upgrade at a time per process.
_MIGRATING = threading.Lock()


@dataclass
class Row:
    """One line of the table: a measured figure, its baseline and their ratio."""

    benchmark: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "target": self.target,
        }


@dataclass
class Report:
    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        metric: str,
        value: float,
        unit: str,
        baseline: float | None = None,
        target: str = "",
    ) -> None:
        self.rows.append(Row(self.name, metric, value, unit, baseline, target))


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (fraction in 0..1)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def use_encryption_key() -> None:
    """Encrypt with SAMENKRACHT_ENCRYPTION_KEY, or a throw-away key the children inherit."""
    key = os.environ.get(crypto.ENVIRONMENT_VARIABLE) or crypto.generate_key_entry("bench1")
    os.environ[crypto.ENVIRONMENT_VARIABLE] = key
    crypto.use_keyring(crypto.Keyring.parse(key))


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: ours minus bot settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.setdefault("PTB_TIMEDELTA", "1")
    env["LOG_LEVEL"] = "WARNING"
    env.update(extra)
    return env


async def fresh_database(kind: str, workdir: Path, postgres_url: str) -> str:
    """Return the URL of an empty, migrated database of ``kind`` (sqlite or postgresql)."""
    if kind == "sqlite":
        path = workdir / "bench.sqlite3"
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = postgres_url
        db = Database(url)
        try:
            async with db.engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await db.dispose()
    await asyncio.to_thread(_upgrade, url)
    return url


def _upgrade(url: str) -> None:
    with _MIGRATING:
        upgrade(url)


@dataclass(frozen=True)
class Round:
    group_id: int
    round_id: int
    question_ids: list[int]


async def make_round(db: Database, questions: list[str], now: datetime) -> Round:
    """A group, a question set of open-text ``questions`` and an open round."""
    async with db.write() as session:
        group = await group_actions.create_group(
            session, "Klankbordgroep benchmark", "benchmark", "bench@example.org"
        )
        question_set = await group_actions.create_question_set(
            session,
            f"bench-{group.id}",
            "Benchmarkvragen",
            "",
            [
                QuestionDraft(f"q{i}", q, min_length=1, max_length=4000)
                for i, q in enumerate(questions)
            ],
        )
        round_ = await group_actions.open_round(
            session, group.id, question_set.id, now + timedelta(days=365), now
        )
        return Round(group.id, round_.id, [q.id for q in question_set.questions])


async def join_members(db: Database, group_id: int, user_ids: list[int], now: datetime) -> None:
    """Members who used an invite and gave consent (as the crash test prepares them)."""
    from storage.models import Role

    for user_id in user_ids:
        async with db.write() as session:
            invite = await group_actions.create_invite(
                session, group_id, Role.ERVARINGSDESKUNDIGE, timedelta(days=7), BENCH_KEY, now
            )
        async with db.write() as session:
            await onboarding.accept_invite(session, invite.code, BENCH_KEY, user_id, "nl", now)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Usage:
    """What a child process used so far: CPU seconds and peak resident memory (MiB)."""

    cpu_seconds: float
    peak_rss_mib: float


def process_usage(pid: int) -> Usage | None:
    """Read a running child's CPU time and peak RSS from /proc (None where there is no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    peak = next(
        (int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")),
        0.0,
    )
    return Usage(cpu, peak)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    """SIGTERM a child and wait (kill after 10 s)."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
