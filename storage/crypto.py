"""Encryption at rest for what members write: AES-GCM with key ids, each value bound to its row.

A stored value reads ``v2:<key id>:<urlsafe base64 of nonce (12 bytes) + ciphertext + tag>``.
The nonce is random per value. The associated data names the format, the key id, the table,
the column, the row's ``row_key`` (a random hex id every table with encrypted columns has,
made before its first insert) and the row's **owner**: the columns that say what the value
belongs to (an answer's submission and question, a quote's summary and answer, a meeting's
group, a person's Telegram id; ``OWNER_COLUMNS`` in a table's ``info``). So a value copied into
another row or column, moved together with its ``row_key``, or given another key id, fails to
decrypt instead of showing up somewhere it does not belong (the row's own id is not used: the
database gives it only at INSERT, after the value is encrypted). Values of the first format
(``v1``, bound to the row_key only) are read only by the migrations that re-bind them.

Several keys may be configured (``id:base64key,id:base64key``, newest last): the newest
encrypts, any of them decrypts; ``samenkracht keys rotate`` moves old values to the newest.

How the rest of the code keeps seeing plain strings (``answer.value`` is a ``str``):

- **Reading.** ``EncryptedText.column_expression`` makes every SELECT of an encrypted column
  return ``<table>.<column>|<row_key>|<stored>``: the row's own ``row_key`` is joined on in SQL,
  so the result processor knows where the value sits and decrypts it. That holds for entity
  loads, column selects (``select(Answer.value)``), aliases, refreshes and lazy loads alike.
- **Writing.** A type's bind processor does not know the row, so an ORM ``before_insert`` /
  ``before_update`` hook (``encrypt_on_flush``) encrypts every new or changed value with the
  row's ``row_key`` and hands the statement a ``Sealed`` string (the plain text that carries its
  encrypted form). The bind processor passes only sealed values; plain text given to a Core
  INSERT/UPDATE or compared in a WHERE clause is refused (``PlaintextError``), never stored.
  After the flush the attribute holds the plain ``str`` again.

The keyring is process-wide (``use_keyring``): the command line installs one from the settings
before touching the database; tests install their own. Nothing here logs or shows a key.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Text,
    TypeDecorator,
    cast,
    event,
    func,
    inspect,
    literal_column,
    type_coerce,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from storage.errors import (
    DecryptionError,
    EncryptionError,
    KeyringError,
    PlaintextError,
    UnknownKeyError,
)

FORMAT = "v2"
LEGACY_FORMAT = "v1"  # bound to table, column and row_key only; read by migrations alone
OWNER_COLUMNS = "encryption_owner"  # key in a Table's ``info``: the columns a value belongs to
ENVIRONMENT_VARIABLE = "SAMENKRACHT_ENCRYPTION_KEY"
ROW_KEY = "row_key"
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
_NONCE_BYTES = 12
_KEY_BYTES = (16, 24, 32)
_SEPARATOR = "|"
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def new_row_key() -> str:
    """Return a fresh random ``row_key`` (32 hex characters)."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Place:
    """Where a value is stored: its table, column, the row's ``row_key`` and its owner (the
    values of the table's owner columns, in order, as text)."""

    table: str
    column: str
    row_key: str
    owner: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"

    def associated_data(self, key_id: str) -> bytes:
        owner = ",".join(self.owner)
        where = f"{self.table}.{self.column}:{self.row_key}"
        return f"samenkracht:{FORMAT}:{key_id}:{where}:{owner}".encode()

    def legacy_associated_data(self, key_id: str) -> bytes:
        where = f"{self.table}.{self.column}:{self.row_key}"
        return f"samenkracht:{LEGACY_FORMAT}:{key_id}:{where}".encode()


def owner_columns(table: Any) -> tuple[str, ...]:
    """The names of the columns an encrypted value of ``table`` is bound to (besides row_key)."""
    return tuple(table.info.get(OWNER_COLUMNS, ()))


def owner_text(value: object) -> str:
    """How one owner column's value enters the associated data (None: empty)."""
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Key:
    """One AES key and the id stored with every value it encrypted."""

    key_id: str
    secret: bytes = field(repr=False)


def key_id_of(stored: str, format_: str = FORMAT) -> str | None:
    """Return the key id a stored value names, or None when it is not in ``format_``."""
    prefix, _, rest = stored.partition(":")
    key_id, found, _ = rest.partition(":")
    if prefix != format_ or not found or not KEY_ID_PATTERN.fullmatch(key_id):
        return None
    return key_id


def stored_prefix(key_id: str, format_: str = FORMAT) -> str:
    """Return how every value encrypted under ``key_id`` begins."""
    return f"{format_}:{key_id}:"


