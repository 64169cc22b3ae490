"""The Bot API methods the local server implements, with Telegram's errors.

Each method takes the calling bot and its ``Params`` and returns the ``result`` of the
``{"ok": true, "result": ...}`` envelope, or raises ``ApiError``. ``METHODS`` maps the
lower-cased method name to its canonical name and implementation.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.playground.botapi.errors import ApiError, bad_request, forbidden
from bot.playground.botapi.html_entities import (
    HtmlParseError,
    normalize_url,
    parse_html,
    utf16_len,
)
from bot.playground.botapi.params import Params, Upload
from bot.playground.botapi.state import (
    DEFAULT_UPDATE_TYPES,
    BotState,
    ChatState,
    FileRecord,
    Signal,
    StoredMessage,
    World,
)

__all__ = ["METHODS", "BotApiMethods", "MethodSpec", "WebhookControl"]

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
DELETE_WINDOW = timedelta(hours=48)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class WebhookControl(Protocol):
    """What the methods need from webhook delivery."""

    def start(self, bot: BotState) -> None:
        """Deliver the bot's queue to its webhook."""

    def stop(self, bot: BotState) -> None:
        """Stop delivering."""


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: canonical name and implementation."""

    name: str
    func: Callable[[BotApiMethods, BotState, Params], Awaitable[Any]]


def _entities_from_param(params: Params, name: str, text: str) -> list[JSON]:
    raw = params.get_obj(name)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request(f'can\'t parse entities: Field "{name}" must be of type Array')
    total = utf16_len(text)
    entities: list[JSON] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise bad_request("can't parse entities: MessageEntity must be an Object with a type")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request("can't parse entities: offset and length must be Integers")
        if offset < 0 or length <= 0 or offset >= total:
            continue
        entity = dict(item)
        entity["length"] = min(length, total - offset)
        entities.append(entity)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return entities


class BotApiMethods:
    """The method implementations, bound to one world."""

    def __init__(
        self,
        world: World,
        webhooks: WebhookControl,
        *,
        callback_query_timeout: float = 15.0,
    ) -> None:
        self.world = world
        self.webhooks = webhooks
        self.callback_query_timeout = callback_query_timeout
        self.closing = False

    # -- helpers -----------------------------------------------------------------

    def chat(self, bot: BotState, params: Params, *, sending: bool = True) -> ChatState:
        """Return the chat named by chat_id (400 chat not found, 403 when blocked)."""
        raw = params.get_str("chat_id", required="chat_id is empty")
        assert raw is not None
        try:
            chat_id = int(raw.strip())
        except ValueError:
            raise bad_request("chat not found") from None
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if sending and chat.is_private and chat_id in bot.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def formatted(
        self,
        params: Params,
        text: str,
        *,
        mode_param: str = "parse_mode",
        entities_param: str = "entities",
    ) -> tuple[str, list[JSON]]:
        """Apply parse_mode or explicit entities to ``text``."""
        if params.has(entities_param):
            return text, _entities_from_param(params, entities_param, text)
        mode = (params.get_str(mode_param) or "").strip()
        if not mode:
            return text, []
        lowered = mode.lower()
        if lowered == "html":
            try:
                parsed = parse_html(text)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
            for entity in parsed.entities:
                if entity["type"] == "text_mention":
                    user = self.world.users.get(entity["user"]["id"])
                    if user is not None:
                        entity["user"] = user.to_json()
            return parsed.text, parsed.entities
        if lowered in ("markdown", "markdownv2"):
            # Not parsed: the text is stored as sent, without entities.
            return text, []
        raise bad_request(f"unsupported parse_mode {mode}")

    def reply_markup(self, params: Params, *, inline_only: bool = False) -> JSON | None:
        """Validate and return reply_markup."""
        markup = params.get_obj("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            self._check_inline_keyboard(markup["inline_keyboard"])
            return {"inline_keyboard": markup["inline_keyboard"]}
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('Field "keyboard" of the ReplyKeyboardMarkup must be an Array')
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request(
                        "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                text = button.get("text")
                if not isinstance(text, str):
                    raise bad_request(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                if not text.strip():
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or normalize_url(url) is None:
                        raise bad_request("BUTTON_URL_INVALID")
                elif not any(
                    key in button
                    for key in (
                        "web_app",
                        "login_url",
                        "switch_inline_query",
                        "switch_inline_query_current_chat",
                        "switch_inline_query_chosen_chat",
                        "copy_text",
                        "callback_game",
                        "pay",
                    )
                ):
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )

    def replied(self, chat: ChatState, params: Params) -> JSON | None:
        """Return the replied-to message JSON from reply_parameters / reply_to_message_id."""
        reply = params.get_obj("reply_parameters")
        message_id: int | None = None
        allow_without = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            raw_id = reply.get("message_id")
            if not isinstance(raw_id, int):
                raise bad_request("message to be replied not found")
            message_id = raw_id
            allow_without = bool(reply.get("allow_sending_without_reply", allow_without))
        elif reply is not None:
            raise bad_request("can't parse reply parameters JSON object")
        else:
            message_id = params.get_int("reply_to_message_id")
        if message_id is None:
            return None
        target = chat.live(message_id)
        if target is None:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        data = target.api_json()
        data.pop("reply_to_message", None)
        return data

    def post(
        self,
        bot: BotState,
        chat: ChatState,
        params: Params,
        content: JSON,
        markup: JSON | None,
    ) -> JSON:
        """Store a message the bot sends and return its Bot API JSON."""
        replied = self.replied(chat, params)
        protect = params.get_bool("protect_content")
        data: JSON = {
            "message_id": chat.take_id(),
            "from": bot.info.user_json(),
            "chat": dict(chat.chat),
            "date": self.world.timestamp(),
        }
        if replied is not None:
            data["reply_to_message"] = replied
        data.update(content)
        if protect:
            data["has_protected_content"] = True
        message = StoredMessage(
            message_id=data["message_id"],
            from_bot=True,
            data=data,
            reply_markup=markup,
            protect_content=protect,
            disable_notification=params.get_bool("disable_notification"),
            sent_at=self.world.now(),
        )
        chat.add(message)
        return message.api_json()

    def target(
        self, bot: BotState, params: Params, missing: str
    ) -> tuple[ChatState, StoredMessage]:
        """Return the chat and message named by chat_id + message_id."""
        if params.has("inline_message_id") and not params.has("chat_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.chat(bot, params, sending=False)
        message_id = params.get_int("message_id", required="message identifier is not specified")
        assert message_id is not None
        message = chat.live(message_id)
        if message is None:
            raise bad_request(missing)
        return chat, message

    def file_param(self, params: Params, name: str, folder: str) -> FileRecord:
        """Return the file sent as upload, attach://name or an existing file_id."""
        upload: Upload | None = params.uploads.get(name)
        if upload is None:
            value = params.get_str(name)
            if value is None:
                raise bad_request(f"there is no {name} in the request")
            if value.startswith("attach://"):
                upload = params.uploads.get(value[len("attach://") :])
                if upload is None:
                    raise bad_request(f"there is no {name} in the request")
            else:
                record = self.world.files.get(value)
                if record is None:
                    raise bad_request("wrong file identifier/HTTP URL specified")
                return record
        file_name = upload.filename
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            guessed = mimetypes.guess_type(file_name or "")[0]
            mime = guessed or mime
        if not upload.data:
            raise bad_request("file must be non-empty")
        return self.world.store_file(
            upload.data, file_name=file_name, mime_type=mime, folder=folder
        )

    # -- methods -----------------------------------------------------------------

    async def get_me(self, bot: BotState, params: Params) -> JSON:
        """getMe."""
        data = bot.info.user_json()
        data.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )
        return data

    async def log_out(self, bot: BotState, params: Params) -> bool:
        """logOut / close: nothing to release locally."""
        return True

    async def get_updates(self, bot: BotState, params: Params) -> list[JSON]:
        """getUpdates with long polling; a newer call terminates an older one."""
        if bot.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset") or 0
        limit = params.get_int("limit")
        limit = 100 if limit is None else max(1, min(100, limit))
        timeout = max(0.0, min(50.0, float(params.get_int("timeout") or 0)))
        allowed = params.get_obj("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = frozenset(str(kind) for kind in allowed) or DEFAULT_UPDATE_TYPES
        bot.confirm(offset)
        bot.poll_generation += 1
        generation = bot.poll_generation
        bot.update_signal.notify()  # wake (and thereby terminate) an older poller
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if bot.poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if bot.webhook_url:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            remaining = deadline - loop.time()
            if bot.updates or remaining <= 0 or self.closing:
                return [dict(update) for update in bot.updates[:limit]]
            await Signal.wait(bot.update_signal.waiter(), remaining)

    async def set_webhook(self, bot: BotState, params: Params) -> bool:
        """setWebhook; an empty url removes the webhook."""
        url = (params.get_str("url") or "").strip()
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        if url and not re.match(r"^https?://[^/\s]+", url):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        if params.get_bool("drop_pending_updates"):
            bot.updates.clear()
        allowed = params.get_obj("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = frozenset(str(kind) for kind in allowed) or DEFAULT_UPDATE_TYPES
        bot.webhook_max_connections = params.get_int("max_connections") or 40
        bot.webhook_ip_address = params.get_str("ip_address")
        if not url:
            bot.webhook_url = ""
            bot.webhook_secret = None
            self.webhooks.stop(bot)
            return True
        if url != bot.webhook_url:
            bot.last_error_date = None
            bot.last_error_message = None
        bot.webhook_url = url
        bot.webhook_secret = secret
        self.webhooks.start(bot)
        bot.update_signal.notify()  # a waiting getUpdates now fails with 409
        return True

    async def delete_webhook(self, bot: BotState, params: Params) -> bool:
        """deleteWebhook."""
        if params.get_bool("drop_pending_updates"):
            bot.updates.clear()
        bot.webhook_url = ""
        bot.webhook_secret = None
        self.webhooks.stop(bot)
        return True

    async def get_webhook_info(self, bot: BotState, params: Params) -> JSON:
        """getWebhookInfo."""
        info: JSON = {
            "url": bot.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.updates) + bot.webhook_in_flight,
        }
        if bot.webhook_url:
            info["max_connections"] = bot.webhook_max_connections
            if bot.webhook_ip_address:
                info["ip_address"] = bot.webhook_ip_address
            if bot.allowed_updates != DEFAULT_UPDATE_TYPES:
                info["allowed_updates"] = sorted(bot.allowed_updates)
        if bot.last_error_date is not None:
            info["last_error_date"] = bot.last_error_date
            info["last_error_message"] = bot.last_error_message
        return info

    async def send_message(self, bot: BotState, params: Params) -> JSON:
        """sendMessage."""
        chat = self.chat(bot, params)
        raw = params.get_str("text")
        if raw is None:
            raise bad_request("message text is empty")
        text, entities = self.formatted(params, raw)
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = self.reply_markup(params)
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        preview = params.get_obj("link_preview_options")
        if isinstance(preview, dict):
            content["link_preview_options"] = preview
        return self.post(bot, chat, params, content, markup)

    async def send_media(self, bot: BotState, params: Params, kind: str) -> JSON:
        """sendDocument / sendPhoto / sendVoice / sendVideo / sendAudio / sendSticker."""
        chat = self.chat(bot, params)
        record = self.file_param(params, kind, folder=f"{kind}s")
        content: JSON = {kind: self.media_json(kind, record, params)}
        if kind != "sticker":
            caption = params.get_str("caption")
            if caption:
                text, entities = self.formatted(params, caption, entities_param="caption_entities")
                if utf16_len(text) > MAX_CAPTION:
                    raise bad_request("message caption is too long")
                if text:
                    content["caption"] = text
                if entities:
                    content["caption_entities"] = entities
        markup = self.reply_markup(params)
        return self.post(bot, chat, params, content, markup)

    @staticmethod
    def media_json(kind: str, record: FileRecord, params: Params) -> Any:
        """Return the Bot API object for a stored file sent as ``kind``."""
        base: JSON = {"file_id": record.file_id, "file_unique_id": record.file_unique_id}
        size = {"file_size": record.file_size}
        if kind == "photo":
            return [{**base, "width": 320, "height": 320, **size}]
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                **size,
            }
        data: JSON = dict(base)
        if kind in ("voice", "video", "audio"):
            data["duration"] = params.get_int("duration") or 1
        if kind == "video":
            data["width"] = params.get_int("width") or 640
            data["height"] = params.get_int("height") or 360
        if kind in ("document", "video", "audio") and record.file_name:
            data["file_name"] = record.file_name
        if record.mime_type:
            data["mime_type"] = record.mime_type
        data.update(size)
        return data

    async def send_document(self, bot: BotState, params: Params) -> JSON:
        """sendDocument."""
        return await self.send_media(bot, params, "document")

    async def send_photo(self, bot: BotState, params: Params) -> JSON:
        """sendPhoto."""
        return await self.send_media(bot, params, "photo")

    async def send_voice(self, bot: BotState, params: Params) -> JSON:
        """sendVoice."""
        return await self.send_media(bot, params, "voice")

    async def send_video(self, bot: BotState, params: Params) -> JSON:
        """sendVideo."""
        return await self.send_media(bot, params, "video")

    async def send_audio(self, bot: BotState, params: Params) -> JSON:
        """sendAudio."""
        return await self.send_media(bot, params, "audio")

    async def send_sticker(self, bot: BotState, params: Params) -> JSON:
        """sendSticker."""
        return await self.send_media(bot, params, "sticker")

    async def send_location(self, bot: BotState, params: Params) -> JSON:
        """sendLocation."""
        chat = self.chat(bot, params)
        latitude, longitude = params.get_float("latitude"), params.get_float("longitude")
        if latitude is None or longitude is None:
            raise bad_request("wrong latitude or longitude specified")
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self.post(bot, chat, params, content, self.reply_markup(params))

    async def edit_message_text(self, bot: BotState, params: Params) -> JSON:
        """editMessageText (without reply_markup the inline keyboard is removed)."""
        chat, message = self.target(bot, params, "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        if "text" not in message.data:
            raise bad_request("there is no text in the message to edit")
        raw = params.get_str("text")
        if raw is None:
            raise bad_request("message text is empty")
        text, entities = self.formatted(params, raw)
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        markup = self.reply_markup(params, inline_only=True)
        unchanged = (
            message.data.get("text") == text
            and message.data.get("entities", []) == entities
            and message.reply_markup == markup
        )
        if unchanged:
            raise bad_request(_NOT_MODIFIED)
        message.data["text"] = text
        if entities:
            message.data["entities"] = entities
        else:
            message.data.pop("entities", None)
        preview = params.get_obj("link_preview_options")
        if isinstance(preview, dict):
            message.data["link_preview_options"] = preview
        message.reply_markup = markup
        message.data["edit_date"] = self.world.timestamp()
        chat.mark_edited()
        return message.api_json()

    async def edit_message_caption(self, bot: BotState, params: Params) -> JSON:
        """editMessageCaption."""
        chat, message = self.target(bot, params, "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        if "text" in message.data:
            raise bad_request("there is no caption in the message to edit")
        text, entities = self.formatted(
            params, params.get_str("caption") or "", entities_param="caption_entities"
        )
        if utf16_len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        markup = self.reply_markup(params, inline_only=True)
        unchanged = (
            message.data.get("caption", "") == text
            and message.data.get("caption_entities", []) == entities
            and message.reply_markup == markup
        )
        if unchanged:
            raise bad_request(_NOT_MODIFIED)
        for key, value in (("caption", text), ("caption_entities", entities)):
            if value:
                message.data[key] = value
            else:
                message.data.pop(key, None)
        message.reply_markup = markup
        message.data["edit_date"] = self.world.timestamp()
        chat.mark_edited()
        return message.api_json()

    async def edit_message_reply_markup(self, bot: BotState, params: Params) -> JSON:
        """editMessageReplyMarkup."""
        chat, message = self.target(bot, params, "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        markup = self.reply_markup(params, inline_only=True)
        if message.reply_markup == markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        message.data["edit_date"] = self.world.timestamp()
        chat.mark_edited()
        return message.api_json()

    def _deletable(self, chat: ChatState, message: StoredMessage) -> bool:
        if not chat.is_private:
            return True  # the playground bot is an administrator of its groups
        return self.world.now() - message.sent_at <= DELETE_WINDOW

    async def delete_message(self, bot: BotState, params: Params) -> bool:
        """deleteMessage (48 hours in private chats, by the injected clock)."""
        chat, message = self.target(bot, params, "message to delete not found")
        if not self._deletable(chat, message):
            raise bad_request("message can't be deleted for everyone")
        chat.mark_deleted(message)
        return True

    async def delete_messages(self, bot: BotState, params: Params) -> bool:
        """deleteMessages: deletes what it can, skips what it cannot."""
        chat = self.chat(bot, params, sending=False)
        ids = params.get_obj("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for raw in ids:
            if not isinstance(raw, int):
                raise bad_request("message identifiers are not specified")
            message = chat.live(raw)
            if message is not None and self._deletable(chat, message):
                chat.mark_deleted(message)
        return True

    async def answer_callback_query(self, bot: BotState, params: Params) -> bool:
        """answerCallbackQuery: once, and only while the query is fresh."""
        query_id = params.get_str("callback_query_id") or ""
        query = bot.callback_queries.get(query_id)
        too_old = "query is too old and response timeout expired or query ID is invalid"
        if query is None or query.answered:
            raise bad_request(too_old)
        age = (self.world.now() - query.created).total_seconds()
        if age > self.callback_query_timeout:
            raise bad_request(too_old)
        text = params.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        chat = bot.chats.get(query.chat_id)
        if chat is not None:
            chat.callback_answers.append(
                {
                    "callback_query_id": query_id,
                    "message_id": query.message_id,
                    "text": text,
                    "show_alert": params.get_bool("show_alert"),
                    "url": params.get_str("url"),
                    "cache_time": params.get_int("cache_time") or 0,
                }
            )
            chat.bump()
        return True

    async def get_file(self, bot: BotState, params: Params) -> JSON:
        """getFile."""
        file_id = params.get_str("file_id", required="file_id not specified") or ""
        record = self.world.files.get(file_id)
        if record is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": record.file_size,
            "file_path": record.file_path,
        }

    async def send_chat_action(self, bot: BotState, params: Params) -> bool:
        """sendChatAction."""
        self.chat(bot, params)
        action = params.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def get_chat(self, bot: BotState, params: Params) -> JSON:
        """getChat (a ChatFullInfo with the required fields)."""
        chat = self.chat(bot, params, sending=False)
        return {**chat.chat, "accent_color_id": 0, "max_reaction_count": 11}

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        scope = params.get_obj("scope")
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), params.get_str("language_code") or ""

    async def set_my_commands(self, bot: BotState, params: Params) -> bool:
        """setMyCommands."""
        commands = params.get_obj("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        cleaned: list[JSON] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command = str(item.get("command", "")).lstrip("/").lower()
            description = str(item.get("description", ""))
            if not _COMMAND_RE.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            cleaned.append({"command": command, "description": description})
        key = self._commands_key(params)
        if cleaned:
            bot.commands[key] = cleaned
        else:
            bot.commands.pop(key, None)
        return True

    async def get_my_commands(self, bot: BotState, params: Params) -> list[JSON]:
        """getMyCommands."""
        return [dict(c) for c in bot.commands.get(self._commands_key(params), [])]

    async def delete_my_commands(self, bot: BotState, params: Params) -> bool:
        """deleteMyCommands."""
        bot.commands.pop(self._commands_key(params), None)
        return True


def _spec(
    name: str, func: Callable[[BotApiMethods, BotState, Params], Awaitable[Any]]
) -> MethodSpec:
    return MethodSpec(name, func)


METHODS: dict[str, MethodSpec] = {
    spec.name.lower(): spec
    for spec in (
        _spec("getMe", BotApiMethods.get_me),
        _spec("logOut", BotApiMethods.log_out),
        _spec("close", BotApiMethods.log_out),
        _spec("getUpdates", BotApiMethods.get_updates),
        _spec("setWebhook", BotApiMethods.set_webhook),
        _spec("deleteWebhook", BotApiMethods.delete_webhook),
        _spec("getWebhookInfo", BotApiMethods.get_webhook_info),
        _spec("sendMessage", BotApiMethods.send_message),
        _spec("sendDocument", BotApiMethods.send_document),
        _spec("sendPhoto", BotApiMethods.send_photo),
        _spec("sendVoice", BotApiMethods.send_voice),
        _spec("sendVideo", BotApiMethods.send_video),
        _spec("sendAudio", BotApiMethods.send_audio),
        _spec("sendSticker", BotApiMethods.send_sticker),
        _spec("sendLocation", BotApiMethods.send_location),
        _spec("editMessageText", BotApiMethods.edit_message_text),
        _spec("editMessageCaption", BotApiMethods.edit_message_caption),
        _spec("editMessageReplyMarkup", BotApiMethods.edit_message_reply_markup),
        _spec("deleteMessage", BotApiMethods.delete_message),
        _spec("deleteMessages", BotApiMethods.delete_messages),
        _spec("answerCallbackQuery", BotApiMethods.answer_callback_query),
        _spec("getFile", BotApiMethods.get_file),
        _spec("sendChatAction", BotApiMethods.send_chat_action),
        _spec("getChat", BotApiMethods.get_chat),
        _spec("setMyCommands", BotApiMethods.set_my_commands),
        _spec("getMyCommands", BotApiMethods.get_my_commands),
        _spec("deleteMyCommands", BotApiMethods.delete_my_commands),
    )
}
