"""Errors the bot's domain raises; handlers turn each into a friendly reply.

SamenkrachtError
├── ConfigurationError        a setting is missing or wrong (one clear line, no secret)
└── DomainError               a member or facilitator asked for something that cannot be
    ├── InviteError           the invite code is unknown, expired or already used
    ├── NotAMemberError       the person has no role here
    └── RoundClosedError      the round's deadline passed or it was closed
"""


class SamenkrachtError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigurationError(SamenkrachtError):
    """A setting is missing or has a wrong value."""


class DomainError(SamenkrachtError):
    """A request that the rules of Samenkracht do not allow."""


class InviteError(DomainError):
    """An invite code that cannot be redeemed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAMemberError(DomainError):
    """The person has no membership that allows this."""


class RoundClosedError(DomainError):
    """The round no longer accepts answers."""
