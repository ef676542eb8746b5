"""
The real daemon carries out what a WebSocket client sent just before it
closed: a registered account's announcement bot that sends its login, a
new room, a message and its close frame at once, then goes.
"""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor, threads
from twisted.internet.task import deferLater
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, TextMessage

from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, spoken, webLogin
from tests.support.webclient import handshake

#: What the bot sends, all at once, before its close frame.
ANNOUNCEMENT = [
    {"type": "login", "nick": "pupil7", "password": "secretpw", "id": 1},
    {"type": "create", "room": "news", "id": 2},
    {"type": "join", "room": "lobby", "id": 3},
    {"type": "say", "room": "lobby", "text": "bot says P1", "id": 4},
]


def announce(port: int, waitForClose: bool) -> bytes:
    """
    Open the page's WebSocket, send L{ANNOUNCEMENT} and a close frame in one
    write; then close the socket at once, or (C{waitForClose}) read until
    the server closes (10 s at most).  What the server sent.
    """
    client = Connection(ConnectionType.CLIENT)
    frames = b"".join(client.send(TextMessage(json.dumps(r))) for r in ANNOUNCEMENT)
    frames += client.send(CloseConnection(1000))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(handshake(b"127.0.0.1"))
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(4096)
        sock.sendall(frames)
        while waitForClose and (chunk := sock.recv(4096)):
            received += chunk
    return received


async def lobbyHistory(daemon: Daemon) -> list[str]:
    """What a TCHAT reader finds in the lobby's history."""
    reader = await connect(daemon)
    try:
        assert (await command(reader, "clt: LOGIN reader"))[-1] == "srv: OKAY!"
        assert (await command(reader, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        return spoken(await command(reader, "clt: HISTO lobby 10"))
    finally:
        await reader.close()


@pytest.mark.parametrize("waitForClose", [True, False], ids=["closeHandshake", "socketClosed"])
@pytest_twisted.ensureDeferred
async def test_announcedThenClosed(tmp_path: Path, waitForClose: bool) -> None:
    """
    A registered account's login, a new room, a message and the close
    frame, sent at once over loopback: the message is in the lobby's
    history, whether the client waits for the close handshake or closes
    its socket at once.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        factories=("TchatFactory", "GuardedSite"),
    )
    try:
        owner = await webLogin(daemon, "pupil7")
        registered = await owner.request(type="register", password="secretpw", id=2)
        assert registered["type"] == "register", registered
        owner.transport.loseConnection()
        await owner.closed
        port = daemon.ports["GuardedSite"]
        await threads.deferToThread(announce, port, waitForClose)
        history: list[str] = []
        for _ in range(50):  # the server carries it out after the client went
            history = await lobbyHistory(daemon)
            if history:
                break
            await deferLater(reactor, 0.1)
        assert history == ["bot says P1"]
    finally:
        daemon.stop(signal.SIGTERM)
    assert "Traceback" not in daemon.logText()
