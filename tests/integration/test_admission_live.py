"""
The connection limits and the HTTP bounds in the real C{twistd -n chatd},
over loopback sockets, as a stranger's probe would meet them.  Linux routes
all of 127.0.0.0/8 to loopback, so a client bound to 127.0.0.2 is another
address.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.web.websocket import WebSocketClientEndpoint

from tests.support.blockingclients import dial, firstLine
from tests.support.daemon import Daemon, startDaemon
from tests.support.websocketclient import Client

TIMEOUT = 10.0
FACTORIES = ("TchatFactory", "IRCFactory", "TalkFactory", "GuardedSite")


def readAll(connection: socket.socket) -> bytes:
    """
    Everything the server sends until it closes the connection.
    """
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    connection.close()
    return data


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Daemon]:
    """
    A daemon allowing 3 connections per address; 127.0.0.3 is exempt.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--max-per-address",
        "3",
        "--limit-exempt",
        "127.0.0.3",
        "--web-metrics",
        factories=FACTORIES,
    )
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_perAddressLimit(limited: Daemon) -> None:
    """
    An address holding 3 connections is refused on every protocol, each in
    its own words; another address still gets in, and an exempt one is not
    limited.
    """
    ports = limited.ports
    held = [dial(ports["TchatFactory"]) for _ in range(3)]
    for connection in held:
        assert firstLine(connection) == b"srv: TCHAT 1\n"
    assert readAll(dial(ports["TchatFactory"])) == b"srv: ERROR 04\n"
    assert readAll(dial(ports["IRCFactory"])) == (
        b"ERROR :Closing Link: 127.0.0.1 (too many connections from your address)\r\n"
    )
    assert b"too many connections are open from your address" in readAll(dial(ports["TalkFactory"]))
    page = dial(ports["GuardedSite"])  # the page is not a chat connection: served
    page.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert readAll(page).startswith(b"HTTP/1.1 200 OK\r\n")
    web = dial(ports["GuardedSite"])
    web.sendall(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    # Upgraded, to be told why in the protocol's own words (a page cannot
    # see a refused handshake's status), then closed 1013: try again later.
    response = readAll(web)
    assert response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"), response
    told = b'{"type":"error","code":4,"text":"too many connections from your address"}'
    assert response.endswith(told + b"\x88\x02\x03\xf5"), response

    other = dial(ports["TchatFactory"], "127.0.0.2")
    assert firstLine(other) == b"srv: TCHAT 1\n"
    other.sendall(b"clt: LOGIN newcomer\n")
    assert firstLine(other) == b"srv: OKAY!\n"
    exempt = [dial(ports["TchatFactory"], "127.0.0.3") for _ in range(5)]
    for connection in exempt:
        assert firstLine(connection) == b"srv: TCHAT 1\n"

    metrics = dial(ports["GuardedSite"], "127.0.0.2")
    metrics.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    scraped = readAll(metrics)
    assert b'chatd_refused_connections_total{reason="address"} 4.0' in scraped
    assert b"chatd_admitted_connections 9.0" in scraped  # 3 + 1 + 5: not the scrape
    for connection in [*held, other, *exempt]:
        connection.close()
    # A line each for the first refusals of a minute (then one of how many more).
    text = "address-limited connection from 127.0.0.1 refused (--max-per-address 3 open)"
    assert limited.logText().count(text) == 4


def test_newConnectionsPerMinute(tmp_path: Path) -> None:
    """
    An address that opened its allowance of connections this minute is
    refused the next, even with all the earlier ones closed.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--max-per-address",
        "0",
        "--connects-per-minute",
        "3",
        "--limit-exempt",
        "",
    )
    try:
        port = daemon.ports["TchatFactory"]
        for _ in range(3):
            connection = dial(port)
            assert firstLine(connection) == b"srv: TCHAT 1\n"
            connection.close()
        assert readAll(dial(port)) == b"srv: ERROR 04\n"
        with dial(port, "127.0.0.2") as other:
            assert firstLine(other) == b"srv: TCHAT 1\n"
    finally:
        daemon.stop()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Daemon]:
    daemon = startDaemon(
        tmp_path,
        "--http-header-timeout",
        "1",
        factories=("GuardedSite",),
    )
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


def request(daemon: Daemon, data: bytes) -> bytes:
    connection = dial(daemon.ports["GuardedSite"])
    connection.sendall(data)
    return readAll(connection)


def test_httpBounds(web: Daemon) -> None:
    """
    Headers that never end are cut off at the deadline; a body is refused
    before it is sent; malformed handshakes get a 400, and no traceback
    reaches the log (checked by the fixture).
    """
    slow = dial(web.ports["GuardedSite"])
    slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    assert readAll(slow).startswith(b"HTTP/1.1 408 Request Timeout\r\n")

    post = dial(web.ports["GuardedSite"])
    post.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n")
    response = post.recv(65536)  # answered before a byte of the body was sent
    assert response.startswith(b"HTTP/1.1 413 Content Too Large\r\n"), response
    post.close()

    response = request(web, b"GET /ws HTTP/1.0\r\n\r\n")
    assert response.startswith(b"HTTP/1.0 400 Bad Request\r\n"), response
    response = request(
        web,
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade, close\r\nSec-WebSocket-Key: abc\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n",
    )
    assert response.startswith(b"HTTP/1.1 400 Bad Request\r\n"), response
    assert response.endswith(b"Sec-WebSocket-Key must be the base64 encoding of 16 bytes\n")


@pytest_twisted.ensureDeferred
async def test_oddJSON(web: Daemon) -> None:
    """
    Deeply nested JSON and non-finite numbers get error frames; the
    connection goes on.
    """
    url = f"ws://127.0.0.1:{web.ports['GuardedSite']}/ws"
    connecting = Deferred.fromCoroutine(WebSocketClientEndpoint.new(reactor, url).connect(Client()))
    connecting.addTimeout(TIMEOUT, reactor)
    client = await connecting
    try:
        await client.next("hello")
        for text, reason in [
            ("[" * 5000, "JSON nested too deeply"),
            ('{"type":"ping","id":1e999}', "numbers must be finite"),
            ('{"type":"ping","id":NaN}', "NaN is not a JSON number"),
        ]:
            client.transport.sendTextMessage(text)
            error = await client.next("error")
            assert (error["code"], error["text"]) == (10, reason)
            assert "id" not in error
        assert (await client.request(type="ping", id=1))["id"] == 1
    finally:
        client.transport.loseConnection()
        await client.closed
