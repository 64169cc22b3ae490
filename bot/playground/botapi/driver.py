"""The driver API: act as Telegram users and inspect what bots did, over JSON HTTP.

Routes (all under ``/driver/``; ``bot`` may be omitted while one bot is registered,
otherwise pass its id or username in the body or as ``?bot=``):

    GET    bots                          [{"id", "username", "first_name"}]
    GET    personas                      [{"user_id", "first_name", "label", "start_payload",
                                           "language_code"}]
    POST   send                          {"user_id", "kind"?, "text"?, ...} -> {"update_id",
                                           "message"}
    POST   press                         {"user_id", "message_id", "data", "force"?}
                                           -> {"update_id", "callback_query_id"}
    POST   edit                          {"user_id", "message_id", "text"} -> {"update_id",
                                           "message"}
    GET    chats                         [{"id", "type", "title"|"first_name", "version"}]
    GET    chats/{chat_id}/messages      ?after=&wait=&since_version= -> {"messages", "version",
                                           "deleted", "callback_answer_count"}
    GET    chats/{chat_id}/callback-answers   [{"callback_query_id", "message_id", "text",
                                           "show_alert", "url", "cache_time"}]
    GET    files/{file_id}               the raw bytes (Content-Type, Content-Disposition)
    POST   users/{user_id}/blocked       {"blocked": bool} -> {"user_id", "blocked"}
    GET    faults / POST faults / DELETE faults
    GET    calls                         ?method= -> {"counts": {method: n}, "calls": [...]}
    GET    updates                       the bot's unconfirmed updates
    POST   reset                         forget chats, users, files, updates, faults, calls

Messages long-poll: with ``wait`` > 0 (capped at 30 s) and no ``since_version``, the answer
comes as soon as a bot message with id > ``after`` exists or an edit happens; with
``since_version`` it comes as soon as the chat's ``version`` exceeds it (any new message,
edit, deletion or callback answer). ``messages`` always lists every live message with
id > ``after`` (edits applied, deleted ones omitted); ``deleted`` lists the ids deleted
after ``since_version`` (all deleted ids when it is not given). Errors answer
``{"error": "..."}`` with status 400 or 404.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import mimetypes
import re
from typing import Any

from aiohttp import web

from bot.playground.botapi.faults import Fault, FaultKind, FaultRegistry
from bot.playground.botapi.state import (
    BotState,
    CallbackQueryRecord,
    ChatState,
    Signal,
    StoredMessage,
    World,
)
from bot.playground.botapi.webhook import WebhookDelivery

__all__ = ["DriverApi"]

JSON = dict[str, Any]

MAX_WAIT = 30.0
DEFAULT_GROUP_ID = -100
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?(?=\s|$)")
# A 1×1 transparent PNG, the bytes behind a driver-sent photo.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class DriverError(Exception):
    """A driver request that cannot be served."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def text_entities(text: str) -> list[JSON]:
    """Return the entities Telegram adds to a user's text (a leading bot command)."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [
        {"offset": 0, "length": len(match.group(0).encode("utf-16-le")) // 2, "type": "bot_command"}
    ]


def _int(body: JSON, name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise DriverError(f"{name} is required")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DriverError(f"{name} must be an integer") from None


class DriverApi:
    """The driver routes, bound to one world."""

    def __init__(self, world: World, faults: FaultRegistry, webhooks: WebhookDelivery) -> None:
        self.world = world
        self.faults = faults
        self.webhooks = webhooks

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        return [
            web.get("/driver/bots", self.bots),
            web.get("/driver/personas", self.personas),
            web.post("/driver/send", self.send),
            web.post("/driver/press", self.press),
            web.post("/driver/edit", self.edit),
            web.get("/driver/chats", self.chats),
            web.get("/driver/chats/{chat_id}/messages", self.messages),
            web.get("/driver/chats/{chat_id}/callback-answers", self.callback_answers),
            web.get("/driver/files/{file_id}", self.file),
            web.post("/driver/users/{user_id}/blocked", self.blocked),
            web.post("/driver/raw-update", self.raw_update),
            web.get("/driver/faults", self.list_faults),
            web.post("/driver/faults", self.add_fault),
            web.delete("/driver/faults", self.clear_faults),
            web.get("/driver/calls", self.calls),
            web.get("/driver/updates", self.updates),
            web.post("/driver/reset", self.reset),
            web.get("/driver/clock", self.clock),
            web.post("/driver/clock", self.move_clock),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Turn DriverError into ``{"error": ...}``."""
        try:
            response: web.StreamResponse = await handler(request)
        except DriverError as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)
        return response

    # -- helpers -----------------------------------------------------------------

    @staticmethod
    async def body(request: web.Request) -> JSON:
        """Return the JSON object body (empty when there is none)."""
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise DriverError("body must be JSON") from None
        if not isinstance(body, dict):
            raise DriverError("body must be a JSON object")
        return body

    def bot(self, request: web.Request, body: JSON | None = None) -> BotState:
        """Return the bot named by ``bot`` (body or query), or the only one."""
        ref = (body or {}).get("bot")
        if ref is None or ref == "":
            ref = request.query.get("bot") or None
        if ref is None:
            if len(self.world.bots) == 1:
                return next(iter(self.world.bots.values()))
            raise DriverError("several bots (or none) are registered: pass bot")
        for state in self.world.bots.values():
            if str(state.info.id) == str(ref) or state.info.username == str(ref).lstrip("@"):
                return state
        raise DriverError(f"unknown bot {ref}", 404)

    def chat(self, bot: BotState, chat_id: int) -> ChatState:
        """Return the bot's chat or fail with 404."""
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise DriverError(f"unknown chat {chat_id}", 404)
        return chat

    def file_content(
        self, body: JSON, default: bytes, default_name: str | None
    ) -> tuple[bytes, str | None]:
        """Return the bytes (``data_base64`` or ``content``) and file name of a sent file."""
        data = default
        if isinstance(body.get("data_base64"), str):
            try:
                data = base64.b64decode(body["data_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise DriverError("data_base64 is not valid base64") from None
        elif isinstance(body.get("content"), str):
            data = body["content"].encode("utf-8")
        name = body.get("file_name")
        return data, (str(name) if name else default_name)

    def media(self, body: JSON, kind: str) -> JSON:
        """Build the Bot API object of a user-sent file of ``kind``."""
        defaults: dict[str, tuple[bytes, str | None, str]] = {
            "photo": (_PNG, None, "image/png"),
            "voice": (b"OggS playground voice", None, "audio/ogg"),
            "sticker": (b"RIFF playground sticker WEBP", None, "image/webp"),
            "document": (b"playground document\n", "document.txt", "text/plain"),
            "video": (b"playground video", "video.mp4", "video/mp4"),
        }
        default_data, default_name, default_mime = defaults[kind]
        data, name = self.file_content(body, default_data, default_name)
        mime = body.get("mime_type") or (mimetypes.guess_type(name)[0] if name else None)
        mime = str(mime or default_mime)
        record = self.world.store_file(data, file_name=name, mime_type=mime, folder=f"{kind}s")
        base: JSON = {"file_id": record.file_id, "file_unique_id": record.file_unique_id}
        size = {"file_size": record.file_size}
        if kind == "photo":
            return {"photo": [{**base, "width": 1, "height": 1, **size}]}
        if kind == "sticker":
            return {
                "sticker": {
                    **base,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": str(body.get("emoji") or "👍"),
                    **size,
                }
            }
        obj: JSON = dict(base)
        if kind in ("voice", "video"):
            obj["duration"] = _int(body, "duration", required=False) or 2
        if kind == "video":
            obj["width"], obj["height"] = 640, 360
        if kind in ("document", "video") and name:
            obj["file_name"] = name
        obj["mime_type"] = mime
        obj.update(size)
        return {kind: obj}

    def content(self, body: JSON, kind: str, user_json: JSON) -> JSON:
        """Build the kind-specific part of a user's message."""
        if kind == "text":
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                raise DriverError("text is required for kind text")
            content: JSON = {"text": text}
            entities = text_entities(text)
            if entities:
                content["entities"] = entities
            return content
        if kind == "location":
            return {
                "location": {
                    "latitude": float(body.get("latitude", 52.2292)),
                    "longitude": float(body.get("longitude", 5.1669)),
                }
            }
        if kind == "contact":
            return {
                "contact": {
                    "phone_number": str(body.get("phone_number") or "+31600000000"),
                    "first_name": str(body.get("contact_first_name") or user_json["first_name"]),
                    "user_id": _int(body, "contact_user_id", required=False) or user_json["id"],
                }
            }
        if kind in ("photo", "voice", "sticker", "document", "video"):
            content = self.media(body, kind)
            caption = body.get("caption")
            if isinstance(caption, str) and caption and kind != "sticker":
                content["caption"] = caption
            return content
        raise DriverError(f"unknown kind {kind}")

    # -- routes ------------------------------------------------------------------

    async def bots(self, request: web.Request) -> web.Response:
        """List the registered bots (never their tokens)."""
        return web.json_response(
            [
                {"id": b.info.id, "username": b.info.username, "first_name": b.info.first_name}
                for b in self.world.bots.values()
            ]
        )

    async def personas(self, request: web.Request) -> web.Response:
        """List the personas the page offers."""
        return web.json_response([p.to_json() for p in self.world.personas])

    async def send(self, request: web.Request) -> web.Response:
        """Send a message as a user; the bot receives it as a ``message`` update."""
        body = await self.body(request)
        bot = self.bot(request, body)
        user_id = _int(body, "user_id")
        assert user_id is not None
        kind = str(body.get("kind") or "text")
        user = self.world.user(
            user_id,
            first_name=body.get("first_name") or None,
            language_code=body.get("language_code") or None,
        )
        chat_type = str(body.get("chat_type") or "private")
        if chat_type == "private":
            chat = self.world.private_chat(bot, user)
        elif chat_type == "group":
            chat_id = _int(body, "chat_id", required=False) or DEFAULT_GROUP_ID
            if chat_id >= 0:
                raise DriverError("group chat ids are negative")
            chat = self.world.group_chat(bot, chat_id, body.get("title") or None)
        else:
            raise DriverError(f"unknown chat_type {chat_type}")
        content = self.content(body, kind, user.to_json())
        data: JSON = {
            "message_id": chat.take_id(),
            "from": user.to_json(),
            "chat": dict(chat.chat),
            "date": self.world.timestamp(),
        }
        reply_to = _int(body, "reply_to_message_id", required=False)
        if reply_to is not None:
            target = chat.live(reply_to)
            if target is None:
                raise DriverError(f"no message {reply_to} in chat {chat.id}")
            replied = target.api_json()
            replied.pop("reply_to_message", None)
            data["reply_to_message"] = replied
        data.update(content)
        message = StoredMessage(
            message_id=data["message_id"], from_bot=False, data=data, sent_at=self.world.now()
        )
        chat.add(message)
        update_id = bot.push_update("message", message.api_json())
        return web.json_response({"update_id": update_id, "message": message.api_json()})

    async def press(self, request: web.Request) -> web.Response:
        """Press an inline button; the bot receives a ``callback_query`` update."""
        body = await self.body(request)
        bot = self.bot(request, body)
        user_id = _int(body, "user_id")
        message_id = _int(body, "message_id")
        assert user_id is not None
        assert message_id is not None
        data = body.get("data")
        if not isinstance(data, str):
            raise DriverError("data is required")
        chat_id = _int(body, "chat_id", required=False) or user_id
        chat = self.chat(bot, chat_id)
        message = chat.live(message_id)
        if message is None:
            raise DriverError(f"no message {message_id} in chat {chat_id}")
        if not body.get("force") and data not in message.inline_callback_data():
            raise DriverError(
                f"message {message_id} has no inline button with callback_data {data!r}"
            )
        user = self.world.user(user_id)
        query_id = self.world.new_callback_query_id()
        bot.callback_queries[query_id] = CallbackQueryRecord(
            query_id, chat.id, message_id, self.world.now()
        )
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": message.api_json(),
            "chat_instance": str((bot.info.id * 1_000_003 + chat.id) & 0x7FFFFFFFFFFFFFFF),
            "data": data,
        }
        update_id = bot.push_update("callback_query", query)
        return web.json_response({"update_id": update_id, "callback_query_id": query_id})

    async def edit(self, request: web.Request) -> web.Response:
        """Edit a user's own text message; the bot receives ``edited_message``."""
        body = await self.body(request)
        bot = self.bot(request, body)
        user_id = _int(body, "user_id")
        message_id = _int(body, "message_id")
        assert user_id is not None
        assert message_id is not None
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DriverError("text is required")
        chat = self.chat(bot, _int(body, "chat_id", required=False) or user_id)
        message = chat.live(message_id)
        if message is None:
            raise DriverError(f"no message {message_id} in chat {chat.id}")
        author = message.data.get("from", {}).get("id")
        if message.from_bot or author != user_id or "text" not in message.data:
            raise DriverError("only the user's own text messages can be edited")
        message.data["text"] = text
        entities = text_entities(text)
        if entities:
            message.data["entities"] = entities
        else:
            message.data.pop("entities", None)
        message.data["edit_date"] = self.world.timestamp()
        chat.mark_edited()
        update_id = bot.push_update("edited_message", message.api_json())
        return web.json_response({"update_id": update_id, "message": message.api_json()})

    async def chats(self, request: web.Request) -> web.Response:
        """List the bot's chats."""
        bot = self.bot(request)
        return web.json_response(
            [{**chat.chat, "version": chat.version} for chat in bot.chats.values()]
        )

    async def messages(self, request: web.Request) -> web.Response:
        """List a chat's messages, optionally long-polling for news."""
        bot = self.bot(request)
        try:
            chat_id = int(request.match_info["chat_id"])
            after = int(request.query.get("after") or 0)
            wait = min(MAX_WAIT, max(0.0, float(request.query.get("wait") or 0)))
            since_raw = request.query.get("since_version")
            since = int(since_raw) if since_raw not in (None, "") else None
        except ValueError:
            raise DriverError("chat_id, after, wait and since_version must be numbers") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        chat = bot.chats.get(chat_id)
        while chat is None and loop.time() < deadline:
            # The chat opens with its first message; until then there is nothing to wait on.
            await asyncio.sleep(0.05)
            chat = bot.chats.get(chat_id)
        if chat is None:
            return web.json_response(
                {"messages": [], "version": 0, "deleted": [], "callback_answer_count": 0}
            )
        start_version = chat.version if since is None else since
        while wait > 0:
            if since is not None:
                if chat.version > since:
                    break
            else:
                has_bot_message = any(
                    m.from_bot and not m.deleted and m.message_id > after
                    for m in chat.messages.values()
                )
                if has_bot_message or any(v > start_version for v in chat.edit_versions):
                    break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await Signal.wait(chat.signal.waiter(), remaining)
        listed = [
            m.driver_json()
            for m in sorted(chat.messages.values(), key=lambda m: m.message_id)
            if not m.deleted and m.message_id > after
        ]
        deleted = [mid for version, mid in chat.deleted_log if version > (since or 0)]
        return web.json_response(
            {
                "messages": listed,
                "version": chat.version,
                "deleted": deleted,
                "callback_answer_count": len(chat.callback_answers),
            }
        )

    async def callback_answers(self, request: web.Request) -> web.Response:
        """List the bot's answerCallbackQuery payloads in this chat, oldest first."""
        bot = self.bot(request)
        try:
            chat_id = int(request.match_info["chat_id"])
        except ValueError:
            raise DriverError("chat_id must be a number") from None
        chat = bot.chats.get(chat_id)
        return web.json_response(list(chat.callback_answers) if chat else [])

    async def file(self, request: web.Request) -> web.Response:
        """Return a stored file's bytes."""
        record = self.world.files.get(request.match_info["file_id"])
        if record is None:
            raise DriverError("unknown file_id", 404)
        name = record.file_name or record.file_path.rsplit("/", 1)[-1]
        safe = name.replace('"', "").replace("\\", "")
        return web.Response(
            body=record.data,
            content_type=record.mime_type or "application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{safe}"'},
        )

    async def blocked(self, request: web.Request) -> web.Response:
        """Mark a user as having blocked (or unblocked) the bot."""
        body = await self.body(request)
        bot = self.bot(request, body)
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            raise DriverError("user_id must be a number") from None
        is_blocked = bool(body.get("blocked", True))
        if is_blocked:
            bot.blocked.add(user_id)
        else:
            bot.blocked.discard(user_id)
        return web.json_response({"user_id": user_id, "blocked": is_blocked})

    async def raw_update(self, request: web.Request) -> web.Response:
        """Queue an update exactly as given: ``{"kind": "poll", "payload": {...}}``.

        For tests of what the bot does with an update Telegram would never send (a forged or
        truncated one); the server does not check the payload.
        """
        body = await self.body(request)
        bot = self.bot(request, body)
        kind, payload = body.get("kind"), body.get("payload")
        if not isinstance(kind, str) or not kind:
            raise DriverError("kind is required (an update field such as message or poll)")
        if not isinstance(payload, dict):
            raise DriverError("payload must be an object")
        update_id = bot.push_update(kind, payload)
        return web.json_response({"update_id": update_id})

    async def list_faults(self, request: web.Request) -> web.Response:
        """List the queued faults."""
        return web.json_response(self.faults.pending())

    async def add_fault(self, request: web.Request) -> web.Response:
        """Queue a fault for the next ``count`` calls of a method."""
        body = await self.body(request)
        method = body.get("method")
        if not isinstance(method, str) or not method:
            raise DriverError("method is required")
        try:
            kind = FaultKind(str(body.get("kind") or "status"))
        except ValueError:
            raise DriverError(f"unknown fault kind {body.get('kind')}") from None
        bot_id = self.bot(request, body).info.id if body.get("bot") else None
        try:
            fault = Fault(
                method=method,
                kind=kind,
                status=int(body.get("status", 500)),
                retry_after=int(body.get("retry_after", 3)),
                delay=float(body.get("delay", 2.0)),
                count=int(body.get("count", 1)),
                bot_id=bot_id,
            )
        except (TypeError, ValueError):
            raise DriverError("status, retry_after, delay and count must be numbers") from None
        self.faults.add(fault)
        return web.json_response({"ok": True, "faults": self.faults.pending()})

    async def clear_faults(self, request: web.Request) -> web.Response:
        """Forget every queued fault."""
        self.faults.clear()
        return web.json_response({"ok": True})

    async def calls(self, request: web.Request) -> web.Response:
        """Count and list Bot API calls, optionally of one method."""
        method = (request.query.get("method") or "").lower()
        calls = [c for c in self.world.calls if not method or c["method"].lower() == method]
        counts: dict[str, int] = {}
        for call in calls:
            counts[call["method"]] = counts.get(call["method"], 0) + 1
        return web.json_response({"counts": counts, "total": len(calls), "calls": calls})

    async def updates(self, request: web.Request) -> web.Response:
        """List the bot's unconfirmed updates."""
        return web.json_response(self.bot(request).updates)

    async def clock(self, request: web.Request) -> web.Response:
        """The server's time, and whether the driver may move it."""
        return web.json_response(self._clock_json())

    async def move_clock(self, request: web.Request) -> web.Response:
        """Move the server's clock forward: ``{"days": 7}``, ``{"hours": 1}``, ``{"minutes": 5}``.

        Only a server built with a movable clock (the playground's, a test's) allows it.
        """
        advance = getattr(self.world.clock, "advance", None)
        if advance is None:
            raise DriverError("this server's clock follows real time and cannot be moved", 409)
        body = await self.body(request)
        delta: dict[str, float] = {}
        for unit in ("days", "hours", "minutes"):
            value = body.get(unit)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DriverError(f"{unit} must be a number", 400)
            delta[unit] = float(value)
        if not delta or sum(delta.values()) <= 0 or any(v < 0 or v > 400 for v in delta.values()):
            raise DriverError("give days, hours or minutes to move forward (0 < n ≤ 400)", 400)
        advance(**delta)
        return web.json_response(self._clock_json())

    def _clock_json(self) -> JSON:
        return {
            "now": self.world.now().isoformat(),
            "movable": hasattr(self.world.clock, "advance"),
        }

    async def reset(self, request: web.Request) -> web.Response:
        """Forget all chats, users, files, updates, faults and calls (bots stay)."""
        for bot in self.world.bots.values():
            self.webhooks.stop(bot)
            bot.chats.clear()
            bot.updates.clear()
            bot.blocked.clear()
            bot.callback_queries.clear()
            bot.webhook_url = ""
            bot.webhook_secret = None
            bot.last_error_date = None
            bot.last_error_message = None
            bot.update_signal.notify()
        self.world.users.clear()
        self.world.files.clear()
        self.world.calls.clear()
        self.faults.clear()
        return web.json_response({"ok": True})
