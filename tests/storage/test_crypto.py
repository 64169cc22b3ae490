"""Field encryption: round trips, key ids, and values that must not decrypt (no database)."""

from __future__ import annotations

import base64
import logging
import stat
from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.ops.keys import encryption_keyring
from bot.settings import load_settings
from storage.crypto import Keyring, Place, generate_key_entry, key_id_of
from storage.errors import DecryptionError, EncryptionError, KeyringError, UnknownKeyError

OLD = generate_key_entry("old")
NEW = generate_key_entry("new")
HERE = Place("answers", "value", "a" * 32)


@pytest.mark.parametrize("text", ["", "Dat er naar me geluisterd werd.", "é ü 🙂\n" * 300])
def test_round_trip(text: str):
    keyring = Keyring.parse(NEW)
    stored = keyring.encrypt(text, HERE)
    assert stored.startswith("v2:new:")
    assert key_id_of(stored) == "new"
    assert text not in stored or not text
    assert keyring.decrypt(stored, HERE) == text


def test_the_nonce_is_random():
    keyring = Keyring.parse(NEW)
    assert keyring.encrypt("zelfde", HERE) != keyring.encrypt("zelfde", HERE)


def test_newest_encrypts_and_any_decrypts():
    old = Keyring.parse(OLD)
    both = Keyring.parse(f"{OLD},{NEW}")
    stored = old.encrypt("oud", HERE)
    assert both.newest_id == "new"
    assert both.decrypt(stored, HERE) == "oud"
    assert key_id_of(both.encrypt("nieuw", HERE)) == "new"


def test_a_wrong_key_fails_clearly():
    stored = Keyring.parse(NEW).encrypt("geheim", HERE)
    other = Keyring.parse(generate_key_entry("new"))
    with pytest.raises(DecryptionError, match=r"answers\.value does not decrypt with key id 'new'"):
        other.decrypt(stored, HERE)
    with pytest.raises(UnknownKeyError, match="key id 'new', which is not configured"):
        Keyring.parse(OLD).decrypt(stored, HERE)


def test_a_tampered_value_fails():
    keyring = Keyring.parse(NEW)
    stored = keyring.encrypt("geheim", HERE)
    head, body = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        keyring.decrypt(f"{head}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", HERE)
    with pytest.raises(DecryptionError):
        keyring.decrypt(stored[:-4], HERE)
    with pytest.raises(EncryptionError, match="not encrypted"):
        keyring.decrypt("gewoon tekst", HERE)


@pytest.mark.parametrize(
    "elsewhere",
    [
        Place("answers", "value", "b" * 32),  # another row
        Place("summary_quotes", "text", "a" * 32),  # another table and column
        Place("answers", "notes", "a" * 32),  # another column
    ],
)
def test_a_value_moved_elsewhere_fails(elsewhere: Place):
    keyring = Keyring.parse(NEW)
    with pytest.raises(DecryptionError):
        keyring.decrypt(keyring.encrypt("geheim", HERE), elsewhere)


def test_a_value_relabelled_with_another_key_id_fails():
    entry = generate_key_entry("a")
    same_secret = Keyring.parse(f"{entry},b:{entry.split(':', 1)[1]}")
    stored = Keyring.parse(entry).encrypt("geheim", HERE)
    with pytest.raises(DecryptionError):
        same_secret.decrypt("v2:b:" + stored.removeprefix("v2:a:"), HERE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no encryption key"),
        ("geen-dubbele-punt", "key 1 must look like id:base64key"),
        ("k1:!!!!", "key 1 is not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "must be 32 random bytes"),
        ("bad id:" + base64.b64encode(bytes(32)).decode(), "key id"),
        (f"{NEW},{NEW}", "given twice"),
    ],
)
def test_bad_keys_are_named_never_shown(text: str, message: str):
    with pytest.raises(KeyringError, match=message) as raised:
        Keyring.parse(text)
    secret = text.partition(":")[2]
    assert not secret or secret not in str(raised.value)


def test_a_keyring_never_shows_its_keys():
    keyring = Keyring.parse(f"{OLD},{NEW}")
    assert repr(keyring) == "Keyring(key_ids=['old', 'new'])"
    assert NEW.split(":")[1] not in repr(keyring)


def test_a_bad_setting_is_one_line_without_the_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SAMENKRACHT_ENCRYPTION_KEY", "k1:c2hvcnQ=")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert str(raised.value).startswith("Setting error: SAMENKRACHT_ENCRYPTION_KEY")
    assert "c2hvcnQ" not in str(raised.value)


def test_the_playground_makes_a_private_key_file_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    monkeypatch.delenv("SAMENKRACHT_ENCRYPTION_KEY")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = load_settings(data_dir=tmp_path / "data")
    with caplog.at_level(logging.WARNING):
        first = encryption_keyring(settings)
    path = tmp_path / "data" / "encryption.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Created a local encryption key" in caplog.text
    assert path.read_text().strip().split(":")[1] not in caplog.text
    stored = first.encrypt("x", HERE)
    assert encryption_keyring(settings).decrypt(stored, HERE) == "x"  # read back, not remade


def test_real_mode_without_a_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv("SAMENKRACHT_ENCRYPTION_KEY")
    settings = load_settings(telegram_bot_token="123:abc", data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="SAMENKRACHT_ENCRYPTION_KEY is missing"):
        encryption_keyring(settings)
    assert not (tmp_path / "encryption.key").exists()
