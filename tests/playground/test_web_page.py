"""The playground's web chat page in a real headless Chromium, over the local Bot API server.

The page talks to the server's driver API; a tiny bot of this test's own (not the
Samenkracht bot) answers through python-telegram-bot polling against the same server,
so the whole path is real HTTP: browser → driver API → getUpdates → bot → sendMessage →
long poll → browser.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import os
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.playground.botapi.server import BotApiServer
from support import playground_process

pytestmark = pytest.mark.browser

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

TOKEN = "123456789:TEST-web-page-tiny-bot"
PERSONA_ID = 424242
PERSONA_LABEL = "Sanne — ervaringsdeskundige"
START_PAYLOAD = "demo-invite"
SCRIPT_TEXT = "<script>alert(1)</script>"
WAIT_SECONDS = 15


# --------------------------------------------------------- the test's own tiny bot


async def _tiny_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for consent, quoting a member-written text that looks like HTML."""
    assert update.effective_message is not None
    payload = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja, ik doe mee", callback_data="consent:yes"),
                InlineKeyboardButton("Nee", callback_data="consent:no"),
            ]
        ]
    )
    await update.effective_message.reply_text(
        "<b>Toestemming</b>\n"
        f"Een deelnemer schreef: {html.escape(SCRIPT_TEXT)}\n"
        f"Uitnodiging: <code>{html.escape(payload)}</code>\n"
        "Doe je mee?",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        protect_content=True,
    )


async def _tiny_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Thank the member in place of the question, with a toast."""
    query = update.callback_query
    assert query is not None
    await query.answer("Opgeslagen")
    if query.data == "consent:yes":
        await query.edit_message_text(
            "<i>Dank je</i> voor je toestemming.", parse_mode=ParseMode.HTML
        )
    else:
        await query.edit_message_text("Jammer, misschien een andere keer.")


async def _tiny_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo a text back, escaped."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    await message.reply_text(f"Je schreef: {html.escape(message.text)}", parse_mode=ParseMode.HTML)


def build_tiny_bot(url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """Return the test's own tiny bot, pointed at the local Bot API server."""
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", _tiny_start))
    application.add_handler(CallbackQueryHandler(_tiny_consent))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _tiny_echo))
    return application


# ------------------------------------------------------- server in its own loop


class BackgroundLoop:
    """An asyncio loop in a thread, so sync Selenium can drive the page meanwhile."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="playground-loop")

    def __enter__(self) -> BackgroundLoop:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run coro on the loop and wait for its result."""
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)


def skip_without_chromium() -> None:
    """Skip the test when Debian's chromium or its driver is missing."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("SAMENKRACHT_REQUIRE_BROWSER"):
            pytest.fail("SAMENKRACHT_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("Debian's chromium not installed: apt-get install chromium chromium-driver")


@dataclass
class Playground:
    url: str
    server: BotApiServer


@pytest.fixture
def playground() -> Iterator[Playground]:
    """Start the local Bot API server and the tiny bot; yield the page's address."""
    skip_without_chromium()
    server = BotApiServer()
    server.add_bot(TOKEN, username="tiny_test_bot", first_name="Tiny testbot")
    server.add_persona(
        user_id=PERSONA_ID,
        first_name="Sanne",
        label=PERSONA_LABEL,
        start_payload=START_PAYLOAD,
        language_code="nl",
    )

    async def start() -> tuple[str, Application[Any, Any, Any, Any, Any, Any]]:
        url = await server.start(host="127.0.0.1", port=0)
        application = build_tiny_bot(url)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=5)
        return url, application

    async def stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await server.stop()

    with BackgroundLoop() as background:
        url, application = background.run(start())
        try:
            yield Playground(url=url, server=server)
        finally:
            background.run(stop(application))


# ------------------------------------------------------------------ the browser


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[webdriver.Chrome]:
    """Start Debian's headless Chromium, with nothing fetched from the internet."""
    skip_without_chromium()
    # Selenium Manager must neither download drivers nor send statistics.
    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1100,800",
        "--lang=nl-NL",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=os.devnull)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, by: str, selector: str) -> WebElement:
    """Wait until one element is visible and return it."""
    element: WebElement = WebDriverWait(driver, WAIT_SECONDS).until(
        ec.visibility_of_element_located((by, selector))
    )
    return element


def wait_for_text(driver: WebDriver, selector: str, text: str) -> None:
    """Wait until an element matching a CSS selector shows text."""
    WebDriverWait(driver, WAIT_SECONDS).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text)
    )


