"""The summary's HTML page passes axe-core (WCAG 2.1 A and AA rules) with no violations.

axe-core is vendored in ``vendor/axe-core`` (nothing is fetched); the page is opened from a
file in Debian's headless Chromium, as ``tests/playground/test_web_page.py`` drives it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_published_document import REGION, rich

from bot import documents
from bot.domain.summary import compose

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def run_axe(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("SAMENKRACHT_REQUIRE_BROWSER"):
            pytest.fail("SAMENKRACHT_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("Debian's chromium not installed: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-extensions",
        "--window-size=1100,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        service=Service(executable_path=str(CHROMEDRIVER), log_output=os.devnull),
        options=options,
    )
    try:
        driver.set_script_timeout(60)
        driver.get(page.as_uri())
        driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(JSON.stringify(r.violations)))"
            ".catch(e => done(JSON.stringify([{id: 'axe-error', help: String(e)}])));",
            RULES,
        )
    finally:
        driver.quit()
    violations = json.loads(result)
    assert isinstance(violations, list)
    return violations


@pytest.mark.parametrize("published", [False, True], ids=["draft", "published"])
def test_the_summary_page_has_no_axe_violations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, published: bool
):
    from PIL import Image

    from bot.domain.summary import Edition

    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 60), "#5b2a86").save(logo)
    region = documents.Region(
        REGION.name, documents.load_logo(logo, REGION.name), REGION.contact_lines
    )
    edition = Edition(published=published, version=2)
    page = tmp_path / "uitkomsten.html"
    page.write_text(documents.render_html(compose(rich(edition)), None, region), encoding="utf-8")
    violations = run_axe(page, tmp_path, monkeypatch)
    assert [
        (v["id"], v["help"], [n["target"] for n in v.get("nodes", [])]) for v in violations
    ] == []


def test_the_check_would_see_a_missing_alt_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    html = documents.render_html(compose(rich()))
    page = tmp_path / "uitkomsten.html"
    page.write_text(html.replace(' alt="Staafdiagram', ' data-x="', 1), encoding="utf-8")
    assert "image-alt" in [v["id"] for v in run_axe(page, tmp_path, monkeypatch)]
