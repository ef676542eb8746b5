"""
The one token bucket (L{chatd.core.tokenbucket}) behind the real daemon's
rate limits, over loopback sockets: C{--flood-burst} lines (TCHAT) or
requests (WebSocket) are handled at once and the next ones are held or
refused; C{--irc-flood-burst} does the same for IRC.  The refill rate is so
slow that nothing refills while a test runs, so the counts are exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.web.websocket import WebSocketClientEndpoint

from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import connectLines
from tests.support.websocketclient import TIMEOUT, Client

#: Far more than the 64 KiB of held-back input a connection may have.
FLOOD = 2000


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        *("--flood-burst", "3", "--flood-rate", "0.001"),
        *("--irc-flood-burst", "2", "--irc-flood-rate", "0.001"),
        factories=("TchatFactory", "GuardedSite", "IRCFactory"),
    )
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest_twisted.ensureDeferred
async def test_tchatBurstThenCutOff(daemon: Daemon) -> None:
    """
    A TCHAT client's first three lines (LOGIN and two unknown commands) are
    answered; the rest wait for the bucket, and once they pass the backlog
    the client reads C{ERROR 10} and is disconnected, none of them answered.
    """
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    client.send("clt: LOGIN flo")
    assert await client.line() == "srv: OKAY!"
    client.send("clt: FOO", "clt: BAR", *["clt: " + "y" * 100] * FLOOD)
    lines: list[str] = []
    while not lines or lines[-1] != "srv: ERROR 10":
        lines.append(await client.line())
    # Between them, the server's greeting (a NOTICE) and the autojoin.
    replies = [line for line in lines if line.startswith(("srv: OKAY!", "srv: ERROR"))]
    assert replies == ["srv: ERROR 11", "srv: ERROR 11", "srv: ERROR 10"]
    await client.closed


@pytest_twisted.ensureDeferred
async def test_ircBurstThenCutOff(daemon: Daemon) -> None:
    """
    An IRC client's first two lines (NICK, USER) spend the burst; its
    PINGs wait for the bucket and are never answered: past the backlog the
    client reads C{ERROR} and is disconnected.
    """
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send("NICK flo", "USER flo 0 * :Flo")
    while " 001 " not in await client.line():
        pass
    client.send(*["PING :" + "p" * 100] * FLOOD)
    lines: list[str] = []
    while not (lines and lines[-1].startswith("ERROR")):
        lines.append(await client.line())
    assert "flood" in lines[-1].lower()
    assert not [line for line in lines if " PONG " in line]
    await client.closed


@pytest_twisted.ensureDeferred
async def test_webBurstThenRefused(daemon: Daemon) -> None:
    """
    A WebSocket client's first three requests are answered, the fourth is
    refused ("slow down", connection open); one that keeps going is
    closed after C{floodLimit} refusals in a row.
    """
    url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(Client()))
    connecting.addTimeout(TIMEOUT, reactor)
    web = await connecting
    hello = await web.next("hello")
    assert (hello["limits"]["burst"], hello["limits"]["rate"]) == (3, 0.001)
    assert (await web.request(type="login", nick="flo", id=1))["nick"] == "flo"
    assert (await web.request(type="join", room="lobby", id=2))["id"] == 2
    assert (await web.request(type="rooms", id=3))["id"] == 3
    refused = await web.request(type="rooms", id=4)
    assert (refused["type"], refused["text"]) == ("error", "too many messages, slow down")
    for i in range(19):  # 20 refusals in a row (floodLimit) are told to slow down
        assert (await web.request(type="rooms", id=5 + i))["text"] == "too many messages, slow down"
    last = await web.request(type="rooms", id=24)
    assert last["text"] == "flooding: disconnected"
    await web.closed
