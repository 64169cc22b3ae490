"""The process's counters count what happened: updates, answers, 429s and retried faults.

Through the real bot over real HTTP, with faults the local Bot API server injects.
"""

from __future__ import annotations

from bot.ops.metrics import REGISTRY
from support import make_group_with_round, make_invite


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_counters_follow_updates_answers_and_faults(db, clock, member, driver):
    scenario = await make_group_with_round(db, clock)
    before = {
        "updates": value("samenkracht_updates_handled_total"),
        "answers": value("samenkracht_answers_stored_total"),
        "429": value("samenkracht_bot_api_retries_total", reason="429"),
        "network": value("samenkracht_bot_api_retries_total", reason="network"),
    }
    await member.join(await make_invite(db, clock, scenario.group_id))
    await driver.inject_fault("sendMessage", kind="retry_after", retry_after=1, count=2)
    await member.say("Een antwoord ondanks 429")
    await member.reply("Vraag 2 van 3", timeout=20)
    await driver.inject_fault("sendMessage", kind="status", status=502, count=1)
    await member.say("Een antwoord ondanks 502")
    await member.reply("Vraag 3 van 3", timeout=20)

    assert value("samenkracht_updates_handled_total") - before["updates"] >= 5
    assert value("samenkracht_answers_stored_total") - before["answers"] == 2
    assert value("samenkracht_bot_api_retries_total", reason="429") - before["429"] == 2
    assert value("samenkracht_bot_api_retries_total", reason="network") - before["network"] == 1
