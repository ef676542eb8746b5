"""
The real C{twistd -n chatd} behind a real nginx as an HTTP reverse proxy
(C{proxy_pass} with C{X-Forwarded-For} and C{X-Forwarded-Proto}), as
docs/WEB.md sets it up, with C{--web-trusted-proxies 127.0.0.1}: each
WebSocket is counted, limited and logged under its browser's address, and
a page served over https is the same origin as its WebSocket.  Clients bind to other loopback
addresses; nginx connects from 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
from pathlib import Path

import pytest

from tests.support.balancers import nginxHTTP, whyNoNginxHTTP
from tests.support.blockingclients import dial, firstLine, readUntil
from tests.support.daemon import startDaemon
from tests.support.tls import makeCertificate


def upgrade(
    port: int, source: str, extra: str = "", context: ssl.SSLContext | None = None
) -> socket.socket:
    """
    A WebSocket handshake to C{port} from C{source} (over TLS with
    C{context}); the connection, its answer's first line unread.
    """
    connection = dial(port, source)
    if context is not None:
        connection = context.wrap_socket(connection)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\n{extra}\r\n".encode()
    )
    return connection


def logIn(connection: socket.socket, nick: str) -> None:
    request = json.dumps({"type": "login", "nick": nick, "id": 1}).encode()
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(request))
    connection.sendall(bytes([0x81, 0x80 | len(request)]) + mask + masked)
    assert f'"nick":"{nick}"'.encode() in readUntil(connection, b'"type":"login"')


@pytest.mark.skipif(whyNoNginxHTTP() is not None, reason=str(whyNoNginxHTTP()))
def test_webBehindHTTPProxy(tmp_path: Path) -> None:
    """
    Behind nginx, a browser's WebSocket is logged under its own address and
    its second one is over its limit of one (told so: code 4), while another browser
    gets in; the page is still served to the first.  A client reaching the
    daemon directly cannot choose its address with C{X-Forwarded-For}.
    """
    daemon = startDaemon(
        tmp_path,
        *("--web", "tcp:0:interface=127.0.0.1", "--web-trusted-proxies", "127.0.0.1"),
        *("--max-per-address", "1", "--limit-exempt", ""),
        factories=("GuardedSite",),
    )
    back = daemon.ports["GuardedSite"]
    try:
        with nginxHTTP(tmp_path, back) as front:
            with upgrade(front, "127.0.0.7") as first:
                assert firstLine(first).startswith(b"HTTP/1.1 101 ")
                logIn(first, "webby")
                with upgrade(front, "127.0.0.7") as second:
                    told = readUntil(second, b"from your address")
                    assert told.startswith(b"HTTP/1.1 101 ") and b'"code":4' in told, told
                with upgrade(front, "127.0.0.8") as other:
                    assert firstLine(other).startswith(b"HTTP/1.1 101 ")
                    logIn(other, "other")
                with dial(front, "127.0.0.7") as page:
                    page.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{front}\r\n\r\n".encode())
                    assert firstLine(page).startswith(b"HTTP/1.1 200 ")
            with upgrade(back, "127.0.0.9", "X-Forwarded-For: 192.0.2.66\r\n") as direct:
                assert firstLine(direct).startswith(b"HTTP/1.1 101 ")
                logIn(direct, "direct")
        log = daemon.logText()
        assert "webby logged in from 127.0.0.7 over web" in log
        assert "other logged in from 127.0.0.8 over web" in log
        assert "direct logged in from 127.0.0.9 over web" in log
        assert "address-limited connection from 127.0.0.7 refused" in log
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@pytest.mark.skipif(whyNoNginxHTTP() is not None, reason=str(whyNoNginxHTTP()))
def test_pageOverHTTPSBehindProxy(tmp_path: Path) -> None:
    """
    Behind nginx ending TLS (C{X-Forwarded-Proto $scheme}), a page served
    over https opens its WebSocket with no C{--web-origins}: its origin
    C{https://host} is the same as the request's, as the trusted proxy says.
    A client reaching the daemon directly and claiming https is refused.
    """
    daemon = startDaemon(
        tmp_path,
        *("--web", "tcp:0:interface=127.0.0.1", "--web-trusted-proxies", "127.0.0.1"),
        factories=("GuardedSite",),
    )
    back = daemon.ports["GuardedSite"]
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with nginxHTTP(tmp_path, back, makeCertificate(tmp_path)) as front:
            origin = f"Origin: https://127.0.0.1:{front}\r\n"
            with upgrade(front, "127.0.0.7", origin, context) as page:
                assert firstLine(page).startswith(b"HTTP/1.1 101 ")
                logIn(page, "secure")
        claimed = f"Origin: https://127.0.0.1:{back}\r\nX-Forwarded-Proto: https\r\n"
        with upgrade(back, "127.0.0.9", claimed) as direct:
            assert firstLine(direct).startswith(b"HTTP/1.1 403 ")
        assert "secure logged in from 127.0.0.7 over web" in daemon.logText()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
