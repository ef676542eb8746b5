"""
The page's always-on setting, in a real browser against the real daemon:
a guest never sees it; a registered account's box shows the account's
setting (as IRC's C{ALWAYSON} reads it), changes it, and is found as left
after a reload; the settings area passes axe in both themes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, missingBrowser  # noqa: E402
from tests.support.pagehelpers import (  # noqa: E402
    IrcClient,
    axeScript,
    pageURL,
    register,
    startChat,
)

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

CHECKED = "return document.querySelector('#always-on').checked"
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document.querySelector('#settings'), {resultTypes: ["violations"]}).then(
  (result) => done(result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => v.id + ": " + v.nodes.map((n) => n.failureSummary).join("; "))),
  (error) => done(String(error)));
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("alwayson"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def ircSetting(daemon: Daemon, nick: str, password: str) -> str:
    """The account's setting as IRC's C{ALWAYSON} reads it, signed in too."""
    irc = IrcClient(daemon.ports["IRCFactory"], nick, password)
    try:
        irc.send("ALWAYSON")
        return irc.expect("NOTE ALWAYSON").split()[3]
    finally:
        irc.send("QUIT")
        irc.close()


def test_guestSeesNoSetting(daemon: Daemon) -> None:
    """
    A guest's page has no always-on box: a guest's session ends with it.
    """
    page = Browser(pageURL(daemon))
    try:
        page.login("visitor")
        page.shown("#rooms li")  # the page went on after the login's replies
        assert not page.find("#settings").is_displayed()
    finally:
        page.quit()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_boxChangesTheAccount(daemon: Daemon, theme: str) -> None:
    """
    The box starts unchecked; ticking it turns the account always on
    (IRC's C{ALWAYSON} says C{ON}); after a reload and a new login it is
    still ticked; unticking turns it off.  axe finds nothing serious in
    the settings area.
    """
    nick = f"dana{theme}"
    register(daemon, nick, "sesame-dana")
    page = Browser(pageURL(daemon))
    try:
        page.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": theme}]},
        )
        page.login(nick, "sesame-dana")
        box = page.shown("#always-on")
        assert page.driver.execute_script(CHECKED) is False
        box.click()
        page.wait(
            lambda: page.find("#always-on").is_enabled() and page.driver.execute_script(CHECKED)
        )
        assert ircSetting(daemon, nick, "sesame-dana") == "ON"
        page.driver.refresh()
        page.login(nick, "sesame-dana")
        page.shown("#always-on")
        page.wait(lambda: page.driver.execute_script(CHECKED) is True)
        page.driver.execute_script(axeScript())
        page.driver.set_script_timeout(120)
        assert page.driver.execute_async_script(RUN_AXE) == []
        page.click("#always-on")
        page.wait(
            lambda: page.find("#always-on").is_enabled() and not page.driver.execute_script(CHECKED)
        )
        page.driver.refresh()
        page.login(nick, "sesame-dana")
        page.shown("#always-on")
        page.wait(lambda: page.driver.execute_script(CHECKED) is False)
        assert ircSetting(daemon, nick, "sesame-dana") == "OFF"
    finally:
        page.quit()


def test_changedOnAnotherDevice(daemon: Daemon) -> None:
    """
    The account's IRC client turns always on off, then on: the page's box
    follows; the page ticks it, and the IRC client is told.
    """
    register(daemon, "erin", "sesame-erin")
    page = Browser(pageURL(daemon))
    irc = IrcClient(daemon.ports["IRCFactory"], "erin", "sesame-erin")
    try:
        page.login("erin", "sesame-erin")
        page.shown("#always-on")
        irc.send("ALWAYSON ON")
        irc.expect("NOTE ALWAYSON ON")
        page.wait(lambda: page.driver.execute_script(CHECKED) is True)
        irc.send("ALWAYSON OFF")
        irc.expect("NOTE ALWAYSON OFF")
        page.wait(lambda: page.driver.execute_script(CHECKED) is False)
        page.click("#always-on")
        assert irc.expect("NOTE ALWAYSON").split()[3] == "ON"
    finally:
        irc.send("QUIT")
        irc.close()
        page.quit()