class Keyring:
    """The configured keys, newest last: the newest encrypts, any of them decrypts."""

    def __init__(self, keys: Sequence[Key]) -> None:
        if not keys:
            raise KeyringError("no encryption key given")
        self._ciphers: dict[str, AESGCM] = {}
        for key in keys:
            if not KEY_ID_PATTERN.fullmatch(key.key_id):
                raise KeyringError(
                    f"key id {key.key_id[:40]!r} must be 1-32 letters, digits, - or _"
                )
            if key.key_id in self._ciphers:
                raise KeyringError(f"key id {key.key_id!r} is given twice")
            if len(key.secret) not in _KEY_BYTES:
                raise KeyringError(f"key {key.key_id!r} must be 32 random bytes, base64-encoded")
            self._ciphers[key.key_id] = AESGCM(key.secret)
        self._keys = tuple(keys)

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Read ``id:base64key,id:base64key`` (newest last); errors never quote a key."""
        keys = []
        for number, item in enumerate(text.replace("\n", ",").split(","), start=1):
            entry = item.strip()
            if not entry:
                continue
            key_id, found, encoded = entry.partition(":")
            if not found:
                raise KeyringError(f"key {number} must look like id:base64key")
            keys.append(Key(key_id.strip(), _decode_key(encoded.strip(), number)))
        if not keys:
            raise KeyringError("no encryption key given")
        return cls(keys)

    @property
    def newest_id(self) -> str:
        return self._keys[-1].key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(key.key_id for key in self._keys)

    def encrypt(self, plaintext: str, place: Place, *, legacy: bool = False) -> str:
        """Encrypt under the newest key, bound to ``place`` (``legacy``: the v1 format, for the
        migration that first encrypted stored texts)."""
        key_id = self.newest_id
        nonce = os.urandom(_NONCE_BYTES)
        data = place.legacy_associated_data(key_id) if legacy else place.associated_data(key_id)
        sealed = self._ciphers[key_id].encrypt(nonce, plaintext.encode("utf-8"), data)
        prefix = stored_prefix(key_id, LEGACY_FORMAT if legacy else FORMAT)
        return prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str, place: Place, *, legacy: bool = False) -> str:
        """Decrypt a stored value that must belong at ``place`` (``legacy``: a v1 value, which
        only the migrations read; anywhere else it is refused like a value not encrypted)."""
        format_ = LEGACY_FORMAT if legacy else FORMAT
        key_id = key_id_of(stored, format_)
        if key_id is None:
            raise EncryptionError(f"{place} holds a value that is not encrypted ({FORMAT})")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyError(key_id, str(place))
        data = place.legacy_associated_data(key_id) if legacy else place.associated_data(key_id)
        try:
            blob = base64.urlsafe_b64decode(stored[len(stored_prefix(key_id, format_)) :])
            plain = cipher.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], data)
            return plain.decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error):
            raise DecryptionError(key_id, str(place)) from None

    def __repr__(self) -> str:
        return f"Keyring(key_ids={list(self.key_ids)!r})"


def _decode_key(encoded: str, number: int) -> bytes:
    try:
        standard = encoded.replace("-", "+").replace("_", "/")
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"key {number} is not valid base64") from None


def generate_key_entry(key_id: str) -> str:
    """Return a new ``id:base64key`` entry with a random 256-bit key."""
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyringError("a key id must be 1-32 letters, digits, - or _")
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode('ascii')}"


# The process-wide keyring: a ready Keyring, or a function that makes one on first use.
KeyringSource = Keyring | Callable[[], Keyring]
_lock = threading.Lock()
_source: KeyringSource | None = None
_resolved: Keyring | None = None


def use_keyring(source: KeyringSource | None) -> None:
    """Install the keyring (or a function that makes it when first needed) for this process."""
    global _source, _resolved
    with _lock:
        _source = source
        _resolved = source if isinstance(source, Keyring) else None


def active_keyring() -> Keyring:
    """Return the installed keyring, making it now if it was installed as a function."""
    global _resolved
    with _lock:
        if _resolved is None:
            if _source is None:
                raise KeyringError(f"no encryption key is configured: set {ENVIRONMENT_VARIABLE}")
            assert not isinstance(_source, Keyring)
            _resolved = _source()
        return _resolved


def available_keyring() -> Keyring | None:
    """Return the installed keyring, else one from the environment, else None (migrations)."""
    if _source is not None:
        return active_keyring()
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return Keyring.parse(text) if text else None


class Sealed(str):
    """A plain text on its way into an encrypted column, carrying its encrypted form."""

    stored: str

    def __new__(cls, plaintext: str, stored: str) -> Sealed:
        sealed = super().__new__(cls, plaintext)
        sealed.stored = stored
        return sealed


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; see the module docstring for how rows are bound."""

    impl = Text
    cache_ok = True

    def column_expression(self, column: ColumnElement[str]) -> ColumnElement[str] | None:
        table = getattr(column, "table", None)
        origins = [c for c in column.base_columns if getattr(c, "table", None) is not None]
        if table is None or ROW_KEY not in table.c or len(origins) != 1:
            raise CompileError(
                "an encrypted column can only be selected from its table (or an alias of it "
                f"that includes {ROW_KEY})"
            )
        origin: Any = origins[0]
        where = f"{origin.table.name}.{origin.name}"
        assert all(_IDENTIFIER.fullmatch(part) for part in where.split("."))
        owners = owner_columns(origin.table)
        if any(name not in table.c for name in owners):
            raise CompileError(
                f"an encrypted column can only be selected with its owner columns {owners}"
            )
        separator = literal_column(f"'{_SEPARATOR}'", Text)
        joined = literal_column(f"'{where}{_SEPARATOR}'", Text) + type_coerce(
            table.c[ROW_KEY], Text
        )
        for number, name in enumerate(owners):
            text = func.coalesce(cast(table.c[name], Text), literal_column("''", Text))
            joined = joined + (separator if number == 0 else literal_column("','", Text)) + text
        if not owners:
            joined = joined + separator
        return type_coerce(joined + separator + type_coerce(column, Text), self)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.stored
        raise PlaintextError(
            "plain text for an encrypted column: write it through the ORM (a mapped object), "
            "not a Core INSERT/UPDATE or a WHERE comparison"
        )

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        where, _, rest = value.partition(_SEPARATOR)
        row_key, _, rest = rest.partition(_SEPARATOR)
        owner, _, stored = rest.partition(_SEPARATOR)
        table, _, column = where.partition(".")
        if not (table and column and row_key and stored):
            raise EncryptionError("an encrypted column was read without its row_key")
        owners = tuple(owner.split(","))  # only their joined form enters the associated data
        return active_keyring().decrypt(stored, Place(table, column, row_key, owners))


