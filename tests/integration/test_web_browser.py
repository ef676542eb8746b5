"""
The page in a real browser: the real C{twistd -n chatd} process, headless
Chromium through Selenium, and a TCHAT client, all on 127.0.0.1.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.blockingclients import addAccount
from tests.support.daemon import Daemon, startDaemon

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, conversation, missingBrowser  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))
FACTORIES = ("TchatFactory", "GuardedSite")


def start(workdir: Path, web: str = "tcp:0:interface=127.0.0.1") -> Daemon:
    return startDaemon(
        workdir,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--web",
        web,
        "--rooms",
        "lobby",
        "--operators",
        "moder",
        factories=FACTORIES,
    )


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    daemon = start(tmp_path)
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def url(daemon: Daemon, path: str = "/") -> str:
    return f"http://127.0.0.1:{daemon.ports['GuardedSite']}{path}"


def test_conversation(daemon: Daemon) -> None:
    """
    Two browsers and a TCHAT client talk in a room and privately; markup
    typed by a user shows as text and never runs.
    """
    for browser in conversation(url(daemon), daemon.ports["TchatFactory"]):
        assert browser.driver.get_log("browser") == [], "console errors"
        browser.quit()


def freePort() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_reconnects(tmp_path: Path) -> None:
    """
    When the daemon restarts, the page reconnects by itself, logs in again
    and re-enters its rooms; on a phone-sized screen the room list is a menu.
    """
    web = f"tcp:{freePort()}:interface=127.0.0.1"
    (tmp_path / "first").mkdir()
    daemon = start(tmp_path / "first", web)
    browser = Browser(url(daemon), width=390, height=800)
    try:
        browser.login("alice")
        assert not browser.find("#sidebar").is_displayed()
        browser.click("#menu")
        browser.join("lobby")
        assert not browser.find("#sidebar").is_displayed()
        daemon.stop()
        browser.wait(lambda: "reconnecting" in browser.find("#status").text)
        (tmp_path / "second").mkdir()
        daemon = start(tmp_path / "second", web)
        browser.wait(lambda: browser.find("#status").text == "connected", timeout=30)
        browser.waitForLine("", "rejoined #lobby")
        client = TchatClient(daemon.ports["TchatFactory"])
        try:
            client.send("LOGIN carol", "ENTER lobby", "LSMEM lobby")
            client.expect("srv: LSMEM lobby 2")
            assert client.line() == "srv: alice"
            browser.waitForLine("", "carol joined")
        finally:
            client.close()
    finally:
        browser.quit()
        daemon.stop()


def test_kicked(daemon: Daemon, tmp_path: Path) -> None:
    """
    An operator (logged in to the account named in C{--operators} with its
    password) ends a session from the page (C{/kill}); the kicked page says
    why, goes back to the login form and does not reconnect by itself.
    """
    addAccount(daemon, tmp_path / "chatd-data", "moder", "moder-secret")  # no user may register it
    moder, bob = Browser(url(daemon)), Browser(url(daemon))
    try:
        moder.login("moder", "moder-secret")
        bob.login("bob")
        moder.join("lobby")
        moder.say("/kill bob enough")
        bob.wait(lambda: "kicked by moder: enough" in bob.find("#errors").text)
        bob.shown("#login-form")
        assert bob.find("#status").text == "disconnected"
        moder.wait(lambda: "bob was disconnected." in moder.find("#log").text)
    finally:
        moder.quit()
        bob.quit()
