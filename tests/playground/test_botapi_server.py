"""A real python-telegram-bot ``Bot`` against the local Bot API server over real HTTP."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from conftest import TOKEN, USER_ID, make_bot
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])


async def test_get_me_describes_the_bot(tg):
    me = await tg.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "samenkracht_test_bot", True)


async def test_send_message_with_html_and_keyboard(tg, driver_client):
    await driver_client.send_text(USER_ID, "/start")
    sent = await tg.send_message(
        USER_ID,
        "<b>Hoi</b> 👋 <i>Sanne</i> &amp; co",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
        protect_content=True,
        disable_notification=True,
    )
    assert sent.text == "Hoi 👋 Sanne & co"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 3),
        ("italic", 7, 5),
    ]
    assert sent.has_protected_content
    assert sent.reply_markup == KEYBOARD
    assert sent.from_user.id == 123456
    last = (await driver_client.messages(USER_ID))[-1]
    assert last["message_id"] == sent.message_id
    assert last["from_bot"] and last["protect_content"] and last["disable_notification"]
    assert last["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"


async def test_reply_parameters_attach_the_replied_message(tg, driver_client):
    sent = await driver_client.send_text(USER_ID, "vraag")
    reply = await tg.send_message(
        USER_ID, "antwoord", reply_parameters=ReplyParameters(sent["message"]["message_id"])
    )
    assert reply.reply_to_message.text == "vraag"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await tg.send_message(USER_ID, "x", reply_parameters=ReplyParameters(999))


async def test_edit_and_delete(tg, driver_client, fake_clock):
    await driver_client.send_text(USER_ID, "hallo")
    sent = await tg.send_message(USER_ID, "een", reply_markup=KEYBOARD)
    edited = await tg.edit_message_text("twee", chat_id=USER_ID, message_id=sent.message_id)
    assert edited.text == "twee"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # editMessageText without markup drops the keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new message"):
        await tg.edit_message_text("twee", chat_id=USER_ID, message_id=sent.message_id)
    marked = await tg.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=KEYBOARD)
    assert marked.reply_markup == KEYBOARD
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await tg.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)^Message to edit not found$"):
        await tg.edit_message_text("x", chat_id=USER_ID, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await tg.edit_message_text("x", chat_id=USER_ID, message_id=1)

    assert await tg.delete_message(USER_ID, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)^Message to delete not found$"):
        await tg.delete_message(USER_ID, sent.message_id)
    page = await driver_client.messages_page(USER_ID)
    assert sent.message_id not in [m["message_id"] for m in page["messages"]]
    assert page["deleted"] == [sent.message_id]

    old = await tg.send_message(USER_ID, "oud")
    fake_clock.advance(hours=48, seconds=1)
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted for everyone"):
        await tg.delete_message(USER_ID, old.message_id)
    newer = await tg.send_message(USER_ID, "nieuw")
    assert await tg.delete_messages(USER_ID, [old.message_id, newer.message_id, 999])
    remaining = [m["message_id"] for m in await driver_client.messages(USER_ID)]
    assert old.message_id in remaining
    assert newer.message_id not in remaining


async def test_send_document_and_download_it(tg, driver_client):
    await driver_client.send_text(USER_ID, "/export")
    sent = await tg.send_document(
        USER_ID,
        b"naam;antwoord\n",
        filename="export.csv",
        caption="<b>Je gegevens</b>",
        parse_mode=ParseMode.HTML,
    )
    document = sent.document
    assert (document.file_name, document.file_size) == ("export.csv", 14)
    assert document.mime_type == "text/csv"
    assert sent.caption == "Je gegevens"
    assert sent.caption_entities[0].type == "bold"
    file = await tg.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"naam;antwoord\n"
    assert await driver_client.file_bytes(document.file_id) == b"naam;antwoord\n"
    again = await tg.send_document(USER_ID, document.file_id)
    assert again.document.file_id == document.file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await tg.send_document(USER_ID, "no-such-file-id")
    with pytest.raises(BadRequest, match=r"(?i)wrong file_id"):
        await tg.get_file("no-such-file-id")


async def test_answer_callback_query(tg, driver_client, fake_clock):
    await driver_client.send_text(USER_ID, "/start")
    sent = await tg.send_message(USER_ID, "Doe je mee?", reply_markup=KEYBOARD)
    pressed = await driver_client.press(USER_ID, sent.message_id, "yes")
    (update,) = await tg.get_updates(offset=2)
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (
        pressed["callback_query_id"],
        "yes",
        USER_ID,
    )
    assert query.message.message_id == sent.message_id
    assert await query.answer("Genoteerd", show_alert=True)
    answers = await driver_client.callback_answers(USER_ID)
    assert [(a["text"], a["show_alert"]) for a in answers] == [("Genoteerd", True)]
    with pytest.raises(BadRequest, match=r"(?i)Query is too old"):
        await query.answer("twice")
    late = await driver_client.press(USER_ID, sent.message_id, "yes")
    fake_clock.advance(seconds=16)
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired"):
        await tg.answer_callback_query(late["callback_query_id"])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": ""}, "Message text is empty"),
        ({"text": "x" * 4097}, "Message is too long"),
        ({"text": "😀" * 2049}, "Message is too long"),
        (
            {"text": "<foo>", "parse_mode": "HTML"},
            'Can\'t parse entities: unsupported start tag "foo" at byte offset 0',
        ),
        (
            {"text": "<b>x", "parse_mode": "HTML"},
            "Can't parse entities: can't find end tag corresponding to start tag \"b\"",
        ),
        (
            {
                "text": "x",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton("x", callback_data="y" * 65)]]
                ),
            },
            "Button_data_invalid",
        ),
        ({"chat_id": 777, "text": "x"}, "Chat not found"),
    ],
)
async def test_send_message_errors(tg, driver_client, kwargs, error):
    await driver_client.send_text(USER_ID, "/start")
    kwargs = {"chat_id": USER_ID, **kwargs}
    with pytest.raises(BadRequest) as info:
        await tg.send_message(**kwargs)
    assert info.value.message == error  # PTB capitalises and strips "Bad Request: "


async def test_raw_envelopes_match_telegram(botapi_server, driver_client):
    await driver_client.send_text(USER_ID, "/start")
    async with httpx.AsyncClient(base_url=botapi_server.url) as http:
        ok = await http.post(
            f"/bot{TOKEN}/SENDMESSAGE", data={"chat_id": str(USER_ID), "text": "a"}
        )
        assert ok.json()["ok"] is True
        assert ok.json()["result"]["text"] == "a"
        query = await http.get(f"/bot{TOKEN}/sendMessage", params={"chat_id": USER_ID, "text": "q"})
        assert query.json()["result"]["text"] == "q"
        bad = await http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": USER_ID, "text": ""})
        assert (bad.status_code, bad.json()) == (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
        )
        unknown = await http.post(f"/bot{TOKEN}/noSuchMethod")
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        unauthorized = await http.post("/bot999:nope/getMe")
        assert unauthorized.status_code == 401
        assert unauthorized.json()["description"] == "Unauthorized"
        commands = [{"command": "start", "description": "Begin"}]
        await http.post(f"/bot{TOKEN}/setMyCommands", json={"commands": commands})
        got = await http.post(f"/bot{TOKEN}/getMyCommands")
        assert got.json()["result"] == commands


async def test_invalid_token_and_blocked_user(botapi_server, tg, driver_client):
    with pytest.raises(InvalidToken):
        async with make_bot(botapi_server, "999:unknown"):
            pass
    await driver_client.send_text(USER_ID, "/start")
    await driver_client.set_blocked(USER_ID)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await tg.send_message(USER_ID, "hoi")
    await driver_client.set_blocked(USER_ID, False)
    assert (await tg.send_message(USER_ID, "hoi")).text == "hoi"


async def test_injected_faults(tg, driver_client, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 warns about int retry_after otherwise
    await driver_client.send_text(USER_ID, "/start")
    await driver_client.inject_fault("sendMessage", "retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await tg.send_message(USER_ID, "x")
    assert info.value.retry_after == timedelta(seconds=7)

    await driver_client.inject_fault("sendMessage", "status", status=500)
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await tg.send_message(USER_ID, "x")

    await driver_client.inject_fault("sendMessage", "drop")
    with pytest.raises(NetworkError):
        await tg.send_message(USER_ID, "verloren antwoord")
    # The effect happened even though the answer was lost.
    assert (await driver_client.messages(USER_ID))[-1]["text"] == "verloren antwoord"

    await driver_client.inject_fault("sendMessage", "slow", delay=1.0)
    with pytest.raises(TimedOut):
        await tg.send_message(USER_ID, "traag", read_timeout=0.2)
    assert (await tg.send_message(USER_ID, "weer goed")).text == "weer goed"
    assert await driver_client.call_count("sendMessage") == 5


async def test_long_polling_wakes_when_a_message_arrives(tg, driver_client):
    poll = asyncio.create_task(tg.get_updates(timeout=90, read_timeout=100))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await driver_client.send_text(USER_ID, "hallo")
    # Woken by the message, long before the poll's own 90-second timeout would end it.
    (update,) = await asyncio.wait_for(poll, 30)
    assert update.message.text == "hallo"
    # Confirming with offset forgets the update.
    assert await tg.get_updates(offset=update.update_id + 1) == ()


async def test_offsets_and_concurrent_polls(botapi_server, tg, driver_client):
    for text in ("een", "twee", "drie"):
        await driver_client.send_text(USER_ID, text)
    assert [u.message.text for u in await tg.get_updates(limit=2)] == ["een", "twee"]
    assert [u.message.text for u in await tg.get_updates(offset=-1)] == ["drie"]
    first = asyncio.create_task(tg.get_updates(offset=4, timeout=5))
    await asyncio.sleep(0.1)
    async with make_bot(botapi_server) as other:  # PTB serialises polls of one Bot
        assert await other.get_updates(offset=4, timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await first


async def test_webhook_conflict_and_info(tg):
    assert await tg.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match=r"(?i)can't use getUpdates method while webhook is active"):
        await tg.get_updates()
    info = await tg.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    assert await tg.delete_webhook()
    assert (await tg.get_webhook_info()).url == ""
