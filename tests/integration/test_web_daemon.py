"""
The web front-end in the real daemon, without a browser: the options, the
listener, a WebSocket conversation over loopback, C{/healthz} and C{/metrics}.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.testing import MemoryReactorClock
from twisted.web.websocket import WebSocketClientEndpoint

from chatd.options import Options
from chatd.tap import makeService
from chatd.web.guard import GuardedSite
from tests.support.browser import TchatClient
from tests.support.daemon import Daemon, startDaemon
from tests.support.websocketclient import TIMEOUT, Client


def test_webListener(tmp_path: Path) -> None:
    """
    C{--web} adds the web listener (port 8080 by default, with the listen
    backlog), C{--web-origins} reaches the Origin check, C{--web none}
    leaves it out.
    """
    for args, expected in [
        ([], (8080, 1024, "")),
        (["--web", "tcp:9000:interface=127.0.0.1"], (9000, 1024, "127.0.0.1")),
    ]:
        args += ["--flood-burst", "7", "--flood-rate", "3", "--data-dir", str(tmp_path)]
        options = Options()
        options.parseOptions([*args, "--web-origins", "https://a.example,https://b.example"])
        memory = MemoryReactorClock()
        top = makeService(options, memory)
        top.startService()
        try:
            [(port, factory, backlog, interface)] = [
                server for server in memory.tcpServers if isinstance(server[1], GuardedSite)
            ]
            assert (port, backlog, interface) == expected
            assert isinstance(factory, GuardedSite)
            check = factory.site.resource.children[b"ws"]
            assert check.allowed == {"https://a.example", "https://b.example"}
            assert (check.wrapped.factory.burst, check.wrapped.factory.rate) == (7, 3.0)
        finally:
            top.stopService()
    options = Options()
    options.parseOptions(["--web", "none", "--data-dir", str(tmp_path)])
    memory = MemoryReactorClock()
    makeService(options, memory).startService()
    assert not [s for s in memory.tcpServers if isinstance(s[1], GuardedSite)]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--web",
        "tcp:0:interface=127.0.0.1",
        factories=("TchatFactory", "GuardedSite", "MetricsSite"),
    )
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest_twisted.ensureDeferred
async def test_websocketOverLoopback(daemon: Daemon) -> None:
    """
    A WebSocket client and a TCHAT client talk through the real daemon.
    """
    url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/ws"
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(Client()))
    connecting.addTimeout(TIMEOUT, reactor)
    web = await connecting
    carol = TchatClient(daemon.ports["TchatFactory"])
    try:
        assert (await web.next("hello"))["server"] == "chatd"
        assert (await web.request(type="login", nick="alice", id=1))["nick"] == "alice"
        assert (await web.request(type="join", room="lobby", id=2))["members"] == ["alice"]
        carol.send("LOGIN carol", "ENTER lobby", "SPEAK lobby", "bonjour", ".")
        assert (await web.next("joined"))["nick"] == "carol"
        message = await web.next("message")
        assert (message["from"], message["text"]) == ("carol", "bonjour")
        reply = await web.request(type="tell", to="carol", text="salut", id=3)
        assert reply["id"] == 3
        assert carol.expect("srv: MSGPV alice")[1:] == ["salut"]

        with urllib.request.urlopen(url.replace("ws:", "http:", 1)[:-3] + "/healthz") as r:
            assert json.loads(r.read())["users"] == 2
        scrape = f"http://127.0.0.1:{daemon.ports['MetricsSite']}/metrics"
        with urllib.request.urlopen(scrape) as r:
            metrics = r.read().decode()
        assert 'chatd_users{protocol="tchat"} 1.0' in metrics
        assert 'chatd_users{protocol="web"} 1.0' in metrics
        assert 'chatd_messages_in_total{kind="room",protocol="tchat"} 1.0' in metrics
    finally:
        carol.close()
        web.transport.loseConnection()
        await web.closed
