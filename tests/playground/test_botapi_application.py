"""A real PTB Application polling the local Bot API, and webhook delivery to a real server."""

import asyncio
from typing import Any

from aiohttp import web
from conftest import TOKEN, USER_ID
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from support import eventually

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text with a button."""
    assert update.message is not None
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=KEYBOARD)


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and show the choice."""
    query = update.callback_query
    assert query is not None
    await query.answer("Genoteerd")
    await query.edit_message_text(f"gekozen: {query.data}")


async def test_application_polls_replies_and_handles_a_button(botapi_server, driver_client):
    url = botapi_server.url
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(chosen))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        sent = await driver_client.send_text(USER_ID, "hallo")
        reply = await driver_client.wait_for_bot_message(
            USER_ID, after=sent["message"]["message_id"], timeout=5
        )
        assert reply["text"] == "echo: hallo"
        await driver_client.press(USER_ID, reply["message_id"], "yes")
        edited = await driver_client.wait_for_bot_message(
            USER_ID, after=0, timeout=5, predicate=lambda m: m["text"].startswith("gekozen")
        )
        assert edited["text"] == "gekozen: yes"
        assert edited["reply_markup"] is None
        assert "edit_date" in edited
        answers = await driver_client.callback_answers(USER_ID)
        assert [a["text"] for a in answers] == ["Genoteerd"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_delivers_in_order_with_secret_and_retries(tg, driver_client):
    received: list[dict[str, Any]] = []
    failures = {"left": 2}

    async def hook(request: web.Request) -> web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "geheim"
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=500)
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        assert await tg.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="geheim")
        for text in ("een", "twee", "drie"):
            await driver_client.send_text(USER_ID, text)
        for _ in range(200):
            if len(received) == 3:
                break
            await asyncio.sleep(0.02)
        assert [u["message"]["text"] for u in received] == ["een", "twee", "drie"]
        info = await tg.get_webhook_info()
        assert info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert info.last_error_date is not None
    finally:
        await tg.delete_webhook()
        await runner.cleanup()


async def test_failed_webhook_keeps_updates_pending(tg, driver_client):
    assert await tg.set_webhook("http://127.0.0.1:9/unreachable")
    await driver_client.send_text(USER_ID, "hallo")
    info = await eventually(tg.get_webhook_info, lambda info: info.last_error_message is not None)
    assert info.pending_update_count == 1
    assert info.last_error_message == "Connection refused"
    assert await tg.delete_webhook()
    (update,) = await tg.get_updates()
    assert update.message.text == "hallo"


async def test_webhook_uses_several_connections_but_one_chat_at_a_time(tg, driver_client):
    in_flight: dict[int, int] = {}
    most_at_once = {"all": 0}
    arrived: list[tuple[int, str]] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        in_flight[chat] = in_flight.get(chat, 0) + 1
        assert in_flight[chat] == 1, "two updates of one chat were in flight at once"
        most_at_once["all"] = max(most_at_once["all"], sum(in_flight.values()))
        await asyncio.sleep(0.1)
        arrived.append((chat, update["message"]["text"]))
        in_flight[chat] -= 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    users = [USER_ID + i for i in range(6)]
    try:
        assert await tg.set_webhook(f"http://127.0.0.1:{port}/hook", max_connections=4)
        for number in range(3):
            for user in users:
                await driver_client.send_text(user, f"bericht {number}")
        for _ in range(300):
            if len(arrived) == 18:
                break
            await asyncio.sleep(0.02)
        assert len(arrived) == 18
        for user in users:
            texts = [text for chat, text in arrived if chat == user]
            assert texts == ["bericht 0", "bericht 1", "bericht 2"]
        assert 1 < most_at_once["all"] <= 4
    finally:
        await tg.delete_webhook()
        await runner.cleanup()
