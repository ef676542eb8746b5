"""
The administration services of a real C{twistd -n chatd}: the SSH console
driven by Debian's OpenSSH client, the telnet console over a socket, the
manhole, kicks felt by TCHAT and talk users, persistence across a restart,
and C{shutdown}.

These tests block (subprocesses and plain sockets against another
process); none uses the reactor.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from chatd.admin.credentials import setPassword
from chatd.core.shutdown import DEFAULT_NOTICE
from tests.support.blockingclients import (
    LOCAL,
    PASSWORD,
    SSH,
    TIMEOUT,
    LineSocket,
    needsSSH,
    start,
    tchatLogin,
    telnetLogin,
)
from tests.support.daemon import startDaemon


def waitForLogin(port: int, nick: str, deadline: float) -> float:
    """
    Retry LOGIN until it succeeds; return when it did.
    """
    while True:
        client, answer = tchatLogin(port, nick)
        client.close()
        if answer == "srv: OKAY!":
            return time.monotonic()
        assert answer == "srv: ERROR 26", answer
        assert time.monotonic() < deadline, "the kick never expired"
        time.sleep(0.1)


def talkLogin(port: int, nick: str) -> str:
    """
    Pick C{nick} in talk mode; return what the server answered to it.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        received = b""
        while b"Pick a nickname" not in received:
            received += sock.recv(4096)
        sock.sendall(nick.encode() + b"\r\n")
        received = b""
        while b"Welcome" not in received and b"Sorry" not in received:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk
        return received.decode("utf-8", "replace")
    finally:
        sock.close()


