"""
Cluster nodes for the end-to-end tests: the C{nodes} fixture starts real
C{twistd -n chatd --cluster} processes on the test's C{redis-server}
(C{sentinelNodes}: on its Sentinels, L{tests.support.sentinels}); TCHAT
and IRC clients over loopback, waits on a node's log and a room's members,
and one command on a node's telnet console.
"""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from twisted.internet import reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.task import deferLater

from chatd.admin.credentials import setPassword
from chatd.core.hosts import Hosts
from chatd.core.signedin import ProvenAccounts
from chatd.storage.cloakkey import CLOAK_KEY
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import TIMEOUT, LineClient
from tests.support.lineclient import connectLines as connectPlainLines
from tests.support.redis_server import RedisServer
from tests.support.sentinels import Sentinels

CONSOLE_PASSWORD = "console-secret"
#: The cloak secret every node is given (unless the test gives it another),
#: and the host it gives a guest of 127.0.0.1.
CLOAK_SECRET = bytes(range(32))
GUEST_HOST = Hosts(ProvenAccounts(), CLOAK_SECRET).cloak("127.0.0.1")
DEADLINE = 15.0


class ClusterClient(LineClient):
    """
    A TCHAT client that skips what the persistent store adds around a login
    (NOTICE blocks, arrivals in the auto-join room Général), which these
    tests are not about.
    """

    async def line(self) -> str:
        while True:
            text = await super().line()
            if text.startswith("srv: NOTICE "):
                while await super().line() != "srv: .":
                    pass
            elif not text.startswith(("srv: ENTER Général ", "srv: LEAVE Général ")):
                return text

    async def notice(self) -> list[str]:
        """
        The lines of the next NOTICE block (what L{line} skips), skipping
        the lines before it.
        """
        while not (await super().line()).startswith("srv: NOTICE "):
            pass
        lines = []
        while (text := await super().line()) != "srv: .":
            lines.append(text.removeprefix("srv: "))
        return lines


async def connectLines(reactor: Any, port: int) -> ClusterClient:
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=int(TIMEOUT))
    d = connectProtocol(endpoint, ClusterClient(reactor))
    d.addTimeout(TIMEOUT, reactor)
    client: ClusterClient = await d
    return client


@pytest.fixture
def nodes(tmp_path: Path, redisServer: RedisServer) -> Iterator[Callable[..., Daemon]]:
    """
    Start chatd nodes on the test's Redis; each is stopped after the test.

    Each node keeps its own SQLite store in its directory (nodes sharing
    one PostgreSQL database: tests/integration/test_cluster_db_e2e.py).
    """
    yield from startNodes(tmp_path, redisServer.url)


@pytest.fixture
def sentinelNodes(tmp_path: Path, sentinels: Sentinels) -> Iterator[Callable[..., Daemon]]:
    """
    Start chatd nodes on the test's Sentinels (C{--cluster
    redis+sentinel://...}), as L{nodes} does.
    """
    yield from startNodes(tmp_path, sentinels.url)


def startNodes(tmp_path: Path, url: str) -> Iterator[Callable[..., Daemon]]:
    """
    Yield a function that starts a node with C{--cluster url}, and stop
    every node it started afterwards, checking their logs hold no traceback.
    """
    started: list[Daemon] = []

    def start(
        name: str,
        talk: bool = False,
        console: bool = False,
        irc: bool = False,
        *extra: str,
        cloak: bytes = CLOAK_SECRET,
        web: bool = False,
    ) -> Daemon:
        workdir = tmp_path / name
        workdir.mkdir()
        factories = ["TchatFactory"] + ["TalkFactory"] * talk + ["AdminTelnetFactory"] * console
        # IRC always listens (tests.support.daemon); its port, if asked
        factories += ["IRCFactory"] * irc + ["GuardedSite"] * web
        dataDir = workdir / "chatd-data"
        dataDir.mkdir(mode=0o700)
        (dataDir / CLOAK_KEY).write_text(cloak.hex() + "\n")
        (dataDir / CLOAK_KEY).chmod(0o600)
        if console:
            setPassword(dataDir / "admin-passwords", "root", CONSOLE_PASSWORD)
        daemon = startDaemon(
            workdir,
            "--admin",
            "tcp:0:interface=127.0.0.1" if console else "off",
            "--port",
            "tcp:0:interface=127.0.0.1",
            "--talk",
            "tcp:0:interface=127.0.0.1" if talk else "",
            "--rooms",
            "lobby",
            "--operators",
            "op",
            "--web",
            "tcp:0:interface=127.0.0.1" if web else "none",
            "--cluster",
            url,
            *extra,
            factories=tuple(factories),
        )
        started.append(daemon)
        return daemon

    yield start
    stopAll(started)


