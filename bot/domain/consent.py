"""The consent text's version: a new version asks every member again."""

CONSENT_VERSION = "2026-11-v1"
