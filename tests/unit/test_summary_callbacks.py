"""The summary flow's buttons decode only to actions this version sent."""

from __future__ import annotations

import pytest

from bot.chat import callbacks
from bot.chat.callbacks import SummaryAction, SummaryMeeting, SummaryStep, decode, encode


@pytest.mark.parametrize("action", range(SummaryAction.ACCEPT, SummaryAction.SEND_BACK + 1))
def test_every_action_round_trips(action):
    assert decode(encode(SummaryStep(12, action, 34))) == SummaryStep(12, action, 34)


@pytest.mark.parametrize("data", ["sk1:us:12:0", "sk1:us:12:99", "sk1:us:x:1", "sk1:um:abc"])
def test_forged_summary_buttons_do_not_decode(data):
    assert decode(data) is None
    assert callbacks.is_ours(data)


def test_meeting_choice_round_trips():
    assert decode(encode(SummaryMeeting(10**9))) == SummaryMeeting(10**9)
