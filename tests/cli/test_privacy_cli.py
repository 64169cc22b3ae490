"""``samenkracht person erase`` and ``samenkracht audit`` as real processes, on both databases."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.actions import onboarding
from storage.models import AuditEvent, Consent, Person
from support import INVITE_KEY, count, make_group_with_round, make_invite

SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))
TELEGRAM_ID = 4242424242
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def run(args: list[str], url: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [SAMENKRACHT, *args],
        cwd=cwd,
        env={**clean, "DATABASE_URL": url, "TIMEZONE": "Europe/Amsterdam"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def cli(args: list[str], url: str, cwd: Path, stdin: str = ""):
    return await asyncio.to_thread(run, args, url, cwd, stdin)


async def test_person_erase_asks_first_then_erases_and_audits(db, clock, tmp_path):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    async with db.write() as session:
        await onboarding.accept_invite(session, code, INVITE_KEY, TELEGRAM_ID, "nl", clock())
    erase = ["person", "erase", "--telegram-id", str(TELEGRAM_ID)]

    refused = await cli(erase, db.url, tmp_path, stdin="n\n")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    async with db.read() as session:
        assert await count(session, Person) == 1

    done = await cli(erase, db.url, tmp_path, stdin="y\n")
    assert done.returncode == 0, done.stderr
    assert "1 membership(s)" in done.stdout
    async with db.read() as session:
        assert await count(session, Person) == 0
        assert await count(session, Consent) == 0
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "person.erase"))
        ).scalar_one()
        assert event.details == {"erased": True, "memberships": 1}
        assert event.actor_person_id is None

    again = await cli([*erase, "--yes"], db.url, tmp_path)
    assert again.returncode == 2
    assert "nothing is stored" in again.stderr
    assert "Traceback" not in again.stderr

    before = datetime.now(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    audit = await cli(["audit", "--limit", "5"], db.url, tmp_path)
    after = datetime.now(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    assert audit.returncode == 0, audit.stderr
    lines = audit.stdout.splitlines()
    at, action, details = lines[0].split("  ")  # newest first, in local time
    assert before[:-3] <= at <= after and action == "person.erase"
    assert details == '{"erased": true, "memberships": 1}'
    assert any("round.open" in line for line in lines)
    assert str(TELEGRAM_ID) not in audit.stdout
    assert "Klankbordgroep" not in audit.stdout


async def test_privacy_retention_dry_run_then_delete(db, tmp_path):
    from datetime import UTC, timedelta

    from storage.models import Answer, Meeting, Submission, Summary, SummaryStatus
    from support import FakeClock

    long_ago = FakeClock(datetime.now(UTC) - timedelta(days=400))
    scenario = await make_group_with_round(db, long_ago)
    async with db.write() as session:
        person = Person(telegram_id=TELEGRAM_ID)
        meeting = Meeting(group_id=scenario.group_id, starts_at=long_ago())
        session.add_all([person, meeting])
        await session.flush()
        submission = Submission(round_id=scenario.round_id, person_id=person.id)
        session.add(submission)
        await session.flush()
        session.add_all(
            Answer(submission_id=submission.id, question_id=q, value="oud antwoord")
            for q in scenario.question_ids
        )
        session.add(
            Summary(
                meeting_id=meeting.id,
                round_id=scenario.round_id,
                status=SummaryStatus.PUBLISHED,
                published_at=long_ago(),
            )
        )

    dry = await cli(["privacy", "retention", "--dry-run"], db.url, tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert f"round {scenario.round_id}: 3 answer(s)" in dry.stdout
    assert "Would delete 3 answer(s) of 1 round(s) (dry run)." in dry.stdout
    assert "oud antwoord" not in dry.stdout
    async with db.read() as session:
        assert await count(session, Answer) == 3

    done = await cli(["privacy", "retention"], db.url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Deleted 3 answer(s) and 0 quote(s) of 1 round(s)." in done.stdout
    async with db.read() as session:
        assert await count(session, Answer) == 0
        assert await count(session, Summary) == 1

    again = await cli(["privacy", "retention"], db.url, tmp_path)
    assert "Deleted 0 answer(s) and 0 quote(s) of 0 round(s)." in again.stdout
