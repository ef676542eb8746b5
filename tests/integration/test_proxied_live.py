"""
The real C{twistd -n chatd} behind a real HAProxy in TCP mode, as a cluster's
nodes sit behind their load balancer: with C{haproxy:} listeners, each
connection is counted, limited and logged under its client's address, not
HAProxy's.  Clients bind to other loopback addresses (127.0.0.0/8 is all
loopback on Linux), so HAProxy, which always connects from 127.0.0.1, is
told, and tells chatd, who they are.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.balancers import haproxy, nginxStream, whyNoHAProxy, whyNoNginx
from tests.support.blockingclients import dial, firstLine, readUntil
from tests.support.daemon import Daemon, startDaemon
from tests.support.tls import makeCertificate

TIMEOUT = 10.0
PROXIED = "haproxy:tcp:0:interface=127.0.0.1"

needsHAProxy = pytest.mark.skipif(whyNoHAProxy() is not None, reason=str(whyNoHAProxy()))


@pytest.fixture
def balanced(tmp_path: Path) -> Iterator[tuple[Daemon, dict[str, int]]]:
    """
    A daemon allowing 2 connections per address, its TCHAT, IRC and talk
    (TLS) listeners behind HAProxy: TCHAT's with version 1 headers, IRC's
    and talk's with version 2.  Yields the daemon and HAProxy's port for
    each listener.
    """
    key, cert = makeCertificate(tmp_path)
    daemon = startDaemon(
        tmp_path,
        "--port",
        PROXIED,
        "--irc",
        PROXIED,
        "--talk",
        f"haproxy:ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}",
        "--max-per-address",
        "2",
        "--limit-exempt",
        "",
        factories=("TchatFactory", "IRCFactory", "TalkFactory"),
    )
    headers = {
        daemon.ports["TchatFactory"]: "send-proxy",
        daemon.ports["IRCFactory"]: "send-proxy-v2",
        daemon.ports["TalkFactory"]: "send-proxy-v2",
    }
    try:
        with haproxy(tmp_path, headers) as fronts:
            yield (
                daemon,
                {name: fronts[port] for name, port in daemon.ports.items() if port in fronts},
            )
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@needsHAProxy
def test_eachClientCountedUnderItsAddress(balanced: tuple[Daemon, dict[str, int]]) -> None:
    """
    Behind HAProxy, one address's third connection is refused, while a
    client from another address gets in and is logged under its own
    address; without the PROXY header all of them would be HAProxy's.
    """
    daemon, fronts = balanced
    held = [dial(fronts["TchatFactory"], "127.0.0.5") for _ in range(2)]
    for connection in held:
        assert firstLine(connection) == b"srv: TCHAT 1\n"
    with dial(fronts["TchatFactory"], "127.0.0.5") as third:
        assert firstLine(third) == b"srv: ERROR 04\n"
    with dial(fronts["TchatFactory"], "127.0.0.6") as other:
        assert firstLine(other) == b"srv: TCHAT 1\n"
        other.sendall(b"clt: LOGIN bob\n")
        assert firstLine(other) == b"srv: OKAY!\n"
    assert "bob logged in from 127.0.0.6 over tchat" in daemon.logText()
    assert "address-limited connection from 127.0.0.5 refused" in daemon.logText()
    for connection in held:
        connection.close()


@needsHAProxy
@pytest.mark.parametrize("header", ["send-proxy", "send-proxy-v2"])
def test_healthChecksCountAgainstNoLimit(tmp_path: Path, header: str) -> None:
    """
    HAProxy's health checks (C{check}: version 2 C{LOCAL}; version 1, a
    header naming HAProxy's own connection), ten a second for two seconds,
    count against no limit of the balancer's address and are not logged: a
    client at that address still gets in.
    """
    daemon = startDaemon(
        tmp_path,
        *("--port", PROXIED, "--connects-per-minute", "3", "--limit-exempt", ""),
        factories=("TchatFactory",),
    )
    try:
        backs = {daemon.ports["TchatFactory"]: header}
        with haproxy(tmp_path, backs, "check inter 100ms") as fronts:
            time.sleep(2)  # twenty checks
            with dial(fronts[daemon.ports["TchatFactory"]]) as client:
                assert firstLine(client) == b"srv: TCHAT 1\n"
    finally:
        daemon.stop()
    assert "refusing" not in daemon.logText()
    assert "Traceback" not in daemon.logText()


@needsHAProxy
def test_ircVersion2(balanced: tuple[Daemon, dict[str, int]]) -> None:
    """
    IRC behind a balancer that sends version 2 headers: the client is
    welcomed and recorded under its own address.
    """
    daemon, fronts = balanced
    with dial(fronts["IRCFactory"], "127.0.0.7") as irc:
        irc.sendall(b"NICK zed\r\nUSER zed 0 * :Zed\r\n")
        assert b" 001 zed " in readUntil(irc, b" 376 zed ")
    assert "zed logged in from 127.0.0.7 over irc" in daemon.logText()


@needsHAProxy
def test_tlsBehindHeader(balanced: tuple[Daemon, dict[str, int]]) -> None:
    """
    HAProxy passes TLS through untouched after its header: the talk
    listener reads the header, then makes the TLS handshake.
    """
    daemon, fronts = balanced
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with context.wrap_socket(dial(fronts["TalkFactory"], "127.0.0.8")) as talk:
        banner = readUntil(talk, b":")  # the name prompt
        assert banner, "no banner over TLS"
        talk.sendall(b"carol\r\n")
        readUntil(talk, b"carol")
    assert "carol logged in from 127.0.0.8 over talk" in daemon.logText()


@needsHAProxy
def test_directConnectionRefused(balanced: tuple[Daemon, dict[str, int]]) -> None:
    """
    A client that reaches the node's port without the balancer is told
    what the port expects and closed; the daemon goes on serving.
    """
    daemon, fronts = balanced
    with dial(daemon.ports["TchatFactory"], "127.0.0.9") as direct:
        direct.sendall(b"clt: LOGIN mallory\n")
        assert firstLine(direct).startswith(b"this port takes connections from a load balancer")
        assert direct.recv(100) == b""
    with dial(fronts["TchatFactory"], "127.0.0.9") as proper:
        assert firstLine(proper) == b"srv: TCHAT 1\n"


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@pytest.mark.skipif(whyNoNginx() is not None, reason=str(whyNoNginx()))
def test_webBehindNginx(tmp_path: Path) -> None:
    """
    The web page's WebSocket behind nginx's C{stream} module, which ends
    TLS and sends a PROXY header: the login is recorded under the client's
    address, and the per-address limit counts it, not nginx.
    """
    daemon = startDaemon(
        tmp_path,
        "--web",
        PROXIED,
        "--max-per-address",
        "1",
        "--limit-exempt",
        "",
        factories=("GuardedSite",),
    )
    try:
        tls = makeCertificate(tmp_path)
        with nginxStream(tmp_path, [daemon.ports["GuardedSite"]], tls) as fronts:
            front = fronts[daemon.ports["GuardedSite"]]
            with unverified().wrap_socket(dial(front, "127.0.0.7")) as web:
                key = base64.b64encode(os.urandom(16)).decode()
                web.sendall(
                    f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{front}\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n".encode()
                )
                assert firstLine(web).startswith(b"HTTP/1.1 101 ")
                request = json.dumps({"type": "login", "nick": "webby", "id": 1}).encode()
                mask = os.urandom(4)
                masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(request))
                web.sendall(bytes([0x81, 0x80 | len(request)]) + mask + masked)
                assert b'"nick":"webby"' in readUntil(web, b'"type":"login"')
                # A second WebSocket from the same address is over its limit of
                # one; the page, not a chat connection, is still served.
                with unverified().wrap_socket(dial(front, "127.0.0.7")) as second:
                    second.sendall(
                        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{front}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
                    )
                    told = readUntil(second, b"from your address")
                    assert told.startswith(b"HTTP/1.1 101 ") and b'"code":4' in told, told
                with unverified().wrap_socket(dial(front, "127.0.0.7")) as page:
                    page.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{front}\r\n\r\n".encode())
                    assert firstLine(page).startswith(b"HTTP/1.1 200 ")
        assert "webby logged in from 127.0.0.7 over web" in daemon.logText()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@needsHAProxy
@pytest.mark.parametrize("header", ["send-proxy", "send-proxy-v2"])
def test_webHealthChecksCountAgainstNoLimit(tmp_path: Path, header: str) -> None:
    """
    As for TCHAT, HAProxy's health checks of a C{haproxy:} web listener
    count against no limit of the balancer's address: a browser at that
    address still gets the page, not a refusal.
    """
    daemon = startDaemon(
        tmp_path,
        *("--web", PROXIED, "--connects-per-minute", "3", "--limit-exempt", ""),
        factories=("GuardedSite",),
    )
    try:
        backs = {daemon.ports["GuardedSite"]: header}
        with haproxy(tmp_path, backs, "check inter 100ms") as fronts:
            time.sleep(2)  # twenty checks
            front = fronts[daemon.ports["GuardedSite"]]
            with dial(front) as client:
                client.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{front}\r\n\r\n".encode())
                assert firstLine(client).startswith(b"HTTP/1.1 200 ")
    finally:
        daemon.stop()
    assert "refusing" not in daemon.logText()
    assert "Traceback" not in daemon.logText()
