"""
QUIT over TLS ends the session at once, against a real C{twistd -n chatd}:
the rooms see the user leave and the nickname is free while the client
still holds its TLS connection open (it never answers the server's close
alert), with the real Debian C{irssi}'s C{/quit}, and with a WebSocket
closed over TLS.

CI installs C{irssi} and C{tmux} (C{.ci/run}).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import struct
import time
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from tests.support.blockingclients import readUntil
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.teardown import Teardown
from tests.support.terminal import expect, startIrssi, tchatUser
from tests.support.tls import makeCertificate


def tlsDaemon(tmp_path: Path, *extra: str) -> Daemon:
    keyPath, certPath = makeCertificate(tmp_path)
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--irc",
        f"ssl:0:interface=127.0.0.1:privateKey={keyPath}:certKey={certPath}",
        "--web",
        f"ssl:0:interface=127.0.0.1:privateKey={keyPath}:certKey={certPath}",
        "--rooms",
        "lobby",
        *extra,
        factories=("TchatFactory", "IRCFactory", "GuardedSite"),
    )


async def watcher(daemon: Daemon) -> LineClient:
    """
    carol, a TCHAT user in C{lobby}.
    """
    return await tchatUser(daemon.ports["TchatFactory"], "LOGIN carol", "ENTER lobby")


def tlsConnect(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname="localhost")


async def loginFreed(daemon: Daemon, nick: str) -> None:
    """
    C{nick} can be taken again at once.
    """
    again = await connectLines(reactor, daemon.ports["TchatFactory"])
    try:
        assert await again.line() == "srv: TCHAT 1"
        again.send(f"clt: LOGIN {nick}")
        assert await again.line() == "srv: OKAY!"
    finally:
        await again.close()


@pytest_twisted.ensureDeferred
async def test_quitWhileTLSHeldOpen(tmp_path: Path) -> None:
    """
    An IRC client over TLS sends QUIT, reads the server's C{ERROR}, and then
    neither closes nor answers the close alert: the room is told it quit
    and its nickname is free all the same.
    """
    daemon = tlsDaemon(tmp_path)
    async with Teardown(daemon) as ending:
        carol = ending.keep(await watcher(daemon))
        sock = ending.keep(await deferToThread(tlsConnect, daemon.ports["IRCFactory"]))
        sock.sendall(b"NICK tlsuser\r\nUSER t 0 * :T\r\nJOIN #lobby\r\n")
        await deferToThread(readUntil, sock, b" 366 ")
        await expect(carol, "srv: ENTER lobby tlsuser ")
        sock.sendall(b"QUIT :see you\r\n")
        closing = await deferToThread(readUntil, sock, b"ERROR")
        assert b"ERROR :Closing Link: 127.0.0.1 (Quit: see you)" in closing
        # The socket stays open on this side: the session must end anyway.
        await expect(carol, "srv: LEAVE lobby tlsuser ")
        await loginFreed(daemon, "tlsuser")


async def admitted(daemon: Daemon) -> bool:
    """
    Whether a new TCHAT connection is let in (not C{ERROR 02}, the server
    full), asked again for up to 30 s while it is refused.
    """
    for _ in range(60):
        client = await connectLines(reactor, daemon.ports["TchatFactory"])
        greeting = await client.line()
        await client.close()
        if greeting == "srv: TCHAT 1":
            return True
        await deferLater(reactor, 0.5, lambda: None)
    return False


@pytest_twisted.ensureDeferred
async def test_quitThenCloseFreesItsPlace(tmp_path: Path) -> None:
    """
    An IRC client over TLS sends QUIT, reads the server's C{ERROR} and
    closes its socket without a close alert (as Python's and many clients'
    TLS do): the server reads that close and the connection ends, so its
    place on a full server is free long before C{--close-grace} (300 s
    here) would cut it.
    """
    daemon = tlsDaemon(tmp_path, "--max-clients", "2", "--close-grace", "300")
    async with Teardown(daemon) as ending:
        ending.keep(await watcher(daemon))
        sock = await deferToThread(tlsConnect, daemon.ports["IRCFactory"])
        sock.sendall(b"NICK tlsuser\r\nUSER t 0 * :T\r\n")
        await deferToThread(readUntil, sock, b" 001 ")
        sock.sendall(b"QUIT :see you\r\n")
        await deferToThread(readUntil, sock, b"ERROR")
        sock.close()
        assert await admitted(daemon)
        assert "not closed in time" not in daemon.logText()


def frame(opcode: int, payload: bytes) -> bytes:
    """
    A client's WebSocket frame (masked, as clients must).
    """
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


@pytest_twisted.ensureDeferred
async def test_websocketCloseOverTLS(tmp_path: Path) -> None:
    """
    A page's WebSocket over TLS sends its close frame and keeps the
    connection open (a browser waits for the server to close TCP): the room
    sees it quit and the nickname is free at once.
    """
    daemon = tlsDaemon(tmp_path)
    async with Teardown(daemon) as ending:
        carol = ending.keep(await watcher(daemon))
        port = daemon.ports["GuardedSite"]
        sock = ending.keep(await deferToThread(tlsConnect, port))
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            f"GET /ws HTTP/1.1\r\nHost: localhost:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: https://localhost:{port}\r\n\r\n".encode()
        )
        await deferToThread(readUntil, sock, b'"hello"')
        for request in ({"type": "login", "nick": "wendy"}, {"type": "join", "room": "lobby"}):
            sock.sendall(frame(1, json.dumps(request).encode()))
        await expect(carol, "srv: ENTER lobby wendy ")
        sock.sendall(frame(8, struct.pack("!H", 1000)))
        # The socket stays open on this side: the session must end anyway.
        await expect(carol, "srv: LEAVE lobby wendy ")
        await loginFreed(daemon, "wendy")


@pytest_twisted.ensureDeferred
async def test_irssiQuitOverTLS(tmp_path: Path) -> None:
    """
    The real irssi over TLS: after C{/quit}, a TCHAT user in the same room
    sees it leave at once, and its nickname is free.
    """
    daemon = tlsDaemon(tmp_path)
    async with Teardown(daemon) as ending:
        carol = ending.keep(await watcher(daemon))
        irssi = ending.keep(startIrssi(tmp_path, "-!"))
        await irssi.waitFor("Irssi")
        port = daemon.ports["IRCFactory"]
        await irssi.type(f"/connect -tls -notls_verify 127.0.0.1 {port}")
        await irssi.waitFor("Welcome to the chatd IRC network")
        await irssi.type("/join #lobby")
        await expect(carol, "srv: ENTER lobby irssiuser ")
        started = time.monotonic()
        await irssi.type("/quit leaving now", pause=0)
        left = (await expect(carol, "srv: LEAVE lobby irssiuser "))[-1]
        # irssi itself hangs up only some seconds after its QUIT.
        assert time.monotonic() - started < 4, left
        await loginFreed(daemon, "irssiuser")
