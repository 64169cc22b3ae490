"""The driver API: users' messages of every kind, presses, edits, long polls, files."""

import asyncio

import httpx
import pytest
from conftest import USER_ID

from bot.playground.driver_client import DriverError

KEYBOARD = {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}


async def test_bots_and_personas(driver_client):
    assert await driver_client.bots() == [
        {"id": 123456, "username": "samenkracht_test_bot", "first_name": "Samenkracht"}
    ]
    assert await driver_client.personas() == [
        {
            "user_id": USER_ID,
            "first_name": "Sanne",
            "label": "Ervaringsdeskundige",
            "start_payload": None,
            "language_code": "nl",
        }
    ]


async def test_start_payload_is_a_bot_command(tg, driver_client):
    await driver_client.send_text(USER_ID, "/start uitnodiging-42")
    (update,) = await tg.get_updates()
    assert update.message.text == "/start uitnodiging-42"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")
    assert update.effective_chat.type == "private"
    assert update.effective_chat.id == USER_ID


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("photo", lambda m: m.photo[-1].file_size > 0),
        ("voice", lambda m: m.voice.mime_type == "audio/ogg"),
        ("sticker", lambda m: m.sticker.emoji == "👍"),
        ("document", lambda m: m.document.file_name == "document.txt"),
        ("video", lambda m: m.video.width == 640),
        ("location", lambda m: m.location.latitude == pytest.approx(52.2292)),
        ("contact", lambda m: m.contact.user_id == USER_ID),
    ],
)
async def test_every_kind_reaches_the_bot(tg, driver_client, kind, check):
    await driver_client.send(USER_ID, kind=kind, caption="bijschrift")
    (update,) = await tg.get_updates()
    assert check(update.message)


async def test_document_content_and_download(tg, driver_client):
    sent = await driver_client.send(USER_ID, kind="document", file_name="a.txt", content="hoi")
    file_id = sent["message"]["document"]["file_id"]
    assert await driver_client.file_bytes(file_id) == b"hoi"
    file = await tg.get_file(file_id)
    assert bytes(await file.download_as_bytearray()) == b"hoi"


async def test_group_chat(tg, driver_client):
    await driver_client.send_text(USER_ID, "hallo groep", chat_type="group", chat_id=-555)
    (update,) = await tg.get_updates()
    assert (update.effective_chat.id, update.effective_chat.type) == (-555, "group")
    assert update.effective_chat.title
    reply = await tg.send_message(-555, "welkom")
    assert reply.chat.id == -555


async def test_press_requires_a_real_button_unless_forced(tg, driver_client):
    await driver_client.send_text(USER_ID, "/start")
    sent = await tg.send_message(USER_ID, "Kies", reply_markup=KEYBOARD)
    with pytest.raises(DriverError, match="no inline button"):
        await driver_client.press(USER_ID, sent.message_id, "forged")
    forced = await driver_client.press(USER_ID, sent.message_id, "forged", force=True)
    updates = await tg.get_updates()
    assert updates[-1].callback_query.data == "forged"
    assert updates[-1].update_id == forced["update_id"]


async def test_user_edit_sends_edited_message(tg, driver_client):
    sent = await driver_client.send_text(USER_ID, "eerst")
    await driver_client.edit(USER_ID, sent["message"]["message_id"], "daarna")
    updates = await tg.get_updates()
    assert updates[-1].edited_message.text == "daarna"
    assert updates[-1].edited_message.edit_date is not None
    (message,) = await driver_client.messages(USER_ID)
    assert message["text"] == "daarna"


async def test_messages_long_poll_wakes_on_bot_message_and_on_version(tg, driver_client):
    sent = await driver_client.send_text(USER_ID, "hallo")
    after = sent["message"]["message_id"]
    waiting = asyncio.create_task(driver_client.messages(USER_ID, after=after, wait=35))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    reply = await tg.send_message(USER_ID, "dag")
    messages = await asyncio.wait_for(waiting, 30)  # woken, long before its 35 s wait ends
    assert [m["text"] for m in messages] == ["dag"]

    page = await driver_client.messages_page(USER_ID)
    by_version = asyncio.create_task(
        driver_client.messages_page(USER_ID, wait=35, since_version=page["version"])
    )
    await asyncio.sleep(0.1)
    assert not by_version.done()
    await tg.delete_message(USER_ID, reply.message_id)
    changed = await asyncio.wait_for(by_version, 30)
    assert changed["version"] > page["version"]
    assert changed["deleted"] == [reply.message_id]
    assert [m["text"] for m in changed["messages"]] == ["hallo"]


async def test_wait_for_bot_message_times_out_listing_what_arrived(driver_client):
    await driver_client.send_text(USER_ID, "hallo")
    with pytest.raises(TimeoutError, match="hallo"):
        await driver_client.wait_for_bot_message(USER_ID, after=0, timeout=0.2)


async def test_driver_errors_and_static_page(botapi_server, tmp_path):
    async with httpx.AsyncClient(base_url=botapi_server.url) as http:
        bad = await http.post("/driver/send", json={"text": "x"})
        assert bad.status_code == 400
        assert bad.json() == {"error": "user_id is required"}
        faults = await http.post("/driver/faults", json={"method": "getMe", "kind": "nope"})
        assert faults.status_code == 400
    botapi_server.static_dir = tmp_path
    async with httpx.AsyncClient(base_url=botapi_server.url) as http:
        assert (await http.get("/")).status_code == 404
        (tmp_path / "index.html").write_text("<h1>Samenkracht</h1>")
        (tmp_path / "app.js").write_text("console.log(1)")
        assert "Samenkracht" in (await http.get("/")).text
        assert (await http.get("/static/app.js")).text == "console.log(1)"
        assert (await http.get("/static/../../etc/passwd")).status_code == 404
