"""Baseline for the fan-out: a bare loop sending messages, no database.

``python -m benchmarks.send_loop URL TOKEN FIRST_CHAT COUNT TEXT_FILE``: the same HTTP client
as the outbox (python-telegram-bot's ExtBot over HTTPXRequest, 32 connections, same defaults),
sending ``COUNT`` messages in chunks of 25 at a time, as the outbox worker does.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot
from telegram.request import HTTPXRequest

CHUNK = 25


async def main(url: str, token: str, first_chat: int, count: int, text: str) -> None:
    request = HTTPXRequest(
        connection_pool_size=32,
        read_timeout=15.0,
        write_timeout=15.0,
        connect_timeout=5.0,
        pool_timeout=60.0,
    )
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    bot: ExtBot[None] = ExtBot(
        token,
        base_url=f"{url}/bot",
        base_file_url=f"{url}/file/bot",
        request=request,
        defaults=defaults,
    )
    async with bot:
        for start in range(0, count, CHUNK):
            chats = range(first_chat + start, first_chat + min(count, start + CHUNK))
            await asyncio.gather(*(bot.send_message(chat, text) for chat in chats))


if __name__ == "__main__":
    url_, token_, first_, count_, text_file = sys.argv[1:6]
    asyncio.run(main(url_, token_, int(first_), int(count_), Path(text_file).read_text()))
