"""
One cloak secret across real cluster nodes: two C{twistd -n chatd --cluster}
processes, started with different C{cloak.key} files, on one real
C{redis-server}, driven over IRC.  A guest of 127.0.0.1 has the same host on
both, and a ban on that host set through node A holds it on node B.  Nodes
sharing a real PostgreSQL keep the secret there: a Redis emptied while they
were down, and a new node started first, change no host; a node started
while the database was down takes the database's secret once it answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from chatd.core.hosts import Hosts
from chatd.core.signedin import ProvenAccounts
from chatd.storage.cloakkey import CLOAK_KEY, cloakSecret
from tests.support.clusterlive import (
    CLOAK_SECRET,
    GUEST_HOST,
    ircUser,
    nodes,
    waitForLine,
    waitForLog,
)
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres, postgresServer
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["nodes", "ownPostgres", "postgresServer", "redisServer"]

#: Node B's own secret, before it joins the cluster.
OTHER_SECRET = bytes(range(100, 132))


async def ownHost(client: LineClient, nick: str) -> str:
    """
    The host C{WHOIS} gives C{nick} for itself.
    """
    client.send(f"WHOIS {nick}")
    line = await waitForLine(client, lambda line: f" 311 {nick} {nick} " in line)
    return line.split()[5]


@pytest_twisted.ensureDeferred
async def test_oneHostAndBanOnEveryNode(nodes: Callable[..., Daemon], tmp_path: Path) -> None:
    """
    Node A joins first with its secret; node B, with another, takes A's and
    writes it to its C{cloak.key}, saying so.  ann (a guest, node A) and
    ivy (a guest, node B), both of 127.0.0.1, have the host of A's secret;
    ann founds #den and bans C{ivy!*@<that host>}: ivy cannot join it on B.
    """
    assert Hosts(ProvenAccounts(), OTHER_SECRET).cloak("127.0.0.1") != GUEST_HOST
    a = nodes("a", irc=True)
    await waitForLog(a, "connected to Redis")
    b = nodes("b", False, False, True, cloak=OTHER_SECRET)
    await waitForLog(b, "connected to Redis")
    assert f"written to chatd-data/{CLOAK_KEY}" in b.logText(), b.logText()
    assert cloakSecret(tmp_path / "b" / "chatd-data") == CLOAK_SECRET
    ann = await ircUser(a, "ann")
    ivy = await ircUser(b, "ivy")
    try:
        assert await ownHost(ann, "ann") == GUEST_HOST
        assert await ownHost(ivy, "ivy") == GUEST_HOST
        ann.send("JOIN #den")
        await waitForLine(ann, lambda line: " 366 ann #den " in line)
        ann.send(f"MODE #den +b ivy!*@{GUEST_HOST}")
        await waitForLine(ann, lambda line: f"MODE #den +b ivy!*@{GUEST_HOST}" in line)
        ivy.send("JOIN #den")
        refused = await waitForLine(ivy, lambda line: " 474 " in line or " JOIN " in line)
        assert " 474 ivy #den " in refused, refused
    finally:
        for client in (ann, ivy):
            client.send("QUIT :bye")
            await client.closed


def databaseNode(workdir: Path, db: str, redis: RedisServer) -> Daemon:
    """
    A node with a fresh data directory (its own new cloak secret) in
    C{workdir}, on the PostgreSQL database C{db} and C{redis}, with IRC.
    """
    workdir.mkdir()
    return startDaemon(
        workdir,
        "--admin", "off",
        "--port", "tcp:0:interface=127.0.0.1",
        "--talk", "",
        "--web", "none",
        "--db", db,
        "--cluster", redis.url,
        "--irc", "tcp:0:interface=127.0.0.1",
        factories=("TchatFactory", "IRCFactory"),
    )  # fmt: skip


async def hostOnFirstNode(workdir: Path, db: str, redis: RedisServer) -> str:
    """
    Start a node (L{databaseNode}) in C{workdir}, and stop it once a guest
    of 127.0.0.1 saw its host there: that host.
    """
    a = databaseNode(workdir, db, redis)
    try:
        await waitForLog(a, "connected to Redis")
        ann = await ircUser(a, "ann")
        before = await ownHost(ann, "ann")
        ann.send("QUIT :bye")
        await ann.closed
    finally:
        await deferToThread(a.stop)
    assert "Traceback" not in a.logText(), a.logText()
    return before


@pytest_twisted.ensureDeferred
async def test_databaseKeepsTheSecret(
    redisServer: RedisServer, postgresServer: str, tmp_path: Path
) -> None:
    """
    Node a starts on a PostgreSQL database, and a guest of 127.0.0.1 has a
    host there.  Node a stops, Redis is emptied (C{FLUSHALL}), and node b,
    with a fresh data directory (another secret), starts first: it takes
    the database's secret, and the guest's host on b is the one it had on a.
    """
    db = createDatabase(postgresServer)
    before = await hostOnFirstNode(tmp_path / "a", db, redisServer)
    redisServer.flushAll()
    b = databaseNode(tmp_path / "b", db, redisServer)
    try:
        await waitForLog(b, "connected to Redis")
        ivy = await ircUser(b, "ivy")
        assert await ownHost(ivy, "ivy") == before
        assert f"written to chatd-data/{CLOAK_KEY}" in b.logText(), b.logText()
        ivy.send("QUIT :bye")
        await ivy.closed
    finally:
        await deferToThread(b.stop)
    assert "Unhandled" not in b.logText(), b.logText()
    assert cloakSecret(tmp_path / "b" / "chatd-data") == cloakSecret(tmp_path / "a" / "chatd-data")


async def guestLogin(daemon: Daemon, nick: str) -> tuple[LineClient, str]:
    """
    An IRC client of C{daemon} that asked for C{nick}, and the numeric it
    was answered: C{001} (in) or C{263} (try again later).
    """
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    line = await waitForLine(client, lambda line: line.split()[1:2] in (["001"], ["263"]))
    return client, line.split()[1]


@pytest_twisted.ensureDeferred
async def test_databaseAnswersLater(
    redisServer: RedisServer, ownPostgres: PostgresServer, tmp_path: Path
) -> None:
    """
    Node a starts on a PostgreSQL database, and a guest of 127.0.0.1 has a
    host there.  Node a stops, the database goes down, Redis is emptied,
    and node b, with a fresh data directory, starts: it cloaks with its own
    secret, says until when, and lets no guest in ("try again later": it
    could not read which names are registered).  Once the database
    answers, b takes the database's secret and writes it to its
    C{cloak.key}: a guest then has the host it had on a.
    """
    db = createDatabase(ownPostgres.url)
    before = await hostOnFirstNode(tmp_path / "a", db, redisServer)
    await deferToThread(ownPostgres.stop)
    redisServer.flushAll()
    b = databaseNode(tmp_path / "b", db, redisServer)
    try:
        await waitForLog(b, "connected to Redis")
        assert "until the database answers" in b.logText(), b.logText()
        early, numeric = await guestLogin(b, "ivy")
        await early.close()
        assert numeric == "263"
        await deferToThread(ownPostgres.start)
        await waitForLog(b, "the database answers: this node's cloak secret differed")
        deadline = time.monotonic() + 20
        while True:  # (until b has read the database again too)
            ivy, numeric = await guestLogin(b, "ivy")
            if numeric == "001":
                break
            await ivy.close()
            assert time.monotonic() < deadline, "no guest let in"
            await deferLater(reactor, 0.5, lambda: None)
        assert await ownHost(ivy, "ivy") == before
        ivy.send("QUIT :bye")
        await ivy.closed
    finally:
        await deferToThread(b.stop)
    assert "Unhandled" not in b.logText(), b.logText()
    assert cloakSecret(tmp_path / "b" / "chatd-data") == cloakSecret(tmp_path / "a" / "chatd-data")
