"""The baseline bot: bare python-telegram-bot echoing texts (``python -m benchmarks.echo_bot``).

Same PTB settings as the real bot: long polling (poll_interval 0, timeout 10), concurrent
updates, HTML parse mode and protected content by default, and the same rate limiter
(python-telegram-bot's AIORateLimiter at SEND_RATE_LIMIT messages/s overall, default 30; 0: none).
No database, no handlers of ours. Reads TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL.
"""

from __future__ import annotations

import html
import os
import sys
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(html.escape(message.text), do_quote=False)


def main() -> None:
    base = os.environ["TELEGRAM_API_BASE_URL"].rstrip("/")
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .defaults(defaults)
        .concurrent_updates(True)
    )
    rate = float(os.environ.get("SEND_RATE_LIMIT", "30"))
    application: Application[Any, Any, Any, Any, Any, Any] = (
        builder.rate_limiter(AIORateLimiter(overall_max_rate=rate)).build()
        if rate > 0
        else builder.build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def started(_: object) -> None:
        print("echo bot polling", flush=True)  # noqa: T201 - the parent waits for this line

    application.post_init = started
    application.run_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)
    sys.exit(0)


if __name__ == "__main__":
    main()
