"""Errors the bot's domain raises; handlers turn each into a friendly reply.

SamenkrachtError
├── ConfigurationError        a setting is missing or wrong (one clear line, no secret)
└── DomainError               a member or facilitator asked for something that cannot be
    ├── InviteError           the invite code is unknown, expired or already used
    ├── NotAMemberError       the person has no role here
    ├── NotAllowedError       a facilitator's action asked by someone who is not one (there)
    ├── RoundClosedError      the round's deadline passed or it was closed
    ├── DuplicateRoundError   a round of that question set is open already for that meeting
    ├── SummaryError          a summary step that is not allowed (who, or in which status)
    └── MeetingError          a meeting that cannot be planned, moved, cancelled or answered
"""

from __future__ import annotations

from datetime import datetime


class SamenkrachtError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigurationError(SamenkrachtError):
    """A setting is missing or has a wrong value."""


class DomainError(SamenkrachtError):
    """A request that the rules of Samenkracht do not allow."""


class DuplicateRoundError(DomainError):
    """A round of the same question set is open already for the same meeting of the group."""

    def __init__(self, round_id: int, deadline: datetime) -> None:
        super().__init__(f"round {round_id} of this question set is open already for that meeting")
        self.round_id = round_id
        self.deadline = deadline


class InviteError(DomainError):
    """An invite code that cannot be redeemed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAMemberError(DomainError):
    """The person has no membership that allows this."""


class NotAllowedError(DomainError):
    """Only a facilitator of that group may do this; everyone else gets the same refusal."""


class RoundClosedError(DomainError):
    """The round no longer accepts answers."""


class SummaryError(DomainError):
    """A summary step this person may not take, or not in the summary's status.

    ``reason`` is a stable word the handlers turn into a text: "not_facilitator",
    "not_reviewer", "own_summary", "not_found", "published", "wrong_status".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MeetingError(DomainError):
    """A meeting request the rules do not allow.

    ``reason`` is a stable word the handlers and the CLI turn into a text: "not_facilitator",
    "not_member", "not_found", "past", "over", "cancelled", "no_such_date", "no_such_time",
    "ambiguous_time", "bad_date", "bad_time".
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
