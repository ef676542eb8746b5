"""
Blocking clients of the real daemon (plain sockets and subprocesses, no
reactor), for the tests of its consoles: a TCHAT/talk line client, the telnet
console over a socket that agrees to no option, Debian's OpenSSH client, and a
daemon with TCHAT, talk and both consoles.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from chatd.admin.credentials import setPassword
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import TELNET_COMMAND

TIMEOUT = 10.0
LOCAL = "tcp:0:interface=127.0.0.1"
PASSWORD = "correct horse"

needsSSH = pytest.mark.skipif(shutil.which("ssh") is None, reason="needs openssh-client")


def dial(port: int, source: str = "127.0.0.1") -> socket.socket:
    """
    A connection to C{port} on 127.0.0.1 from C{source}: Linux routes all
    of 127.0.0.0/8 to loopback, so another source is another address.
    """
    return socket.create_connection(("127.0.0.1", port), TIMEOUT, source_address=(source, 0))


def firstLine(connection: socket.socket) -> bytes:
    """
    The next line the server sends (without waiting past it), or what came
    before the close.
    """
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def readUntil(connection: socket.socket, marker: bytes) -> bytes:
    """
    What the server sends until C{marker} has come, or until the close.
    """
    data = b""
    while marker not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


class LineSocket:
    """
    A blocking line client for TCHAT and talk.
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")

    def line(self) -> str:
        data = self.file.readline()
        if not data:
            raise EOFError("connection closed")
        # Talk mode's telnet option requests (the probe, DO BINARY) are no text.
        return TELNET_COMMAND.sub(b"", data).decode("utf-8").rstrip("\r\n")

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(line + "\r\n" for line in lines).encode("utf-8"))

    def reply(self) -> str:
        """
        The next line that is neither a server notice nor someone entering
        or leaving (with a store, everyone is put in the autojoin room).
        """
        while True:
            line = self.line()
            if line.startswith(("srv: ENTER ", "srv: LEAVE ")):
                continue  # others joining the autojoin room
            if not line.startswith("srv: NOTICE "):
                return line
            while self.line() != "srv: .":
                pass

    def notices(self) -> list[str]:
        """
        The body lines of the notices received until the connection closes.
        """
        return [line for block in self.noticeBlocks() for line in block]

    def noticeBlocks(self) -> list[list[str]]:
        """
        The notices received until the connection closes, each its body lines.
        """
        blocks: list[list[str]] = []
        try:
            while True:
                if self.line().startswith("srv: NOTICE "):
                    blocks.append([])
                    while (line := self.line()) != "srv: .":
                        blocks[-1].append(line)
        except EOFError:
            return blocks

    def closed(self) -> bool:
        return self.file.readline() == b""

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def tchatLogin(port: int, nick: str) -> tuple[LineSocket, str]:
    """
    Connect to TCHAT and try to log in as C{nick}; return the client and
    the answer to LOGIN.
    """
    client = LineSocket(port)
    assert client.line() == "srv: TCHAT 1"
    client.send(f"clt: LOGIN {nick}")
    return client, client.line()


