"""
The real daemon's admin telnet console before login: a stray C{IAC} is
dropped with no traceback in the log, and a connection that does not log
in within C{--admin-login-timeout} is told and closed.  Blocking sockets,
as in tests/integration/test_admin_live.py.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.support.daemon import startDaemon

TIMEOUT = 10.0
LOCAL = "tcp:0:interface=127.0.0.1"


def readUntil(sock: socket.socket, marker: bytes) -> bytes:
    """
    What the server sends up to and including C{marker}, or up to the
    close (then without it).
    """
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while marker not in data and time.monotonic() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_strayIACAndLoginTimeout(tmp_path: Path) -> None:
    """
    C{IAC A} inside the user name is dropped and the prompt goes on; after
    one second (the option) at the password prompt the console says
    "Login timed out." and closes; the log has no traceback.
    """
    daemon = startDaemon(
        tmp_path,
        "--data-dir",
        str(tmp_path / "data"),
        "--port",
        LOCAL,
        "--admin",
        LOCAL,
        "--admin-login-timeout",
        "1",
        factories=("TchatFactory", "AdminTelnetFactory"),
    )
    try:
        with socket.create_connection(
            ("127.0.0.1", daemon.ports["AdminTelnetFactory"]), timeout=TIMEOUT
        ) as sock:
            assert b"Username: " in readUntil(sock, b"Username: ")
            sock.sendall(b"ro\xffAot\r\n")
            assert b"Password: " in readUntil(sock, b"Password: ")
            rest = readUntil(sock, b"\x00never")  # until the server closes
            assert b"Login timed out." in rest
            assert sock.recv(1) == b""  # closed (a timeout would raise)
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "Traceback" not in log and "Stumped" not in log, log


def test_sshLoginTimeout(tmp_path: Path) -> None:
    """
    An SSH client that connects to the console and never logs in (here:
    never even starts key exchange) is disconnected after
    C{--admin-login-timeout} seconds; the log has no traceback.
    """
    daemon = startDaemon(
        tmp_path,
        "--data-dir",
        str(tmp_path / "data"),
        "--port",
        LOCAL,
        "--admin-ssh",
        LOCAL,
        "--admin-login-timeout",
        "1",
        factories=("TchatFactory", "AdminSSHFactory"),
    )
    try:
        with socket.create_connection(
            ("127.0.0.1", daemon.ports["AdminSSHFactory"]), timeout=TIMEOUT
        ) as sock:
            sock.sendall(b"SSH-2.0-test\r\n")
            seen = readUntil(sock, b"\x00never")  # until the server closes
            assert seen.startswith(b"SSH-2.0-"), seen
            assert sock.recv(1) == b""  # closed (a timeout would raise)
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "Traceback" not in log, log
