"""
The real C{twistd -n chatd} behind a real HAProxy in TCP mode, as a cluster's
nodes sit behind their load balancer: with C{haproxy:} listeners, each
connection is counted, limited and logged under its client's address, not
HAProxy's.  Clients bind to other loopback addresses (127.0.0.0/8 is all
loopback on Linux), so HAProxy, which always connects from 127.0.0.1, is
told, and tells chatd, who they are.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon, startDaemon
from tests.support.haproxy import haproxy, whyNoHAProxy
from tests.support.tls import makeCertificate

TIMEOUT = 10.0
PROXIED = "haproxy:tcp:0:interface=127.0.0.1"

pytestmark = pytest.mark.skipif(whyNoHAProxy() is not None, reason=str(whyNoHAProxy()))


def dial(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), TIMEOUT, source_address=(source, 0))


def readLine(connection: socket.socket | ssl.SSLSocket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def readUntil(connection: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


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


def test_eachClientCountedUnderItsAddress(balanced: tuple[Daemon, dict[str, int]]) -> None:
    """
    Behind HAProxy, one address's third connection is refused, while a
    client from another address gets in and is logged under its own
    address; without the PROXY header all of them would be HAProxy's.
    """
    daemon, fronts = balanced
    held = [dial(fronts["TchatFactory"], "127.0.0.5") for _ in range(2)]
    for connection in held:
        assert readLine(connection) == b"srv: TCHAT 1\n"
    with dial(fronts["TchatFactory"], "127.0.0.5") as third:
        assert readLine(third) == b"srv: ERROR 04\n"
    with dial(fronts["TchatFactory"], "127.0.0.6") as other:
        assert readLine(other) == b"srv: TCHAT 1\n"
        other.sendall(b"clt: LOGIN bob\n")
        assert readLine(other) == b"srv: OKAY!\n"
    assert "bob logged in from 127.0.0.6 over tchat" in daemon.logText()
    assert "refusing new connections from 127.0.0.5 (address limit)" in daemon.logText()
    for connection in held:
        connection.close()


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


def test_directConnectionRefused(balanced: tuple[Daemon, dict[str, int]]) -> None:
    """
    A client that reaches the node's port without the balancer is told
    what the port expects and closed; the daemon goes on serving.
    """
    daemon, fronts = balanced
    with dial(daemon.ports["TchatFactory"], "127.0.0.9") as direct:
        direct.sendall(b"clt: LOGIN mallory\n")
        assert readLine(direct).startswith(b"this port takes connections from a load balancer")
        assert direct.recv(100) == b""
    with dial(fronts["TchatFactory"], "127.0.0.9") as proper:
        assert readLine(proper) == b"srv: TCHAT 1\n"
