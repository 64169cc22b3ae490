"""Bot API parameters from any of Telegram's encodings, read with Telegram's leniency.

JSON bodies carry typed values; query strings, urlencoded and multipart forms carry
strings, with nested objects as JSON text. ``Params`` hides the difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.playground.botapi.errors import ApiError, bad_request

__all__ = ["Params", "Upload", "read_params"]


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def raw(self, name: str) -> Any:
        """Return the value as sent, None when absent or empty."""
        value = self.values.get(name)
        if value == "":
            return None
        return value

    def has(self, name: str) -> bool:
        """Return whether the parameter was sent with a value."""
        return self.raw(name) is not None or name in self.uploads

    def get_str(self, name: str, *, required: str | None = None) -> str | None:
        """Return a string parameter; ``required`` is the error detail when it is missing."""
        value = self.raw(name)
        if value is None:
            if required is not None:
                raise bad_request(required)
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def get_int(self, name: str, *, required: str | None = None) -> int | None:
        """Return an integer parameter."""
        value = self.raw(name)
        if value is None:
            if required is not None:
                raise bad_request(required)
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def get_float(self, name: str) -> float | None:
        """Return a number parameter."""
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def get_bool(self, name: str, default: bool = False) -> bool:
        """Return a boolean parameter ("true"/"1"/true are true)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "on")
        return bool(value)

    def get_obj(self, name: str) -> Any:
        """Return a JSON-serialized parameter (object or array) decoded."""
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def loggable(self) -> dict[str, Any]:
        """Return the parameters for the call log (uploads by name and size only)."""
        logged = {key: value for key, value in self.values.items()}
        for key, upload in self.uploads.items():
            logged[key] = {"upload": upload.filename, "size": len(upload.data)}
        return logged


async def read_params(request: web.Request) -> Params:
    """Read query string and body of a Bot API request."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return Params(values)
    content_type = request.content_type
    if content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            values.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(value.filename, value.content_type, value.file.read())
                value.file.close()  # a dropped answer skips aiohttp's own clean-up
            elif isinstance(value, bytes | bytearray):
                values[key] = bytes(value).decode("utf-8", "replace")
            else:
                values[key] = value
    return Params(values, uploads)
