"""
The login timeout in the real C{twistd -n chatd}, over loopback sockets:
silent TCHAT connections that filled C{--max-clients} are closed at the
deadline, and a newcomer then gets in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import TIMEOUT, connectLines

#: Few enough for the test, filled by silent connections.
MAX_CLIENTS = 3


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """
    A daemon with a TCHAT listener only, room for 3 connections, and a
    1-second login timeout.
    """
    started = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        *("--web", "off", "--irc", "off", "--talk", "off", "--admin", "off"),
        *("--metrics", "off"),
        *("--max-clients", str(MAX_CLIENTS), "--login-timeout", "1"),
    )
    yield started
    started.stop()
    assert "Traceback" not in started.logText()


@pytest_twisted.ensureDeferred
async def test_silentConnectionsClosed(daemon: Daemon) -> None:
    """
    Connections that never log in hold every place only until the login
    timeout: each is told C{srv: ERROR 01} and closed, and a new user
    then logs in.
    """
    port = daemon.ports["TchatFactory"]
    silent = [await connectLines(reactor, port) for _ in range(MAX_CLIENTS)]
    for client in silent:
        assert await client.line() == "srv: TCHAT 1"
    refused = await connectLines(reactor, port)
    assert await refused.line() == "srv: ERROR 02"  # the chat is full
    await refused.closed.addTimeout(TIMEOUT, reactor)
    for client in silent:
        assert await client.line() == "srv: ERROR 01"
        await client.closed.addTimeout(TIMEOUT, reactor)
    newcomer = await connectLines(reactor, port)
    assert await newcomer.line() == "srv: TCHAT 1"
    newcomer.send("clt: LOGIN pupil")
    assert await newcomer.line() == "srv: OKAY!"
    await newcomer.close()
    assert "did not log in within 1 s over tchat: closed" in daemon.logText()