def assert_no_alert(driver: WebDriver) -> None:
    """Fail when a JavaScript alert is open (an XSS payload would open one)."""
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        return
    pytest.fail(f"the page opened an alert: {text!r}")


# The playground is set up before the browser, so the browser quits (ending its long
# polls) before the server stops.
def test_consent_flow_in_the_browser(playground: Playground, browser: webdriver.Chrome) -> None:
    browser.get(playground.url)

    persona = wait_for(
        browser, By.XPATH, f"//button[contains(@class,'persona')][contains(., '{PERSONA_LABEL}')]"
    )
    persona.click()
    wait_for_text(browser, "#chat-title", "Tiny testbot")

    start = wait_for(browser, By.ID, "start-button")
    assert start.text == "START"
    start.click()

    # The member's own /start with the persona's payload, then the bot's question.
    wait_for_text(browser, ".msg--out", f"/start {START_PAYLOAD}")
    bold = wait_for(
        browser, By.CSS_SELECTOR, ".msg--in .bubble__text b, .msg--in .bubble__text strong"
    )
    assert bold.text == "Toestemming"

    question = browser.find_element(By.CSS_SELECTOR, ".msg--in")
    assert SCRIPT_TEXT in question.text
    assert question.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#message-list script") == []
    assert question.find_element(By.CSS_SELECTOR, "code").text == START_PAYLOAD
    assert "msg--protected" in (question.get_attribute("class") or "")
    assert_no_alert(browser)

    browser.find_element(By.XPATH, "//button[normalize-space(.)='Ja, ik doe mee']").click()

    wait_for_text(browser, ".msg--in", "Dank je")
    edited = browser.find_element(By.CSS_SELECTOR, ".msg--in")
    assert edited.find_element(By.CSS_SELECTOR, ".bubble__text i").text == "Dank je"
    assert "bewerkt" in edited.text
    assert edited.find_elements(By.CSS_SELECTOR, ".inline-kb") == []
    wait_for_text(browser, "#toasts", "Opgeslagen")

    # Typing: Enter sends, the echo shows the text literally.
    box = wait_for(browser, By.ID, "composer-input")
    box.send_keys("Hallo <b>daar</b>", Keys.ENTER)
    wait_for_text(browser, "#message-list", "Je schreef: Hallo <b>daar</b>")
    assert box.get_attribute("value") == ""
    assert_no_alert(browser)

    # A server on real time offers no clock control.
    assert not browser.find_element(By.ID, "clock").is_displayed()

    # No script errors and no Content-Security-Policy violations on the way.
    logs: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    severe = [entry for entry in logs if entry.get("level") == "SEVERE"]
    assert severe == [], severe


def test_the_real_playground_asks_consent_then_the_questions(
    tmp_path: Path, browser: webdriver.Chrome
) -> None:
    """``samenkracht run`` as a newcomer starts it: the demo persona joins in the browser."""
    with playground_process(tmp_path) as (url, _process):
        browser.get(url)
        wait_for(
            browser,
            By.XPATH,
            "//button[contains(@class,'persona')][contains(., 'Sanne — ervaringsdeskundige')]",
        ).click()
        wait_for(browser, By.ID, "start-button").click()
        wait_for_text(browser, "#message-list", "Voordat je begint")
        browser.find_element(By.XPATH, "//button[normalize-space(.)='Ja, ik doe mee']").click()
        wait_for_text(browser, "#message-list", "Welke wil je nu doen?")
        browser.find_element(
            By.XPATH, "//button[starts-with(normalize-space(.), 'Onderzoeksvragen')]"
        ).click()
        wait_for_text(browser, "#message-list", "Vraag 1 van 5")
        wait_for(browser, By.ID, "composer-input").send_keys(
            "Meer tijd voor gesprekken", Keys.ENTER
        )
        wait_for_text(browser, "#message-list", "Vraag 2 van 5")

        # The playground's clock can be moved forward from the page (reminders fall due).
        before = wait_for(browser, By.ID, "clock-now").text
        assert before.startswith("Nu: ")
        browser.find_element(By.XPATH, "//button[normalize-space(.)='+1 dag']").click()
        WebDriverWait(browser, WAIT_SECONDS).until(
            lambda page: page.find_element(By.ID, "clock-now").text != before
        )
        assert_no_alert(browser)
        browser.quit()  # end the page's long polls before the server stops
