"""The project's own local Telegram Bot API server (see ``server`` and ``driver``).

Modules: ``state`` (in-memory world), ``html_entities`` (HTML parse mode), ``params``
(request decoding), ``methods`` (Bot API methods), ``webhook`` (delivery), ``faults``
(injected failures), ``pacing`` (Telegram's per-chat pace, 429 beyond it), ``driver``
(driver API routes), ``server`` (the aiohttp app).
"""

from bot.playground.botapi.errors import ApiError
from bot.playground.botapi.html_entities import HtmlParseError, ParsedText, parse_html, utf16_len
from bot.playground.botapi.pacing import ChatPacing
from bot.playground.botapi.server import BotApiServer
from bot.playground.botapi.state import BotInfo

__all__ = [
    "ApiError",
    "BotApiServer",
    "BotInfo",
    "ChatPacing",
    "HtmlParseError",
    "ParsedText",
    "parse_html",
    "utf16_len",
]
