"""Errors the storage layer raises on purpose.

StorageError
└── EncryptionError           field encryption at rest (``storage.crypto``)
    ├── KeyringError          the configured keys are missing or malformed
    ├── UnknownKeyError       a stored value names a key id that is not configured
    ├── DecryptionError       wrong key, a tampered value, or one moved from another row/column
    └── PlaintextError        plain text given to an encrypted column outside the ORM flush

Messages name tables, columns, row ids and key ids, never a key or a stored text.
"""


class StorageError(Exception):
    """Base of every error the storage layer raises on purpose."""


class EncryptionError(StorageError):
    """Something about encrypted columns or their keys."""


class KeyringError(EncryptionError):
    """No encryption key is configured, or the configured keys cannot be read."""


class UnknownKeyError(EncryptionError):
    """A stored value was encrypted under a key id that is not configured."""

    def __init__(self, key_id: str, where: str) -> None:
        super().__init__(f"{where} is encrypted with key id {key_id!r}, which is not configured")
        self.key_id = key_id
        self.where = where


class DecryptionError(EncryptionError):
    """A stored value does not decrypt: wrong key, tampered, or moved from elsewhere."""

    def __init__(self, key_id: str, where: str) -> None:
        super().__init__(
            f"{where} does not decrypt with key id {key_id!r} "
            "(a wrong key, or the stored value was changed or moved)"
        )
        self.key_id = key_id
        self.where = where


class PlaintextError(EncryptionError):
    """Plain text reached an encrypted column without being encrypted."""
