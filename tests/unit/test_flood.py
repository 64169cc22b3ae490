"""Flood control and recognising the bot's sent messages: pure, no I/O."""

from __future__ import annotations

import pytest

from bot.chat.chatlog import sent_messages
from bot.domain.flood import FloodGate, Verdict


def test_up_to_the_limit_passes_then_one_warning_then_drops() -> None:
    gate = FloodGate(limit=30, window=10.0)
    verdicts = [gate.check(1, 100.0 + n * 0.01) for n in range(100)]
    assert verdicts[:30] == [Verdict.ALLOW] * 30
    assert verdicts[30] is Verdict.WARN
    assert set(verdicts[31:]) == {Verdict.DROP}


def test_other_users_are_not_slowed() -> None:
    gate = FloodGate(limit=3, window=10.0)
    for _ in range(10):
        gate.check(1, 0.0)
    assert gate.check(2, 0.0) is Verdict.ALLOW


def test_after_the_window_the_user_is_heard_again() -> None:
    gate = FloodGate(limit=3, window=10.0)
    assert [gate.check(1, 0.0) for _ in range(4)][-1] is Verdict.WARN
    assert gate.check(1, 9.9) is Verdict.DROP
    assert gate.check(1, 10.0) is Verdict.ALLOW


def test_a_steady_pace_is_never_slowed() -> None:
    gate = FloodGate(limit=30, window=10.0)
    assert {gate.check(1, n * 0.5) for n in range(1000)} == {Verdict.ALLOW}


def test_idle_users_are_forgotten() -> None:
    gate = FloodGate(limit=3, window=1.0)
    for user in range(2000):
        gate.check(user, float(user))
    assert len(gate._recent) < 1100


PRIVATE = {"message_id": 7, "chat": {"id": 42, "type": "private"}}
GROUP = {"message_id": 8, "chat": {"id": -5, "type": "group"}}


@pytest.mark.parametrize(
    ("endpoint", "result", "found"),
    [
        ("sendMessage", PRIVATE, [(42, 7)]),
        ("sendDocument", PRIVATE, [(42, 7)]),
        ("sendMediaGroup", [PRIVATE, {**PRIVATE, "message_id": 9}], [(42, 7), (42, 9)]),
        ("sendMessage", GROUP, []),
        ("sendChatAction", True, []),
        ("editMessageText", PRIVATE, []),
        ("deleteMessages", True, []),
        ("sendMessage", {"chat": {"id": 42, "type": "private"}}, []),
    ],
)
def test_sent_messages(endpoint: str, result: object, found: list[tuple[int, int]]) -> None:
    assert sent_messages(endpoint, result) == found


class _Sent:
    def __init__(self, chat_id: int, message_id: int, kind: str) -> None:
        self.chat_id, self.message_id = chat_id, message_id
        self.chat = type("Chat", (), {"type": kind})()


class _StubBot:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def send_message(self, chat_id: int, **_: object) -> _Sent:
        return _Sent(chat_id, 99, self.kind)


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def bot_sent(self, chat_id: int, message_id: int) -> None:
        self.seen.append((chat_id, message_id))


@pytest.mark.parametrize(("kind", "seen"), [("private", [(42, 99)]), ("group", [])])
async def test_scheduled_messages_are_recorded_for_snel_weg(kind: str, seen: list) -> None:
    """Reminders go through the outbox's own bot; their ids are recorded all the same."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.chat.delivery import TelegramSender
    from storage.repositories.outbox import ClaimedMessage

    now = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
    sender = TelegramSender(_StubBot(kind), ZoneInfo("Europe/Amsterdam"), lambda: now)  # type: ignore[arg-type]
    recorder = _Recorder()
    sender.recorder = recorder  # type: ignore[assignment]
    payload = {
        "kind": "prompt",
        "round_id": 1,
        "deadline": "2026-06-01T21:59:00+00:00",
        "language": "nl",
        "discreet": True,
    }
    await sender.send(ClaimedMessage(1, "p", None, 42, payload, 0, None))
    assert recorder.seen == seen
