"""No secret and nothing a member wrote ever reaches the logs, even at DEBUG for every logger.

A real ``samenkracht run`` process (real mode: a token, the local Bot API server as Telegram)
logs at DEBUG, the chatty libraries too (python-telegram-bot, httpx, httpcore, SQLAlchemy,
aiosqlite), into a file. A member with a recognisable Telegram name joins, consents, answers
every question and sets a pseudonym. The whole log is then searched for the bot token, the
encryption key, the invite secret, every answer, the pseudonym and the member's name.
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import uuid
from pathlib import Path

import pytest

from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from support import (
    ENCRYPTION_KEY,
    INVITE_KEY,
    SAMENKRACHT,
    Member,
    bot_process_env,
    migrated_round_with_invite,
)

TOKEN = "7770002:log-capture-token-under-test"


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_debug_logs_of_a_whole_run_hold_no_secret_and_nothing_a_member_wrote(
    tmp_path: Path, log_format: str
) -> None:
    marker = uuid.uuid4().hex[:10]
    answers = [
        f"Antwoord een {marker} over het wijkteam",
        f"Antwoord twee {marker} <b>meer</b> tijd",
        f"Antwoord drie {marker}'); DROP TABLE answers;--",
    ]
    pseudonym = f"Zonnebloem{marker}"
    telegram_name = f"Henrieke{marker}"

    url = f"sqlite+aiosqlite:///{tmp_path / 'samenkracht.sqlite3'}"
    _, code = await migrated_round_with_invite(url)

    server = BotApiServer()
    server.add_bot(TOKEN, username="logs_test_bot", first_name="Logs")
    api_url = await server.start()
    env = bot_process_env(
        TOKEN,
        api_url,
        url,
        SAMENKRACHT_ENCRYPTION_KEY=ENCRYPTION_KEY,
        LOG_LEVEL="DEBUG",
        SAMENKRACHT_LIBRARY_LOG_LEVEL="DEBUG",
        LOG_FORMAT=log_format,
    )
    log_path = tmp_path / "bot.log"
    try:
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                SAMENKRACHT, "run", cwd=tmp_path, env=env, stdout=log, stderr=log
            )
            try:
                async with DriverClient(api_url) as driver:
                    member = Member(driver, user_id=850001)
                    await driver.send_text(
                        member.user_id, f"/start {code}", first_name=telegram_name
                    )
                    consent = await member.reply("Voordat je begint", timeout=30)
                    await member.press(consent, "Ja, ik doe mee")
                    await member.press(await member.reply("Is dit een goed moment?"), "Ja, start")
                    await member.reply("Vraag 1 van 3")
                    for number, answer in enumerate(answers, start=2):
                        await member.say(answer)
                        if number <= len(answers):
                            await member.reply(f"Vraag {number} van 3")
                    await member.say(f"/schuilnaam {pseudonym}")
                    await member.reply("Je schuilnaam is nu")
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=20)
        assert process.returncode == 0, log_path.read_text()[-3000:]
    finally:
        await server.stop()

    text = log_path.read_text(encoding="utf-8", errors="replace")
    if log_format == "json":  # one JSON object per line, nothing else
        records = [json.loads(line) for line in text.splitlines()]
        assert all(
            set(r) <= {"timestamp", "level", "logger", "message", "exc_info"} for r in records
        )
        seen = {f"{r['level']} {r['logger']}" for r in records}
    else:
        seen = set(text.splitlines())
    # The capture is real: every chatty library logged at DEBUG.
    for logger_name in ("DEBUG telegram.", "DEBUG httpcore", "httpx", "sqlalchemy.engine"):
        assert any(logger_name in line for line in seen), f"no {logger_name} lines captured"
    assert "Calling Bot API endpoint `sendMessage`" in text

    _, _, key = ENCRYPTION_KEY.partition(":")
    forbidden = {
        "bot token": TOKEN,
        "token secret": TOKEN.split(":")[1],
        "encryption key": key,
        "raw encryption key": base64.b64decode(key).decode("latin-1"),
        "invite secret": INVITE_KEY.decode(),
        "invite code": code,
        "pseudonym": pseudonym,
        "Telegram name": telegram_name,
        **{f"answer {i}": answer for i, answer in enumerate(answers, start=1)},
        "answer marker": marker,
    }
    leaks = {what: value for what, value in forbidden.items() if value in text}
    assert not leaks, f"found in the log: {sorted(leaks)}"
