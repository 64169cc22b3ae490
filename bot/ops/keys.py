"""The secret keys: the one invite codes are hashed with, and those stored texts are encrypted with.

The invite key comes from ``SAMENKRACHT_SECRET_KEY`` when set; otherwise a local key file in the
data directory, created once with mode 0600 (and said so in the log). Several processes on
several machines must share the environment variable.

The encryption keys come from ``SAMENKRACHT_ENCRYPTION_KEY`` (``id:base64key,…``, newest last).
Without it, the playground (no bot token) uses a local key file, created once with mode 0600;
on Telegram (a token) a missing variable is a configuration error.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

from bot.errors import ConfigurationError
from bot.settings import Settings
from storage import crypto
from storage.engine import Database
from storage.errors import EncryptionError, KeyringError
from storage.repositories import encryption

logger = logging.getLogger(__name__)
KEY_FILE_NAME = "secret.key"
ENCRYPTION_KEY_FILE_NAME = "encryption.key"


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


def encryption_keyring(settings: Settings) -> crypto.Keyring:
    """Return the encryption keys: the setting, else (playground only) the local key file."""
    if settings.samenkracht_encryption_key is not None:
        return crypto.Keyring.parse(settings.samenkracht_encryption_key.get_secret_value())
    if settings.telegram_bot_token is not None:
        raise ConfigurationError(
            "Setting error: SAMENKRACHT_ENCRYPTION_KEY is missing; make one with "
            "`samenkracht keys generate` and keep it safe (without it nothing stored can be read)"
        )
    path = settings.data_dir / ENCRYPTION_KEY_FILE_NAME
    if path.exists():
        try:
            return crypto.Keyring.parse(path.read_text(encoding="utf-8"))
        except (KeyringError, UnicodeDecodeError):
            raise ConfigurationError(f"Setting error: the key file {path} is damaged") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = crypto.generate_key_entry("local1")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(entry + "\n")
    logger.warning(
        "Created a local encryption key at %s (mode 0600); keep it with the database", path
    )
    return crypto.Keyring.parse(entry)


def install_encryption(settings: Settings) -> None:
    """Make the encryption keys this process uses come from ``settings`` (read when needed)."""
    crypto.use_keyring(lambda: encryption_keyring(settings))


async def check_encryption(db: Database) -> None:
    """Fail clearly now if the stored texts do not decrypt with the configured keys."""
    keyring = crypto.active_keyring()
    try:
        async with db.read() as session:
            await encryption.verify_keys(session, keyring)
    except EncryptionError as error:
        raise ConfigurationError(
            f"Setting error: SAMENKRACHT_ENCRYPTION_KEY does not fit the database: {error}"
        ) from None
