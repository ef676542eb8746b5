"""
The web page under the default connection limits, in the real C{twistd -n
chatd} over loopback: two browsers behind one address (two pupils behind one
NAT, or two tabs) load the page at once, each over several keep-alive
connections, and both open their WebSocket.  Only the WebSockets are chat
connections, counted against C{--max-per-address} (docs/SECURITY.md).
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.blockingclients import dial, firstLine
from tests.support.daemon import loopbackDaemon

TIMEOUT = 10.0
#: The page and some of its files, fetched as a browser does, over each of
#: a browser's six HTTP connections.
FILES = ("/", "/style.css", "/app.js", "/net.js", "/state.js", "/view.js", "/log.js")


def loadPage(port: int) -> list[http.client.HTTPConnection]:
    """
    Open six keep-alive connections at once and fetch the page's files over
    each; the connections, left open as a browser leaves them.
    """

    def fetch(_: int) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        for path in FILES:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, (path, response.status, body)
        return connection

    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(fetch, range(6)))


def openSocket(port: int) -> socket.socket:
    """
    The page's WebSocket: its handshake answered 101.
    """
    connection = dial(port)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    status = firstLine(connection)
    assert status.startswith(b"HTTP/1.1 101 "), status
    return connection


def test_twoBrowsersOneAddress(tmp_path: Path) -> None:
    """
    Two browsers on 127.0.0.1 load the page in parallel (twelve HTTP
    connections, more than C{--max-per-address}'s 10) and each then opens
    its WebSocket: every file is served and both WebSockets are accepted.
    """
    daemon = loopbackDaemon(tmp_path, "--limit-exempt", "")
    port = daemon.ports["GuardedSite"]
    held: list[http.client.HTTPConnection] = []
    sockets: list[socket.socket] = []
    try:
        with ThreadPoolExecutor(2) as pool:
            for connections in pool.map(loadPage, [port, port]):
                held.extend(connections)
        sockets = [openSocket(port) for _ in range(2)]
    finally:
        for connection in held:
            connection.close()
        for ws in sockets:
            ws.close()
        daemon.stop()
    log = daemon.logText()
    assert "limited connection from" not in log
    assert "Traceback" not in log
