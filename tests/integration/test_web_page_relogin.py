"""
Logging in again, in a real browser against the real daemon, when the
server refuses for a while: a reconnect whose login meets a database that
is down keeps trying until it is back, one that gives up shows no one
signed in, and a login the person tries again after a refusal another
server may not make goes over a new connection (a balancer picks a node
per connection), its error shown above the login button, not over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres, whyNoPostgres

pytest.importorskip("selenium")

from tests.support.browser import Browser, TchatClient, missingBrowser  # noqa: E402
from tests.support.pagehelpers import freePort, logsIn, startChat  # noqa: E402

__all__ = ["ownPostgres"]

pytestmark = pytest.mark.skipif(missingBrowser() is not None, reason=str(missingBrowser()))

#: Keeps the page's WebSockets in C{window.sockets}, and in C{window.logins}
#: the index of the socket each C{login} request went over; C{window.skew}
#: moves the page's clock (C{Date.now}) forward.
WATCHED = """
window.sockets = []; window.logins = []; window.skew = 0;
const Original = window.WebSocket;
window.WebSocket = class extends Original {
  constructor(...args) { super(...args); window.sockets.push(this); }
  send(data) {
    if (JSON.parse(data).type === "login") window.logins.push(window.sockets.indexOf(this));
    return super.send(data);
  }
};
const realNow = Date.now;
Date.now = () => realNow() + window.skew;
"""


#: Whether the boxes of the elements with ids C{arguments[0]} and C{arguments[1]} overlap.
OVERLAP = """
const box = (id) => document.getElementById(id).getBoundingClientRect();
const [a, b] = [box(arguments[0]), box(arguments[1])];
return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
"""


def watchedPage(url: str, width: int = 1100, height: int = 700) -> Browser:
    page = Browser(url, width, height)
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCHED})
    page.driver.refresh()
    return page


def logins(page: Browser) -> list[int]:
    result: list[int] = page.driver.execute_script("return window.logins")
    return result


def loginView(page: Browser) -> bool:
    return page.find("#login-view").get_attribute("hidden") is None


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    daemon = startChat(tmp_path_factory.mktemp("relogin"))
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.mark.skipif(whyNoPostgres() is not None, reason=str(whyNoPostgres()))
def test_database_down_at_relogin(tmp_path: Path, ownPostgres: PostgresServer) -> None:
    """
    The daemon stops and comes back while its PostgreSQL is down, so the
    page's login again is refused with error 3: the page says the service
    is unavailable and that it is trying again (no login form, no stale
    goodbye), and once the database is back it is in its room again,
    without anyone doing anything.
    """
    port = freePort()
    args = ("--db", createDatabase(ownPostgres.url), "--web", f"tcp:{port}:interface=127.0.0.1")
    daemon = startChat(tmp_path, *args)
    page = watchedPage(f"http://127.0.0.1:{port}/")
    try:
        page.login("g15")
        page.say("/join Blabla")
        page.wait(lambda: page.find("#conv-title").text == "#Blabla")
        ownPostgres.stop()
        daemon.stop()
        page.wait(lambda: "Disconnected by the server" in page.find("#errors").text)
        daemon = startChat(tmp_path, *args)
        page.wait(lambda: "service is unavailable" in page.find("#status").text, timeout=30)
        assert "trying again" in page.find("#status").text
        assert not loginView(page)
        assert "Disconnected by the server" not in page.find("#errors").text
        tried = len(logins(page))
        page.wait(lambda: len(logins(page)) >= tried + 2, timeout=20)  # every 5 s
        assert not loginView(page)
        ownPostgres.start()
        page.wait(lambda: page.find("#status").text == "connected", timeout=60)
        page.wait(lambda: page.find("#me").text == "as g15")
        page.waitForLine("", "rejoined #Blabla")
        assert not loginView(page)
    finally:
        page.quit()
        daemon.stop()


def test_given_up_signed_out(daemon: Daemon) -> None:
    """
    The page's login again finds its nickname taken for longer than it
    waits: the login form comes back, and the header no longer says it
    is connected as that nickname, nor that it is trying again.
    """
    page = watchedPage(f"http://127.0.0.1:{daemon.ports['GuardedSite']}/")
    holder = TchatClient(daemon.ports["TchatFactory"])
    try:
        page.login("keeper")
        page.driver.execute_script("window.sockets.at(-1).close()")
        page.wait(lambda: "reconnecting" in page.find("#status").text)
        page.wait(lambda: logsIn(holder, "keeper"))
        page.wait(lambda: "still in use" in page.find("#status").text)
        page.driver.execute_script("window.skew = 100000")  # past the 90 s it waits
        page.wait(lambda: loginView(page), timeout=20)
        page.wait(lambda: page.find("#status").text == "connected")
        assert page.find("#me").text == ""
        assert "Error 23" in page.find("#errors").text
    finally:
        holder.close()
        page.quit()


def test_tried_again_over_a_new_connection(daemon: Daemon) -> None:
    """
    A login refused with error 23 (the nickname, or the account on another
    server, in use) shows the error above the login button, which stays
    clickable; pressed again, the login goes over a new connection and
    gets in once the nickname is free.
    """
    page = watchedPage(f"http://127.0.0.1:{daemon.ports['GuardedSite']}/", 360, 560)
    holder = TchatClient(daemon.ports["TchatFactory"])
    try:
        holder.send("LOGIN busy")
        holder.expect("srv: OKAY!")
        page.wait(lambda: page.find("#status").text == "connected")
        page.find("#nick").send_keys("busy")
        page.find("#login").click()
        page.wait(lambda: "Error 23" in page.find("#errors").text)
        assert not page.driver.execute_script(OVERLAP, "errors", "login")
        holder.close()
        page.find("#login").click()
        page.wait(lambda: page.find("#me").text == "as busy")
        assert logins(page) == [0, 1]
    finally:
        holder.close()
        page.quit()