@needsSSH
def test_sshConsoleKicksAndPersists(tmp_path: Path) -> None:
    """
    Over SSH an administrator kicks a TCHAT user and a talk user for 2
    seconds: both are told and disconnected, and cannot log in again until
    the 2 seconds have passed.  A ban and the host key survive a restart,
    as does the audit trail; a wrong password gets nothing.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    ssh = SSH(tmp_path)
    daemon = start(tmp_path, dataDir)
    try:
        sshPort, tchat = daemon.ports["AdminSSHFactory"], daemon.ports["TchatFactory"]
        refused = ssh.run(sshPort, "users", password="wrong")
        assert refused.returncode == 255, refused
        assert "Permission denied" in refused.stderr
        assert refused.stdout == ""

        bob, answer = tchatLogin(tchat, "bob")
        assert answer == "srv: OKAY!"
        talkPort = daemon.ports["TalkFactory"]
        talker = LineSocket(talkPort)
        talker.send("carol")
        users = ssh.run(sshPort, "users")
        assert users.returncode == 0, users
        assert "bob" in users.stdout and "tchat" in users.stdout
        unknown = ssh.run(sshPort, "frob")
        assert (unknown.returncode, unknown.stdout) == (1, "unknown command 'frob'; try: help\n")
        assert ssh.run(sshPort, "kick").returncode == 1
        for nothingDone in (["unban", "nobody"], ["kill", "nobody", "x"], ["unmute", "nobody"]):
            refused = ssh.run(sshPort, *nothingDone)
            assert refused.returncode == 1, refused  # a script sees nothing was done

        kicked = ssh.run(sshPort, "kick", "bob", "2s", "stop", "spamming")
        assert kicked.returncode == 0, kicked
        assert kicked.stdout.startswith("kicked bob for 2s, until ")
        kickedAt = time.monotonic()
        assert bob.reply() == "srv: ERROR 26"
        assert bob.closed()
        again, answer = tchatLogin(tchat, "bob")
        assert answer == "srv: ERROR 26"
        again.close()
        loggedInAt = waitForLogin(tchat, "bob", kickedAt + TIMEOUT)
        assert loggedInAt - kickedAt >= 1.0  # not before the timeout (less ssh's exit)

        assert ssh.run(sshPort, "kick", "carol", "2s", "rude").returncode == 0
        seen = []
        while True:
            try:
                seen.append(talker.line())
            except EOFError:
                break
        assert any("kicked by the administrator root for 2s: rude" in line for line in seen), seen
        kickedAt = time.monotonic()
        assert "Sorry, you were kicked, come back for" in talkLogin(talkPort, "carol")
        while "Welcome, carol!" not in talkLogin(talkPort, "carol"):
            assert time.monotonic() < kickedAt + TIMEOUT, "the kick never expired"
            time.sleep(0.1)

        assert ssh.run(sshPort, "ban", "eve", "troll").returncode == 0
        bob.close()
        talker.close()
    finally:
        daemon.stop()

    daemon = start(tmp_path, dataDir)
    try:
        tchat = daemon.ports["TchatFactory"]
        eve, answer = tchatLogin(tchat, "eve")
        assert answer == "srv: ERROR 24"
        eve.close()
        # The same host key: strict checking against the first run's known_hosts.
        audit = ssh.run(daemon.ports["AdminSSHFactory"], "audit", strict="yes")
        assert audit.returncode == 0, audit
        lines = audit.stdout.splitlines()
        assert [line.split(None, 3)[3] for line in lines] == [
            "kick bob 2s stop spamming",
            "kick carol 2s rude",
            "ban eve troll",
        ]
        assert all(line.split()[2] == "root" for line in lines)
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@needsSSH
def test_shutdown(tmp_path: Path) -> None:
    """
    C{shutdown} tells every user, in one notice naming who stopped the
    daemon, saves the audit trail, then the daemon stops with status 0.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    daemon = start(tmp_path, dataDir)
    try:
        bob, answer = tchatLogin(daemon.ports["TchatFactory"], "bob")
        assert answer == "srv: OKAY!"
        done = SSH(tmp_path).run(daemon.ports["AdminSSHFactory"], "shutdown")
        assert done.stdout == "shutting down\n", done
        assert bob.noticeBlocks() == [
            [f"srv: The server is shutting down now (by the administrator root). {DEFAULT_NOTICE}"]
        ]
        status = daemon.process.wait(TIMEOUT)
        bob.close()
    finally:
        daemon.stop()
    assert status == 0, daemon.logText()
    assert "Traceback" not in daemon.logText()
    with closing(sqlite3.connect(dataDir / "moderation.sqlite")) as db:
        audit = db.execute("SELECT who, what FROM audit").fetchall()
    assert audit == [("root", "shutdown")]  # written before the daemon exited