@cache
def encrypted_columns(mapper: Mapper[Any]) -> tuple[tuple[str, Column[Any]], ...]:
    """Return (attribute, column) for each encrypted column a mapper writes."""
    found = []
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        if isinstance(column, Column) and isinstance(column.type, EncryptedText):
            found.append((attribute.key, column))
    if found and ROW_KEY not in mapper.columns:
        raise EncryptionError(f"{mapper.class_.__name__} has encrypted columns but no {ROW_KEY}")
    return tuple(found)


def encrypt_on_flush(base: type[Any]) -> None:
    """Encrypt new and changed values of every mapped class below ``base`` as they are flushed."""
    event.listen(base, "before_insert", _seal_new_row, propagate=True)
    event.listen(base, "before_update", _seal_changed_values, propagate=True)
    event.listen(base, "after_insert", _unseal, propagate=True)
    event.listen(base, "after_update", _unseal, propagate=True)


def _seal_new_row(mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    columns = encrypted_columns(mapper)
    if not columns:
        return
    if getattr(target, ROW_KEY) is None:
        setattr(target, ROW_KEY, new_row_key())
    state = inspect(target)
    for key, column in columns:
        value = state.dict.get(key)
        default: Any = column.default
        if value is None and default is not None and default.is_scalar:
            value = default.arg  # what the INSERT would fill in: encrypt it too
        if value is not None:
            _seal(target, key, column, str(value))


def _seal_changed_values(mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    columns = encrypted_columns(mapper)
    if not columns:
        return
    state = inspect(target)
    for bound in (ROW_KEY, *owner_columns(mapper.local_table)):
        if state.attrs[bound].history.has_changes():
            raise EncryptionError(
                f"the {bound} of a stored row with encrypted values cannot change"
            )
    for key, column in columns:
        value = state.dict.get(key)
        if value is not None and state.attrs[key].history.has_changes():
            _seal(target, key, column, str(value))


def _seal(target: Any, key: str, column: Column[Any], plaintext: str) -> None:
    owner = tuple(owner_text(getattr(target, name)) for name in owner_columns(column.table))
    place = Place(column.table.name, column.name, getattr(target, ROW_KEY), owner)
    setattr(target, key, Sealed(plaintext, active_keyring().encrypt(plaintext, place)))


def _unseal(mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
    state = inspect(target)
    for key, _column in encrypted_columns(mapper):
        value = state.dict.get(key)
        if isinstance(value, Sealed):
            set_committed_value(target, key, str(value))
