"""The callback-data codec: round trips, Telegram's 64-byte limit, refusing what we never sent."""

from __future__ import annotations

import typing

import pytest

from bot.chat import callbacks
from bot.chat.callbacks import (
    LANGUAGES,
    MAX_BYTES,
    Callback,
    ConsentChoice,
    LanguageChoice,
    decode,
    encode,
    is_ours,
)
from bot.domain.invites import is_invite_code, new_invite_code

LONGEST_CODE = "-" * 32  # invite codes are exactly 32 characters, each one byte in UTF-8
assert is_invite_code(LONGEST_CODE)

EXAMPLES: list[Callback] = [
    ConsentChoice(accept=True, invite_code=LONGEST_CODE),
    ConsentChoice(accept=False, invite_code=LONGEST_CODE),
    ConsentChoice(accept=True, invite_code=new_invite_code()),
    ConsentChoice(accept=False, invite_code=("Ab_-09" * 6)[:32]),
    *[LanguageChoice(language) for language in LANGUAGES],
    callbacks.RoundStart(7),
    callbacks.NotNow(),
    callbacks.AnswerPress(12, 345, "o", 3),
    callbacks.AnswerPress(12, 345, "d"),
    callbacks.ReviewChange(12, 345),
    callbacks.Submit(12),
    callbacks.QuotePermission(12, False),
    callbacks.RoundWizard(3, 4, -1, 14, True),
    callbacks.RoundClose(9, True),
    callbacks.SummaryMeeting(4),
    callbacks.SummaryStep(5, callbacks.SummaryAction.QUOTE, 678),
    callbacks.SummaryStep(5, callbacks.SummaryAction.PUBLISH),
    *[callbacks.RsvpChoice(123456789, response) for response in callbacks.RSVP_RESPONSES],
    callbacks.SkipMeeting(123456789),
    *[callbacks.ReminderSetting(setting, True) for setting in callbacks.REMINDER_SETTINGS],
    callbacks.ReminderSetting("quiet", False),
    callbacks.QuickExit(),
    *[callbacks.PrivacySetting(setting, False) for setting in callbacks.PRIVACY_SETTINGS],
    callbacks.ConsentWithdraw(),
    callbacks.ConsentWithdraw(True),
    callbacks.ConsentRenew(True),
    callbacks.EraseChoice(True),
    callbacks.EraseChoice(False),
    callbacks.PrivacyCancel(),
    *[callbacks.MeetingMenu(flow) for flow in callbacks.MEETING_FLOWS],
    *[callbacks.MeetingStep("0a1b2c3d", action, 1234) for action in callbacks.MEETING_STEPS],
    callbacks.MeetingStep("ffffffff", "save"),
]


def test_examples_cover_every_callback_type() -> None:
    assert {type(example) for example in EXAMPLES} == set(callbacks.registered())


@pytest.mark.parametrize("callback", EXAMPLES, ids=repr)
def test_round_trip(callback: Callback) -> None:
    data = encode(callback)
    assert decode(data) == callback
    assert len(data.encode("utf-8")) <= MAX_BYTES == 64
    assert is_ours(data)


def test_encode_refuses_fields_that_could_break_the_format() -> None:
    with pytest.raises(ValueError, match="codec-safe"):
        encode(ConsentChoice(True, "a" * 41))
    with pytest.raises(ValueError, match="codec-safe"):
        encode(LanguageChoice("n:l"))


@pytest.mark.parametrize("cls", callbacks.registered(), ids=lambda c: c.__name__)
def test_the_largest_values_still_fit_64_bytes(cls) -> None:
    import dataclasses

    largest = {
        int: 10**9,  # a billion rows in any table
        bool: True,
        str: "x" * 40,
    }
    hints = typing.get_type_hints(cls)
    values = {f.name: largest[hints[f.name]] for f in dataclasses.fields(cls)}
    if cls is ConsentChoice:
        values["invite_code"] = new_invite_code()
    if cls is callbacks.AnswerPress:
        values |= {"action": "o", "index": 99}
    if cls is callbacks.MeetingStep:
        values |= {"nonce": "f" * 8, "action": "save"}
    assert len(encode(cls(**values)).encode()) <= MAX_BYTES


def test_the_two_consent_answers_differ() -> None:
    code = new_invite_code()
    assert encode(ConsentChoice(True, code)) != encode(ConsentChoice(False, code))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "sk1",
        "sk1:",
        "sk1:x",
        "sk1:l",
        "sk1:l:",
        "sk1:l:fr",
        "sk1:l:NL",
        "sk1:l:nl:extra",
        "sk1:c",
        "sk1:c:y",
        "sk1:c:y:",  # no code
        "sk1:c:y:short",  # not shaped like an invite code
        "sk1:c:x:" + LONGEST_CODE,  # neither yes nor no
        "sk1:c:Y:" + LONGEST_CODE,
        "sk1:c:y:" + LONGEST_CODE + ":more",
        "sk0:c:y:" + LONGEST_CODE,  # an older version
        "sk2:l:nl",  # a newer version
        "SK1:l:nl",
        " sk1:l:nl",
        "l:nl",
        "nl",
        "garbage",
        ":::",
        "sk1:l:nl\x00",
        "\x00",
        "🙂",
    ],
)
def test_decode_refuses_what_we_did_not_send(data: str | None) -> None:
    assert decode(data) is None


@pytest.mark.parametrize(
    ("data", "ours"),
    [
        ("sk1:l:nl", True),
        ("sk1:c:y:" + LONGEST_CODE, True),
        ("sk0:c:y:abc", True),  # an old version is still ours: "this button no longer works"
        ("sk1:l:fr", True),
        (None, False),
        ("", False),
        ("l:nl", False),
        ("garbage", False),
        ("skip", False),
        ("sk:l:nl", False),
    ],
)
def test_is_ours(data: str | None, ours: bool) -> None:
    assert is_ours(data) is ours