def test_telnetConsoleAndManhole(tmp_path: Path) -> None:
    """
    The telnet console refuses a wrong password and serves the right one,
    its lines ending in CRLF;
    the manhole listens only when asked and, like the consoles, refuses
    logins without the password (checked with the SSH client if present).
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    daemon = startDaemon(
        tmp_path,
        "--port",
        LOCAL,
        "--admin",
        LOCAL,
        "--manhole",
        LOCAL,
        "--data-dir",
        str(dataDir),
        factories=("TchatFactory", "AdminTelnetFactory", "ManholeSSHFactory"),
    )
    try:
        port = daemon.ports["AdminTelnetFactory"]
        assert b"Authentication failed" in telnetLogin(port, "root", "wrong")
        assert b"Authentication failed" in telnetLogin(port, "nobody", PASSWORD)
        served = telnetLogin(port, "root", PASSWORD)
        assert b"You are root.\r\nchatd> " in served and b"lobby" in served
        assert b"\r\r" not in served  # each line ends in one CRLF
        assert "AdminSSHFactory" not in daemon.ports  # SSH console off by default
        assert (dataDir / "ssh_host_ed25519_key").exists()
        if shutil.which("ssh"):
            manhole = daemon.ports["ManholeSSHFactory"]
            refused = SSH(tmp_path).run(manhole, password="wrong")
            assert refused.returncode == 255 and "Permission denied" in refused.stderr
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "failed admin login for 'root'" in log
    assert "failed admin login for an unknown name" in log and "nobody" not in log
    assert "administrator root logged in" in log
    assert "Traceback" not in log


@needsSSH
def test_interactiveSessions(tmp_path: Path) -> None:
    """
    An interactive SSH login gets the console with line editing; the
    manhole gives a Python prompt on the live service, after a banner.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    daemon = startDaemon(
        tmp_path,
        "--port",
        LOCAL,
        "--admin-ssh",
        LOCAL,
        "--manhole",
        LOCAL,
        "--rooms",
        "lobby,Blabla",
        "--data-dir",
        str(dataDir),
        factories=("TchatFactory", "AdminSSHFactory", "ManholeSSHFactory"),
    )
    try:
        ssh = SSH(tmp_path)
        console = ssh.run(
            daemon.ports["AdminSSHFactory"], keystrokes="rooms\rbad\x7f\x7f\x7fhelp kick\r\x04"
        )
        assert console.returncode == 0, console  # Ctrl-D: exit status 0
        assert "\x1b[2J" not in console.stdout  # the banner stays on screen
        assert "You are root." in console.stdout
        assert "Blabla" in console.stdout and "lobby" in console.stdout
        assert "kick <username> <timeout> <reason>: " in console.stdout  # 'bad' was erased
        piped = ssh.run(daemon.ports["AdminSSHFactory"], keystrokes="stats\n", tty=False)
        assert "connections: 0" in piped.stdout, piped  # and end of input ended it
        shell = ssh.run(
            daemon.ports["ManholeSSHFactory"],
            keystrokes="[name for name, count in service.rooms() if name < 'C']\r"
            "store is service.persistence.store\r\x04",
        )
        assert shell.returncode == 0, shell
        assert "\x1b[2J" not in shell.stdout
        assert "chatd manhole" in shell.stdout
        assert "['Blabla']" in shell.stdout
        assert "\nTrue\n" in shell.stdout  # the chat store is at hand
        for leaving in ("exit()", "quit()"):  # as Ctrl-D: the session ends, exit status 0
            left = ssh.run(daemon.ports["ManholeSSHFactory"], keystrokes=leaving + "\r")
            assert left.returncode == 0, left
        command = ssh.run(daemon.ports["ManholeSSHFactory"], "print(1+1)")
        assert command.returncode == 1, command
        assert "it takes no commands" in command.stderr and "2" not in command.stdout, command
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "Traceback" not in log and "Unhandled" not in log and "CRITICAL" not in log
    assert "Executing command" not in log and "exitCode: 1" not in log
    assert log.count("manhole: a command from root at 127.0.0.1 refused") == 1
    assert "print(1+1)" not in log  # a command meant for the console may hold a password


def test_terminalConsole(tmp_path: Path) -> None:
    """
    C{--console} runs the moderation console on the daemon's own terminal
    (standard input and output); C{shutdown} there stops it with status 0.
    """
    from tests.support.daemon import ROOT, TWISTD

    command = [
        str(TWISTD),
        "-n",
        "--pidfile=",
        "--logfile=chatd.log",
        "chatd",
        "--port",
        LOCAL,
        "--talk",
        "",
        "--web",
        "",
        "--metrics",
        "",  # not the default port 9464, which another daemon may hold
        "--admin",
        "off",
        "--rooms",
        "lobby,Général",
        "--data-dir",
        str(tmp_path / "data"),
        "--console",
    ]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        input="rooms\nkick\nshutdown\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    log = (tmp_path / "chatd.log").read_text()
    assert done.returncode == 0, (done, log)
    assert done.stdout.startswith("chatd admin console;")
    assert "Général           open      0" in done.stdout
    assert "usage: kick <username> <timeout> <reason>" in done.stdout
    assert "shutting down" in done.stdout
    assert "admin console: shutdown" in log
    assert "Traceback" not in log
