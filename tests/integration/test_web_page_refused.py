"""
The page refused a connection by the server's per-address limit, in a real
browser against the real daemon: it says why (a browser sees a refused
handshake only as a close without a reason), keeps trying less and less
often, and gets in once a place is free, over one connection at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.daemon import Daemon

pytest.importorskip("selenium")

from tests.support.browser import TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import startChat  # noqa: E402
from tests.support.pagesockets import KEEP_SOCKETS, scriptedPage  # noqa: E402

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

REFUSED = "disconnected \u2014 refused: too many connections from your address"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir = tmp_path_factory.mktemp("refused")
    daemon = startChat(workdir, "--max-per-address", "1", "--limit-exempt", "")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_limit_said_then_in(daemon: Daemon) -> None:
    """
    The address's one chat connection is a TCHAT client's: the page's
    status says the server refused it for too many connections from the
    address, and the errors say it with its code; its attempts are not a
    burst.  Once the TCHAT client leaves, the page connects and logs in,
    its status plainly connected.
    """
    holder: TchatClient | None = TchatClient(daemon.ports["TchatFactory"])
    page = scriptedPage(daemon, KEEP_SOCKETS)
    try:
        page.wait(lambda: page.find("#status").text.startswith(REFUSED))
        assert "Error 4: too many connections from your address" in page.find("#errors").text
        page.wait(lambda: page.driver.execute_script("return window.sockets.length") >= 2)
        assert page.find("#status").text == REFUSED + " (trying again by itself\u2026)"
        assert page.driver.execute_script("return window.sockets.length") <= 3
        assert holder is not None
        holder.close()
        holder = None
        page.login("limweb")
        assert page.find("#status").text == "connected"
    finally:
        if holder is not None:
            holder.close()
        page.quit()


@pytest.fixture(scope="module")
def roomier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A daemon that lets two chat connections in from one address."""
    workdir = tmp_path_factory.mktemp("refused2")
    daemon = startChat(workdir, "--max-per-address", "2", "--limit-exempt", "")
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


#: How many of the page's sockets are not closed: connecting or open.
LIVE_SOCKETS = "return window.sockets.filter((s) => s.readyState !== WebSocket.CLOSED).length"

#: Longer than any reconnect the page had waiting when the places came free.
SETTLE_S = 20.0


def test_login_typed_while_refused_one_socket(roomier: Daemon) -> None:
    """
    A login typed while the page waits to try again after a refusal: its
    connection takes the place of the reconnect that waited.  Once places
    are free the page logs in over one socket, and keeps one: none left
    over holds the nickname (the browser would answer its pings for ever).
    """
    holders = [TchatClient(roomier.ports["TchatFactory"]) for _ in range(2)]
    page = scriptedPage(roomier, KEEP_SOCKETS)
    try:
        page.wait(lambda: page.find("#status").text.startswith(REFUSED))
        page.wait(lambda: page.driver.execute_script(LIVE_SOCKETS) == 0)  # a reconnect waits
        before = page.driver.execute_script("return window.sockets.length")
        page.find("#nick").send_keys("onesock")
        page.find("#login").click()
        page.wait(lambda: page.driver.execute_script("return window.sockets.length") > before)
        page.wait(lambda: page.driver.execute_script(LIVE_SOCKETS) == 0)  # that one refused too
        for holder in holders:
            holder.close()
        holders = []
        page.wait(lambda: page.find("#me").text == "as onesock", timeout=SETTLE_S)
        settled = time.monotonic() + SETTLE_S
        while time.monotonic() < settled:
            assert page.driver.execute_script(LIVE_SOCKETS) == 1
        assert page.find("#status").text == "connected"
        assert page.driver.execute_script("return window.logins") == 1
    finally:
        for holder in holders:
            holder.close()
        page.quit()
