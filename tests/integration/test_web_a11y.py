"""
An accessibility check of the page: axe-core (installed from npm on first
use, under .venv/axe) runs in headless Chromium against the page served by
the real daemon, on the login form and on a busy conversation, in the
light and the dark theme, and finds nothing serious or critical.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from selenium.webdriver.common.keys import Keys  # noqa: E402

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import axeScript, enter, pageURL, speak, startChat, tchat  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary),
  }))),
  (error) => done(String(error)));
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("a11y"))
    yield daemon
    daemon.stop()


def setTheme(browser: Browser, theme: str) -> None:
    browser.driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": theme}]},
    )


def serious(browser: Browser, source: str) -> list[dict[str, Any]]:
    """
    What axe finds serious or critical on the page as it is now.
    """
    browser.driver.set_script_timeout(120)
    if not browser.driver.execute_script("return typeof axe !== 'undefined'"):
        browser.driver.execute_script(source)
    found = browser.driver.execute_async_script(RUN_AXE)
    assert isinstance(found, list), found
    return [v for v in found if v["impact"] in ("serious", "critical")]


def searchFor(page: Browser, words: str) -> None:
    page.shown("#search").send_keys(words, Keys.ENTER)
    page.wait(lambda: page.findAll("#search-results li button"))


@pytest.mark.parametrize("width", [1100, 390])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe(daemon: Daemon, theme: str, width: int) -> None:
    """
    No serious or critical axe finding (contrast, labels, names, ...) on
    the login form and on a conversation with every kind of line, on a
    desktop and on a phone (where the room list is a menu: open and shut),
    with the results of a search shown.
    """
    source = axeScript()
    page = Browser(pageURL(daemon), width=width, height=760)
    carol = None
    theme = f"{theme}{width}"
    try:
        setTheme(page, theme.rstrip("0123456789"))
        page.wait(lambda: page.find("#status").text == "connected")
        assert serious(page, source) == []
        nick = f"reader{theme}"
        page.login(nick)
        enter(page, f"a11y{theme}", create=True)
        carol = tchat(daemon, f"carol{theme}", f"a11y{theme}")
        page.say(f"/create side{theme}")
        page.wait(lambda: page.find("#conv-title").text == f"#side{theme}")
        speak(carol, f"a11y{theme}", f"{nick}: see https://example.org/a", "second line")
        speak(carol, f"a11y{theme}", "\x01ACTION waves\x01")
        carol.send(f"MSGPV {nick}", "psst", ".")
        carol.expect("srv: OKAY!")
        page.wait(lambda: page.findAll('#convos button[data-key="@carol' + theme + '"] + .unread'))
        if width < 640:
            page.click("#menu")  # the room list is a menu on a phone
        page.open(f"#a11y{theme}")
        page.waitForLine(f"carol{theme}", f"* carol{theme} waves")
        page.say("/topic A topic with https://example.org/t")
        page.wait(lambda: page.find("#conv-topic").is_displayed())
        page.say("hello all")
        if width >= 640:
            searchFor(page, "waves")
        found = serious(page, source)
        assert found == [], found
        if width < 640:
            page.click("#menu")
            page.wait(lambda: page.find("#sidebar").is_displayed())
            searchFor(page, "waves")
            found = serious(page, source)
            assert found == [], found
    finally:
        page.quit()
        if carol is not None:
            carol.close()
