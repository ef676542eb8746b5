"""
Accounts flagged admin, end to end against a real C{twistd -n chatd}: an
account registered over TCHAT, flagged from the telnet console by an
administrator of the password file, then logging into the console itself.

These tests block (a subprocess and plain sockets); none uses the reactor.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from chatd.admin.credentials import setPassword
from tests.daemon import startDaemon
from tests.test_admin_live import LOCAL, PASSWORD, TIMEOUT, LineSocket, telnetLogin

PROMPT = b"chatd> "


class TelnetConsole:
    """
    A logged-in telnet console session over a plain socket (no telnet
    option agreed, as netcat would).
    """

    def __init__(self, port: int, name: str, password: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.readUntil(b"Username: ")
        self.sock.sendall(name.encode() + b"\r\n")
        self.readUntil(b"Password: ")
        self.sock.sendall(password.encode() + b"\r\n")
        banner = self.readUntil(PROMPT)
        assert f"You are {name}.".encode() in banner, banner

    def readUntil(self, marker: bytes) -> bytes:
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while marker not in received:
            assert time.monotonic() < deadline, received
            chunk = self.sock.recv(4096)
            assert chunk, received
            received += chunk
        return received

    def run(self, line: str) -> str:
        """
        Type C{line}; return what the console showed up to the next prompt.
        """
        self.sock.sendall(line.encode("utf-8") + b"\r\n")
        return self.readUntil(PROMPT).decode("utf-8", "replace")

    def closed(self) -> bool:
        """
        Whether the console closes the connection (within the deadline).
        """
        try:
            while self.sock.recv(4096):
                pass
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.sock.close()


def register(port: int, nick: str, password: str) -> None:
    """
    Log in to TCHAT as C{nick} and register the name with C{password}.
    """
    client = LineSocket(port)
    try:
        assert client.line() == "srv: TCHAT 1"
        client.send(f"clt: LOGIN {nick}")
        assert client.reply() == "srv: OKAY!"
        client.send(f"clt: REGIS {password}")
        assert client.reply() == "srv: OKAY!"
    finally:
        client.close()


def test_accountFlaggedAdmin(tmp_path: Path) -> None:
    """
    An account registered over TCHAT cannot log into the console until an
    administrator flags it; then its account password opens the console,
    a wrong password is refused like any failed admin login, and a revoke
    closes the door again.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    daemon = startDaemon(
        tmp_path,
        "--port",
        LOCAL,
        "--admin",
        LOCAL,
        "--data-dir",
        str(dataDir),
        factories=("TchatFactory", "AdminTelnetFactory"),
    )
    try:
        register(daemon.ports["TchatFactory"], "alice", "alicepw")
        register(daemon.ports["TchatFactory"], "bob", "bobpw")
        admin = daemon.ports["AdminTelnetFactory"]
        assert b"Authentication failed" in telnetLogin(admin, "alice", "alicepw")
        root = TelnetConsole(admin, "root", PASSWORD)
        try:
            assert "ghost is not a registered account" in root.run("admin grant ghost")
            assert "alice is now an administrator" in root.run("admin grant alice")
            assert "accounts flagged admin: alice" in root.run("admins")
        finally:
            root.close()
        alice = TelnetConsole(admin, "alice", "alicepw")
        try:
            audit = alice.run("audit").splitlines()
            assert any(line.split()[2:] == ["root", "admin", "grant", "alice"] for line in audit)
            assert "announced to" in alice.run("announce hello from alice")
        finally:
            alice.close()
        assert b"Authentication failed" in telnetLogin(admin, "alice", "wrong")
        assert b"Authentication failed" in telnetLogin(admin, "bob", "bobpw")
        alice = TelnetConsole(admin, "alice", "alicepw")
        root = TelnetConsole(admin, "root", PASSWORD)
        try:
            revoked = root.run("admin revoke alice")
            assert (
                "alice is no longer an administrator; 1 open console session(s) closed" in revoked
            )
            assert alice.closed()
        finally:
            root.close()
            alice.close()
        assert b"Authentication failed" in telnetLogin(admin, "alice", "alicepw")
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "alice logs in as an account flagged admin" in log
    assert "admin alice: announce hello from alice" in log
    assert "failed admin login for 'alice'" in log and "failed admin login for 'bob'" in log
    assert "Traceback" not in log
