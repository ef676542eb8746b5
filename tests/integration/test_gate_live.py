"""
The password gate in a real C{twistd -n chatd}, over loopback sockets:
parallel wrong passwords on the telnet console and with IRC C{OPER} are
checked one at a time, a back-off apart, so the right password sent after
them is only accepted at its turn; a wrong TCHAT LOGIN waiting for its
back-off never keeps the owner out.

The daemon runs with a short fixed back-off (C{--auth-name-free 0
--auth-backoff 0.5 --auth-backoff-max 0.5}); the assertions are lower
bounds (a slow machine only makes them more true) and the daemon's own log
of every check.  These tests block; none uses the reactor.
"""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import SSH, TIMEOUT, LineSocket, needsSSH, tchatLogin
from tests.support.daemon import Daemon, startDaemon

LOCAL = "tcp:0:interface=127.0.0.1"
PASSWORD = "correct horse"
BACKOFF = 0.5
FAST_GATE = (
    "--auth-name-free",
    "0",
    "--auth-backoff",
    str(BACKOFF),
    "--auth-backoff-max",
    str(BACKOFF),
)


def start(tmp_path: Path, *extra: str, factories: tuple[str, ...]) -> Daemon:
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    return startDaemon(
        tmp_path,
        "--port",
        LOCAL,
        "--data-dir",
        str(dataDir),
        *FAST_GATE,
        *extra,
        factories=("TchatFactory", *factories),
    )


def readUntil(sock: socket.socket, *markers: bytes) -> bytes:
    received = b""
    while not any(marker in received for marker in markers):
        chunk = sock.recv(4096)
        assert chunk, received
        received += chunk
    return received


def telnetPassword(port: int, name: str, password: str) -> socket.socket:
    """
    Open a telnet console connection and send C{name} and C{password};
    the answer is left to read.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    readUntil(sock, b"Username: ")
    sock.sendall(name.encode() + b"\r\n")
    readUntil(sock, b"Password: ")
    sock.sendall(password.encode() + b"\r\n")
    return sock


def test_telnetConsoleParallelGuesses(tmp_path: Path) -> None:
    """
    Eight wrong passwords for root sent at once on eight telnet console
    connections are each checked (and logged) one back-off after the other;
    the right password sent after them is accepted only at its turn, eight
    back-offs after the first guess, not at once.
    """
    daemon = start(tmp_path, "--admin", LOCAL, factories=("AdminTelnetFactory",))
    sockets: list[socket.socket] = []
    try:
        port = daemon.ports["AdminTelnetFactory"]
        first = time.monotonic()  # no check can start before this
        for i in range(8):
            sockets.append(telnetPassword(port, "root", f"guess{i}"))
        # Its connection and prompts take round trips: the daemon has read
        # every guess before this password.
        right = telnetPassword(port, "root", PASSWORD)
        sockets.append(right)
        # Its answer comes after eight back-offs and nine password hashes,
        # which a loaded machine computes slowly: a lower bound is asserted.
        right.settimeout(8 * BACKOFF + 60)
        assert b"You are root." in readUntil(right, b"chatd> ", b"Authentication failed")
        waited = time.monotonic() - first
        assert waited >= 8 * BACKOFF * 0.95, waited
    finally:
        for sock in sockets:
            sock.close()
        daemon.stop()
    log = daemon.logText()
    assert log.count("failed admin login for 'root' from 127.0.0.1") == 8
    assert "administrator root logged in from 127.0.0.1" in log
    assert "Traceback" not in log


def firstAnswer(socks: list[socket.socket], marker: bytes) -> dict[socket.socket, bytes]:
    """
    Read from C{socks} until one of them has sent C{marker}; return what
    each sent meanwhile.
    """
    received = dict.fromkeys(socks, b"")
    while True:
        readable, _, _ = select.select(socks, [], [], TIMEOUT)
        assert readable, received
        for sock in readable:
            chunk = sock.recv(4096)
            assert chunk, received
            received[sock] += chunk
            if marker in received[sock]:
                return received


def ircClient(port: int, nick: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.sendall(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
    readUntil(sock, b" 001 ")
    return sock


def test_operParallelGuesses(tmp_path: Path) -> None:
    """
    Six parallel wrong OPERs for root are checked one back-off apart; the
    right one sent once the first guess was answered gets 381 only at its
    turn, six back-offs after the first guess; the wrong ones all get 464.
    """
    daemon = start(tmp_path, factories=("IRCFactory",))
    sockets: list[socket.socket] = []
    try:
        port = daemon.ports["IRCFactory"]
        guessers = [ircClient(port, f"guesser{i}") for i in range(6)]
        oper = ircClient(port, "oper")
        sockets = [*guessers, oper]
        first = time.monotonic()  # no check can start before this
        for i, sock in enumerate(guessers):
            sock.sendall(f"OPER root guess{i}\r\n".encode())
        # Once one guess is answered, the daemon has read them all.
        received = firstAnswer(guessers, b" 464 ")
        oper.sendall(f"OPER root :{PASSWORD}\r\n".encode())
        assert b" 381 " in readUntil(oper, b" 381 ", b" 464 ")
        waited = time.monotonic() - first
        assert waited >= 6 * BACKOFF * 0.95, waited
        for sock in guessers:
            if b" 464 " not in received[sock]:
                assert b" 464 " in readUntil(sock, b" 464 ", b" 381 ")
    finally:
        for sock in sockets:
            sock.close()
        daemon.stop()
    log = daemon.logText()
    assert log.count("failed admin login for 'root' from 127.0.0.1") == 6
    assert "Traceback" not in log


def test_tchatOwnerNotKeptOut(tmp_path: Path) -> None:
    """
    alice registers; an attacker's first wrong LOGIN is refused (22), its
    second waits for the back-off; meanwhile alice logs in with her
    password: OKAY!, never ERROR 23; the attacker then gets 22.
    """
    daemon = start(tmp_path, factories=())
    clients: list[LineSocket] = []
    try:
        port = daemon.ports["TchatFactory"]
        alice, answer = tchatLogin(port, "alice")
        clients.append(alice)
        assert answer == "srv: OKAY!"
        alice.send("clt: REGIS sesame")
        assert alice.reply() == "srv: OKAY!"
        alice.close()
        first, answer = tchatLogin(port, "alice wrong")
        clients.append(first)
        assert answer == "srv: ERROR 22"
        attacker = LineSocket(port)
        clients.append(attacker)
        assert attacker.line() == "srv: TCHAT 1"
        attacker.send("clt: LOGIN alice wrong2")
        owner, answer = tchatLogin(port, "alice sesame")
        clients.append(owner)
        assert answer == "srv: OKAY!"
        assert attacker.reply() == "srv: ERROR 22"
    finally:
        for client in clients:
            client.close()
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@needsSSH
def test_sshConsoleKnowsTheAddress(tmp_path: Path) -> None:
    """
    SSH password logins reach the gate with the client's address (its
    per-address lane), as the telnet console's do: the failure is logged
    with it, and the right password then opens the console.
    """
    daemon = start(tmp_path, "--admin-ssh", LOCAL, factories=("AdminSSHFactory",))
    try:
        ssh = SSH(tmp_path)
        port = daemon.ports["AdminSSHFactory"]
        refused = ssh.run(port, "users", password="wrong")
        assert refused.returncode == 255 and "Permission denied" in refused.stderr
        served = ssh.run(port, "users", password=PASSWORD)
        assert served.returncode == 0, served
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "failed admin login for 'root' from 127.0.0.1" in log
    assert "administrator root logged in from 127.0.0.1" in log
    assert "Traceback" not in log
