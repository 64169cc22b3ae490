"""The secret key that invite codes are hashed with.

From ``SAMENKRACHT_SECRET_KEY`` when set; otherwise a local key file in the data directory,
created once with mode 0600 (and said so in the log). Several processes on several machines
must share the environment variable.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

from bot.errors import ConfigurationError
from bot.settings import Settings

logger = logging.getLogger(__name__)
KEY_FILE_NAME = "secret.key"


def invite_key(settings: Settings) -> bytes:
    """Return the invite-hashing key, creating the local key file when needed."""
    if settings.samenkracht_secret_key is not None:
        value = settings.samenkracht_secret_key.get_secret_value().encode()
        if len(value) < 16:
            raise ConfigurationError("Setting error: SAMENKRACHT_SECRET_KEY is too short")
        return value
    path = settings.data_dir / KEY_FILE_NAME
    if path.exists():
        return _read_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    logger.warning("Created a local secret key at %s (mode 0600); keep it with the database", path)
    return key


def _read_key_file(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if len(key) < 16:
        raise ConfigurationError(f"Setting error: the key file {path} is damaged")
    return key
