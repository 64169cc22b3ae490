"""``/.well-known/security.txt`` (RFC 9116): whom to tell about a vulnerability, until when.

Served by the webhook server and the health server when ``SECURITY_CONTACT`` is set. At
start-up a past ``SECURITY_EXPIRES`` is a warning in the log (the file is still served: an
outdated contact beats none, and the warning tells the operator to renew it).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.settings import Settings

logger = logging.getLogger(__name__)
PATH = "/.well-known/security.txt"


def body(settings: Settings) -> str | None:
    """The file's text, or None when no contact is configured."""
    if settings.security_contact is None:
        return None
    lines = [f"Contact: {settings.security_contact}"]
    if settings.security_expires is not None:
        expires = settings.security_expires.astimezone(UTC)
        lines.append(f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    lines.append("Preferred-Languages: nl, en")
    return "\n".join(lines) + "\n"


def expiry_problem(settings: Settings, now: datetime) -> str | None:
    """A one-line warning when security.txt has expired or has no expiry; else None."""
    if settings.security_contact is None:
        return None
    if settings.security_expires is None:
        return "SECURITY_EXPIRES is not set: security.txt needs an expiry date (RFC 9116)"
    if settings.security_expires <= now:
        day = settings.security_expires.astimezone(UTC).date().isoformat()
        return f"SECURITY_EXPIRES ({day}) is in the past: renew security.txt's expiry date"
    return None


def warn_if_expired(settings: Settings, now: datetime) -> bool:
    """Log the expiry problem, if any, once; True when there was one."""
    problem = expiry_problem(settings, now)
    if problem is not None:
        logger.warning(problem)
    return problem is not None
