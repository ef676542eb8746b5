"""
TLS listeners and clients that offer ALPN, as browsers, curl and
C{openssl s_client -alpn} do: the real daemon, real handshakes on
127.0.0.1.  The web agrees to HTTP/1.1; a line listener, which negotiates
nothing, answers without ALPN; neither fails the handshake.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon, startDaemon
from tests.support.tls import makeCertificate

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    workdir = tmp_path_factory.mktemp("alpn")
    key, cert = makeCertificate(workdir)
    tls = f"ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}"
    running = startDaemon(
        workdir,
        *("--port", tls, "--irc", tls, "--web", tls, "--admin", tls),
        factories=("TchatFactory", "IRCFactory", "GuardedSite", "AdminTelnetFactory"),
    )
    yield running
    running.stop()


def connect(port: int, protocols: list[str]) -> ssl.SSLSocket:
    """
    A TLS connection offering C{protocols} by ALPN.
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(protocols)
    return context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))


def received(sock: ssl.SSLSocket, mark: bytes) -> bytes:
    data = b""
    while mark not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_webOverALPN(daemon: Daemon) -> None:
    """
    A browser's offer (h2, then http/1.1) gets HTTP/1.1, and HTTP works;
    an offer of h2 alone gets no ALPN, and HTTP/1.1 still works.
    """
    port = daemon.ports["GuardedSite"]
    for protocols, chosen in ((["h2", "http/1.1"], "http/1.1"), (["h2"], None)):
        with connect(port, protocols) as sock:
            assert sock.selected_alpn_protocol() == chosen
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = received(sock, b'"status": "ok"')
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert b'"status": "ok"' in answer


@pytest.mark.parametrize("factory", ["IRCFactory", "TchatFactory", "AdminTelnetFactory"])
def test_lineListenerIgnoresALPN(daemon: Daemon, factory: str) -> None:
    """
    A line listener completes the handshake without ALPN whatever is
    offered; IRC then registers a client as without TLS.
    """
    with connect(daemon.ports[factory], ["http/1.1", "irc"]) as sock:
        assert sock.selected_alpn_protocol() is None
        if factory == "IRCFactory":
            sock.sendall(b"NICK alpn\r\nUSER alpn 0 * :ALPN\r\n")
            assert b" 001 alpn " in received(sock, b" 001 ")


def test_opensslClient(daemon: Daemon) -> None:
    """
    C{openssl s_client -alpn http/1.1}, as the operator checks a port.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command")
    port = daemon.ports["GuardedSite"]
    result = subprocess.run(
        [openssl, "s_client", "-ign_eof", "-alpn", "http/1.1", "-connect", f"127.0.0.1:{port}"],
        input="GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "ALPN protocol: http/1.1" in result.stdout, result.stderr
    assert '"status": "ok"' in result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium")
def test_chromium(daemon: Daemon, tmp_path: Path) -> None:
    """
    Headless Chromium fetches C{/healthz} over the TLS web listener.
    """
    assert CHROMIUM is not None
    port = daemon.ports["GuardedSite"]
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--ignore-certificate-errors",
            f"--user-data-dir={tmp_path}",
            "--dump-dom",
            f"https://127.0.0.1:{port}/healthz",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert '"status": "ok"' in result.stdout, result.stderr[-2000:]
