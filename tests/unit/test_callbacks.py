"""The callback-data codec: round trips, Telegram's 64-byte limit, refusing what we never sent."""

from __future__ import annotations

import typing

import pytest

from bot import callbacks
from bot.callbacks import (
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
]


def test_examples_cover_every_callback_type() -> None:
    assert {type(example) for example in EXAMPLES} == set(typing.get_args(callbacks.Callback))


@pytest.mark.parametrize("callback", EXAMPLES, ids=repr)
def test_round_trip(callback: Callback) -> None:
    data = encode(callback)
    assert decode(data) == callback
    assert len(data.encode("utf-8")) <= MAX_BYTES == 64
    assert is_ours(data)


def test_encode_refuses_data_over_64_bytes() -> None:
    fits = ConsentChoice(True, "a" * (MAX_BYTES - len("sk1:c:y:")))
    assert len(encode(fits).encode()) == MAX_BYTES
    with pytest.raises(ValueError, match="64 bytes"):
        encode(ConsentChoice(True, "a" * (MAX_BYTES - len("sk1:c:y:") + 1)))


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