class SSH:
    """
    Runs Debian's C{ssh} against the daemon, with the password supplied by
    an askpass script and a private C{known_hosts}.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.askpass = workdir / "askpass"
        self.askpass.write_text('#!/bin/sh\nprintf "%s\\n" "$CHATD_TEST_PASSWORD"\n')
        self.askpass.chmod(0o700)
        self.knownHosts = workdir / "known_hosts"

    def run(
        self,
        port: int,
        *command: str,
        password: str = PASSWORD,
        strict: str = "accept-new",
        keystrokes: str | None = None,
        tty: bool = True,
        user: str = "root",
        identity: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """
        Run C{ssh}: a command, or with C{keystrokes} an interactive session
        typed from standard input, on a pty (C{-tt}) unless C{tty} is false.
        With an C{identity} (a private key file) it logs in with that key
        only, else with the password only.
        """
        if identity is None:
            auth = ["PubkeyAuthentication=no", "PreferredAuthentications=password"]
        else:
            auth = ["IdentitiesOnly=yes", "PreferredAuthentications=publickey"]
            auth.append(f"IdentityFile={identity}")
        args = [
            "ssh",
            *([] if keystrokes is None else ["-tt"] if tty else ["-T"]),
            "-F",
            "/dev/null",
            "-p",
            str(port),
            "-o",
            f"UserKnownHostsFile={self.knownHosts}",
            "-o",
            f"StrictHostKeyChecking={strict}",
            "-o",
            "HostKeyAlias=chatd-test",  # ports change between runs; the key must not
            *(word for option in auth for word in ("-o", option)),
            "-o",
            "NumberOfPasswordPrompts=1",
            "-o",
            "ConnectTimeout=10",
            f"{user}@127.0.0.1",
            *command,
        ]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.workdir),
            "SSH_ASKPASS": str(self.askpass),
            "SSH_ASKPASS_REQUIRE": "force",
            "DISPLAY": ":0",
            "CHATD_TEST_PASSWORD": password,
        }
        return subprocess.run(
            args,
            env=env,
            input=keystrokes,
            capture_output=True,
            text=True,
            timeout=60,
        )


def start(workdir: Path, dataDir: Path, *extra: str) -> Daemon:
    return startDaemon(
        workdir,
        "--port",
        LOCAL,
        "--talk",
        LOCAL,
        "--admin",
        LOCAL,
        "--admin-ssh",
        LOCAL,
        "--data-dir",
        str(dataDir),
        *extra,
        factories=("TchatFactory", "TalkFactory", "AdminTelnetFactory", "AdminSSHFactory"),
    )


def rootStarted(workdir: Path) -> Daemon:
    """
    L{start}ed with its data in C{workdir/data}, the consoles' C{root}
    opened by L{PASSWORD}.
    """
    dataDir = workdir / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    return start(workdir, dataDir)


def consoleDaemon(
    workdir: Path, *extra: str, factories: tuple[str, ...] = ("TchatFactory", "AdminTelnetFactory")
) -> Daemon:
    """
    A daemon whose TCHAT listener and telnet console listen on loopback,
    its data in C{workdir/data}, the console's C{root} opened by
    L{PASSWORD}; C{extra} adds options (and C{factories} their listeners).
    """
    dataDir = workdir / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    return startDaemon(
        workdir,
        "--port",
        LOCAL,
        "--admin",
        LOCAL,
        "--data-dir",
        str(dataDir),
        *extra,
        factories=factories,
    )


def telnetLogin(port: int, name: str, password: str) -> bytes:
    """
    Log in to the telnet console with a plain socket that agrees to no
    option, as netcat would; return everything received within the deadline
    after the password, or until the console prompt.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        received = b""
        while b"Username: " not in received:
            received += sock.recv(4096)
        sock.sendall(name.encode() + b"\r\n")
        while b"Password: " not in received:
            received += sock.recv(4096)
        sock.sendall(password.encode() + b"\r\n")
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while b"chatd> " not in received and b"Authentication failed" not in received:
            assert time.monotonic() < deadline
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        if b"chatd> " in received:
            sock.sendall(b"rooms\r\n")
            while b"members" not in received:
                received += sock.recv(4096)
        return received
    finally:
        sock.close()


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


def addAccount(daemon: Daemon, dataDir: Path, nick: str, password: str) -> None:
    """
    Create the chat account C{nick} with C{password} on C{daemon}'s telnet
    console, as an administrator creates an operator's (a name in
    C{--operators}, which no user may register); its data directory
    C{dataDir} is given an administrator C{root} for it.
    """
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
    try:
        assert f"account {nick} created" in console.run(f"add account {nick} {password}")
    finally:
        console.close()


def dataDirOf(workdir: Path, storage: list[str]) -> Path:
    """
    The data directory of a daemon run in C{workdir} with the options
    C{storage} (C{--data-dir DIR}, or the default one, C{chatd-data}).
    """
    given = storage.index("--data-dir") + 1 if "--data-dir" in storage else None
    return Path(storage[given]) if given is not None else workdir / "chatd-data"
