"""An async client for the local Bot API's driver API, for tests, benchmarks and demos.

async with DriverClient(server_url) as driver:
    sent = await driver.send_text(42, "/start")
    reply = await driver.wait_for_bot_message(42, after=sent["message"]["message_id"])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import httpx

__all__ = ["DriverClient", "DriverError"]

JSON = dict[str, Any]


class DriverError(RuntimeError):
    """The driver API refused a request (its ``{"error": ...}`` text is the message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class DriverClient:
    """Act as Telegram users and inspect what the bot did, over the driver API."""

    def __init__(self, base_url: str, *, bot: int | str | None = None, timeout: float = 40.0):
        self.base_url = base_url.rstrip("/")
        self.bot = bot
        self._client = httpx.AsyncClient(base_url=f"{self.base_url}/driver", timeout=timeout)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    # -- plumbing ----------------------------------------------------------------

    def _params(self, **params: Any) -> dict[str, Any]:
        if self.bot is not None:
            params.setdefault("bot", self.bot)
        return {key: value for key, value in params.items() if value is not None}

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self._client.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error", response.text))
            except ValueError:
                message = response.text
            raise DriverError(response.status_code, message)
        return response

    async def _get(self, path: str, **params: Any) -> Any:
        return (await self._request("GET", path, params=self._params(**params))).json()

    async def _post(self, path: str, body: JSON) -> Any:
        return (await self._request("POST", path, json=self._params(**body))).json()

    # -- users -------------------------------------------------------------------

    async def send(self, user_id: int, *, kind: str = "text", **fields: Any) -> JSON:
        """Send a message of ``kind`` as the user; return ``{"update_id", "message"}``."""
        result: JSON = await self._post("/send", {"user_id": user_id, "kind": kind, **fields})
        return result

    async def send_text(self, user_id: int, text: str, **fields: Any) -> JSON:
        """Send a text message as the user; return ``{"update_id", "message"}``."""
        return await self.send(user_id, kind="text", text=text, **fields)

    async def press(
        self, user_id: int, message_id: int, data: str, *, force: bool = False, **fields: Any
    ) -> JSON:
        """Press an inline button; return ``{"update_id", "callback_query_id"}``."""
        body = {"user_id": user_id, "message_id": message_id, "data": data, "force": force}
        result: JSON = await self._post("/press", {**body, **fields})
        return result

    async def edit(self, user_id: int, message_id: int, text: str) -> JSON:
        """Edit the user's own text message; return ``{"update_id", "message"}``."""
        body = {"user_id": user_id, "message_id": message_id, "text": text}
        result: JSON = await self._post("/edit", body)
        return result

    async def set_blocked(self, user_id: int, blocked: bool = True) -> JSON:
        """Mark the user as having blocked (or unblocked) the bot."""
        result: JSON = await self._post(f"/users/{user_id}/blocked", {"blocked": blocked})
        return result

    async def raw_update(self, kind: str, payload: Any) -> int:
        """Queue an update of ``kind`` with ``payload`` exactly as given (even one that no
        client can read); return its update id."""
        result: JSON = await self._post("/raw-update", {"kind": kind, "payload": payload})
        return int(result["update_id"])

    # -- inspection --------------------------------------------------------------

    async def messages(
        self,
        chat_id: int,
        after: int = 0,
        wait: float = 0,
        since_version: int | None = None,
    ) -> list[JSON]:
        """Return the chat's live messages with id > ``after`` (long-poll with ``wait``)."""
        page = await self.messages_page(
            chat_id, after=after, wait=wait, since_version=since_version
        )
        messages: list[JSON] = page["messages"]
        return messages

    async def messages_page(
        self,
        chat_id: int,
        after: int = 0,
        wait: float = 0,
        since_version: int | None = None,
    ) -> JSON:
        """Return the whole messages answer: ``messages``, ``version``, ``deleted``."""
        page: JSON = await self._get(
            f"/chats/{chat_id}/messages", after=after, wait=wait, since_version=since_version
        )
        return page

    async def wait_for_bot_message(
        self,
        chat_id: int,
        after: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - the deadline is the point
        predicate: Callable[[JSON], bool] | None = None,
    ) -> JSON:
        """Return the first bot message with id > ``after`` matching ``predicate``.

        Raises:
            TimeoutError: (an AssertionError would hide in pytest's rewriting) listing
                what did arrive.
        """
        deadline = time.monotonic() + timeout
        seen: list[JSON] = []
        while True:
            remaining = deadline - time.monotonic()
            page = await self.messages_page(chat_id, after=after)
            seen = page["messages"]
            for message in seen:
                if message["from_bot"] and (predicate is None or predicate(message)):
                    return message
            if remaining <= 0:
                break
            # Sleep until the chat changes at all, then look again.
            await self.messages_page(
                chat_id, after=after, wait=min(remaining, 30.0), since_version=page["version"]
            )
        arrived = [
            f"#{m['message_id']} {'bot' if m['from_bot'] else 'user'}: "
            f"{m.get('text') or m.get('caption') or '<media>'!r}"
            for m in seen
        ]
        raise TimeoutError(
            f"no matching bot message in chat {chat_id} after #{after} within {timeout}s; "
            f"arrived: {arrived or 'nothing'}"
        )

    async def callback_answers(self, chat_id: int) -> list[JSON]:
        """Return the bot's answerCallbackQuery payloads in this chat, oldest first."""
        answers: list[JSON] = await self._get(f"/chats/{chat_id}/callback-answers")
        return answers

    async def file_bytes(self, file_id: str) -> bytes:
        """Return a stored file's bytes."""
        response = await self._request("GET", f"/files/{file_id}")
        return response.content

    async def calls(self, method: str | None = None) -> JSON:
        """Return ``{"counts", "total", "calls"}`` of Bot API calls (of one method)."""
        result: JSON = await self._get("/calls", method=method)
        return result

    async def call_count(self, method: str) -> int:
        """Return how often the bot called ``method``."""
        return int((await self.calls(method))["total"])

    async def inject_fault(
        self,
        method: str,
        kind: str = "status",
        *,
        status: int = 500,
        retry_after: int = 3,
        delay: float = 2.0,
        count: int = 1,
    ) -> JSON:
        """Make the next ``count`` calls of ``method`` fail (status, retry_after, slow, drop)."""
        body = {
            "method": method,
            "kind": kind,
            "status": status,
            "retry_after": retry_after,
            "delay": delay,
            "count": count,
        }
        result: JSON = await self._post_plain("/faults", body)
        return result

    async def _post_plain(self, path: str, body: JSON) -> Any:
        return (await self._request("POST", path, json=body)).json()

    async def clock(self) -> JSON:
        """The server's time (``now``, ISO 8601) and whether it may be moved."""
        result: JSON = await self._get("/clock")
        return result

    async def move_clock(self, **delta: float) -> JSON:
        """Move a playground's or test's server clock forward (``days=``, ``hours=``…)."""
        result: JSON = await self._post("/clock", dict(delta))
        return result

    async def clear_faults(self) -> None:
        """Forget every injected fault."""
        await self._request("DELETE", "/faults")

    async def personas(self) -> list[JSON]:
        """Return the personas the web page offers."""
        personas: list[JSON] = await self._get("/personas")
        return personas

    async def bots(self) -> list[JSON]:
        """Return the registered bots."""
        bots: list[JSON] = await self._get("/bots")
        return bots

    async def reset(self) -> None:
        """Forget chats, users, files, updates, faults and calls."""
        await self._post_plain("/reset", {})