def sharedDatabaseNodes(
    tmp_path: Path,
    redisUrl: str,
    url: str,
    *extra: str,
    checkLog: Callable[[str], None] = lambda log: None,
) -> Iterator[Callable[[str], Daemon]]:
    """
    Yield a function that starts a node, TCHAT only, on Redis C{redisUrl}
    and the PostgreSQL database C{url} (with C{extra} options), and stop
    every node it started afterwards, then run C{checkLog} on each one's log.
    """
    started: list[Daemon] = []

    def start(name: str) -> Daemon:
        workdir = tmp_path / name
        workdir.mkdir()
        daemon = startDaemon(
            workdir,
            *("--admin", "off", "--port", "tcp:0:interface=127.0.0.1", "--talk", ""),
            *("--web", "none", "--db", url, "--flush-interval", "0.05"),
            *("--cluster", redisUrl, *extra),
            factories=("TchatFactory",),
        )
        started.append(daemon)
        return daemon

    yield start
    stopAll(started, checkLog)


def noTraceback(log: str) -> None:
    """A node's log holds no traceback."""
    assert "Traceback" not in log, log


def stopAll(started: list[Daemon], checkLog: Callable[[str], None] = noTraceback) -> None:
    """Stop the nodes C{started} (C{SIGTERM}), then run C{checkLog} on each one's log."""
    for daemon in started:
        daemon.stop(signal.SIGTERM)
    for daemon in started:
        checkLog(daemon.logText())


async def login(daemon: Daemon, nick: str, *rooms: str) -> ClusterClient:
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    client.send(f"clt: LOGIN {nick}")
    assert await client.line() == "srv: OKAY!"
    for room in rooms:
        client.send(f"clt: ENTER {room}")
        assert await client.line() == "srv: OKAY!"
    return client


async def sleep(seconds: float) -> None:
    await deferLater(reactor, seconds, lambda: None)


async def exited(daemon: Daemon) -> int:
    """
    The exit status of C{daemon}, once it has stopped by itself.
    """
    deadline = time.monotonic() + DEADLINE
    while daemon.process.poll() is None:
        assert time.monotonic() < deadline, "still running"
        await sleep(0.05)
    return daemon.process.returncode


async def waitForLog(daemon: Daemon, text: str, count: int = 1, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while daemon.logText().count(text) < count:
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{daemon.logText()}"
        await sleep(0.05)


async def members(client: LineClient, room: str) -> list[str]:
    client.send(f"clt: LSMEM {room}")
    head = await client.line()
    while head.startswith(("srv: ENTER ", "srv: LEAVE ")):  # others moving meanwhile
        head = await client.line()
    assert head.startswith(f"srv: LSMEM {room} "), head
    names = [(await client.line()).removeprefix("srv: ") for _ in range(int(head.split()[-1]))]
    assert await client.line() == "srv: OKAY!"
    return sorted(names)


async def waitForMembers(client: LineClient, room: str, expected: list[str]) -> None:
    deadline = time.monotonic() + 15
    while await members(client, room) != sorted(expected):
        assert time.monotonic() < deadline, f"{room} never had {expected}"
        await sleep(0.05)


def consoleCommand(port: int, command: str) -> str:
    """
    Log in to a node's telnet admin console as root, run one command and
    return its output.  (A plain blocking socket, as netcat would be; the
    chatd nodes are other processes, so blocking this one is harmless.)
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        received = b""
        for prompt, answer in (
            (b"Username: ", b"root"),
            (b"Password: ", CONSOLE_PASSWORD.encode()),
        ):
            while prompt not in received:
                received += sock.recv(4096)
            sock.sendall(answer + b"\r\n")
        received = b""
        while b"chatd> " not in received:
            received += sock.recv(4096)
        sock.sendall(command.encode() + b"\r\n")
        received = b""
        while b"chatd> " not in received:
            received += sock.recv(4096)
        return received.decode(errors="replace")


async def waitForLine(client: LineClient, test: Callable[[str], bool]) -> str:
    """
    Read lines until one passes C{test} (each read is bounded; so is the
    whole wait).
    """
    deadline = time.monotonic() + DEADLINE
    while True:
        line = await client.line()
        if test(line):
            return line
        assert time.monotonic() < deadline, "gave up waiting"


async def ircUser(daemon: Daemon, nick: str, password: str | None = None) -> LineClient:
    client = await connectPlainLines(reactor, daemon.ports["IRCFactory"])
    if password is not None:
        client.send(f"PASS {password}")
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    await waitForLine(client, lambda line: f" 001 {nick} " in line)
    return client


async def apartWhileRedisAway(
    a: Daemon, b: Daemon, redisServer: RedisServer
) -> tuple[ClusterClient, ClusterClient]:
    """
    alice on node C{a} and bob on node C{b}, both in lobby; then Redis
    stops, and C{b} has noticed: what bob says now waits in its queue.
    """
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = await login(a, "alice", "lobby")
    bob = await login(b, "bob", "lobby")
    await waitForMembers(alice, "lobby", ["alice", "bob"])
    redisServer.stop()
    await waitForLog(b, "lost Redis")
    return alice, bob
