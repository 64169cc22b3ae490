"""/healthz, /metrics and security.txt over real HTTP: in a polling process, the health server
and the webhook server; no personal data in metric labels; a scrape while the database is down.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.actions import answering, onboarding
from bot.chat.webhook import WebhookServer, listening_socket
from bot.ops import metrics, securitytxt
from bot.ops.healthserver import HealthServer
from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from bot.settings import load_settings
from storage.engine import Database
from support import (
    INVITE_KEY,
    SAMENKRACHT,
    FakeClock,
    Member,
    bot_process_env,
    free_port,
    make_group_with_round,
    make_invite,
    migrated_round_with_invite,
)

TOKEN = "7770003:metrics-token-under-test"
ALLOWED_LABEL_VALUES = {"429", "network", "ok", "refused"}


def _families(body: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


async def _get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def _serve(settings, clock) -> tuple[HealthServer, str]:
    server = HealthServer(settings, clock)
    await server.start(sock=listening_socket("127.0.0.1", 0))
    return server, f"http://127.0.0.1:{server.port}"


async def test_health_server_answers_metrics_without_personal_data(
    db: Database, database_url: str, clock: FakeClock, tmp_path: Path
):
    scenario = await make_group_with_round(db, clock)
    telegram_ids = [6_120_000_001 + n for n in range(3)]
    texts = []
    for telegram_id in telegram_ids:
        code = await make_invite(db, clock, scenario.group_id)
        async with db.write() as session:
            await onboarding.accept_invite(session, code, INVITE_KEY, telegram_id, "nl", clock())
        async with db.write() as session:
            await answering.start(session, telegram_id, scenario.round_id, clock())
        text = f"Mijn verhaal {telegram_id} over Bussum"
        async with db.write() as session:
            await answering.answer_text(session, telegram_id, text, None, clock())
        texts.append(text)
    metrics.SEND_RETRIES.labels(reason="429").inc()
    settings = load_settings(
        database_url=database_url,
        health_listen="127.0.0.1:1",
        security_contact="mailto:security@regio.example",
        security_expires="2099-12-31",
        data_dir=tmp_path,
    )
    server, base = await _serve(settings, clock)
    try:
        status, _, body = await _get(f"{base}/healthz")
        assert status == 200 and json.loads(body)["ok"] is True
        assert json.loads(body)["members"] == 3
        status, content_type, scrape = await _get(f"{base}/metrics")
        status_txt, _, security = await _get(f"{base}{securitytxt.PATH}")
    finally:
        await server.stop()
    assert status == 200 and content_type.startswith("text/plain")
    found = _families(scrape)
    assert found["samenkracht_database_up"] == [({}, 1.0)]
    assert found["samenkracht_schema_current"] == [({}, 1.0)]
    assert found["samenkracht_members"] == [({}, 3.0)]
    assert found["samenkracht_open_rounds"] == [({}, 1.0)]
    for name in (
        "samenkracht_outbox_due",
        "samenkracht_outbox_ambiguous_now",
        "samenkracht_outbox_lag_seconds",
        "samenkracht_updates_handled_total",
        "samenkracht_answers_stored_total",
        "samenkracht_outbox_sent_total",
        "samenkracht_database_errors_total",
    ):
        assert name in found, name
    retries = dict(
        (labels["reason"], value) for labels, value in found["samenkracht_bot_api_retries_total"]
    )
    assert retries["429"] >= 1 and "network" in retries
    assert {labels["result"] for labels, _ in found["samenkracht_console_sign_ins_total"]} == {
        "ok",
        "refused",
    }
    # No personal data or ids in labels: only the fixed words, and no id or text anywhere.
    label_values = {
        v for samples in found.values() for labels, _ in samples for v in labels.values()
    }
    assert label_values <= ALLOWED_LABEL_VALUES, label_values
    for needle in [*map(str, telegram_ids), *texts, "Bussum"]:
        assert needle not in scrape
    assert status_txt == 200
    assert "Contact: mailto:security@regio.example\n" in security
    assert "Expires: 2099-12-31T23:59:59Z\n" in security


async def test_a_scrape_while_the_database_is_down_answers_and_says_so(
    clock: FakeClock, tmp_path: Path
):
    # Nothing listens on this port: the database is down (the real driver, a real refusal).
    down = f"postgresql+asyncpg://samenkracht@127.0.0.1:{free_port()}/samenkracht"
    settings = load_settings(database_url=down, health_listen="127.0.0.1:1", data_dir=tmp_path)
    server, base = await _serve(settings, clock)
    try:
        status, _, scrape = await _get(f"{base}/metrics")
        health_status, _, health = await _get(f"{base}/healthz")
        missing, _, _ = await _get(f"{base}{securitytxt.PATH}")
    finally:
        await server.stop()
    assert status == 200
    found = _families(scrape)
    assert found["samenkracht_database_up"] == [({}, 0.0)]
    assert "samenkracht_members" not in found and "samenkracht_outbox_due" not in found
    assert "samenkracht_updates_handled_total" in found
    assert health_status == 503 and json.loads(health)["database"].startswith("unreachable")
    assert missing == 404, "no contact configured: no security.txt"


async def test_webhook_server_serves_metrics_and_security_txt(
    db: Database, clock: FakeClock, tmp_path: Path
):
    settings = load_settings(
        database_url=db.url,
        security_contact="https://regio.example/melden",
        security_expires="2099-01-01T00:00:00+00:00",
        data_dir=tmp_path,
    )
    server = WebhookServer(
        None,
        db,
        clock,
        path="/telegram",
        secret="s" * 20,
        replay_after=_seconds(30),
        sweep=False,
        settings=settings,
    )
    await server.start(listening_socket("127.0.0.1", 0))
    base = f"http://127.0.0.1:{server.port}"
    try:
        status, _, scrape = await _get(f"{base}/metrics")
        security_status, _, security = await _get(f"{base}{securitytxt.PATH}")
        health_status, _, _ = await _get(f"{base}/healthz")
    finally:
        await server.stop()
    assert status == 200 and "samenkracht_database_up 1.0" in scrape
    assert security_status == 200 and "Contact: https://regio.example/melden" in security
    assert health_status == 200


def _seconds(n: float):
    from datetime import timedelta

    return timedelta(seconds=n)


def test_security_txt_expiry_is_judged_by_the_given_clock():
    settings = load_settings(security_contact="mailto:a@b.example", security_expires="2030-06-30")
    before = datetime(2030, 6, 30, 12, 0, tzinfo=UTC)
    after = datetime(2030, 7, 1, 0, 0, 1, tzinfo=UTC)
    assert securitytxt.expiry_problem(settings, before) is None
    assert "is in the past" in (securitytxt.expiry_problem(settings, after) or "")
    unset = load_settings(security_contact="mailto:a@b.example")
    assert "SECURITY_EXPIRES is not set" in (securitytxt.expiry_problem(unset, before) or "")
    assert securitytxt.expiry_problem(load_settings(), after) is None


def test_a_polling_process_serves_healthz_and_warns_of_an_expired_security_txt(tmp_path: Path):
    asyncio.run(_polling_process(tmp_path))


async def _polling_process(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'samenkracht.sqlite3'}"
    _, code = await migrated_round_with_invite(url)
    api = BotApiServer()
    api.add_bot(TOKEN, username="metrics_test_bot", first_name="Metrics")
    api_url = await api.start()
    port = free_port()
    env = bot_process_env(
        TOKEN,
        api_url,
        url,
        HEALTH_LISTEN=f"127.0.0.1:{port}",
        SECURITY_CONTACT="mailto:security@regio.example",
        SECURITY_EXPIRES="2020-01-31",  # always in the past
        LOG_FORMAT="json",
    )
    process = await asyncio.create_subprocess_exec(
        SAMENKRACHT,
        "run",
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with DriverClient(api_url) as driver:
            member = Member(driver, user_id=860001)
            await member.join(code, timeout=30)
        status, _, body = await _get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and json.loads(body)["ok"] is True
        status, _, scrape = await _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        handled = _families(scrape)["samenkracht_updates_handled_total"][0][1]
        assert handled >= 3  # /start, consent, "Ja, start"
        status, _, security = await _get(f"http://127.0.0.1:{port}{securitytxt.PATH}")
        assert status == 200 and "Expires: 2020-01-31T23:59:59Z" in security
    finally:
        process.send_signal(signal.SIGTERM)
        _, raw = await asyncio.wait_for(process.communicate(), timeout=20)
        await api.stop()
    assert process.returncode == 0, raw.decode()[-2000:]
    lines = [json.loads(line) for line in raw.decode().splitlines()]
    warnings = [r["message"] for r in lines if r["level"] == "WARNING"]
    assert any("SECURITY_EXPIRES (2020-01-31) is in the past" in m for m in warnings), warnings


@pytest.mark.parametrize("value", ["xml", "XML"])
def test_an_unknown_log_format_is_refused_in_one_line(tmp_path: Path, value: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    result = subprocess.run(
        [SAMENKRACHT, "status"],
        cwd=tmp_path,
        env={**env, "LOG_FORMAT": value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert (
        result.stderr == "samenkracht: Setting error: LOG_FORMAT Input should be 'text' or 'json'\n"
    )
