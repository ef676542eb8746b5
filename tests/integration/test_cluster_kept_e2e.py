"""
Private messages kept for a registered user who is away, with two real
C{twistd -n chatd --cluster redis://... --db postgresql://...} nodes on a
real C{redis-server} and one real PostgreSQL, driven over TCHAT: whichever
node the user signs in to, each kept message is handed over and marked
delivered once (docs/CLUSTER.md, "Kept private messages on a shared
database").
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from tests.support.clusterlive import (
    ClusterClient,
    connectLines,
    login,
    sharedDatabaseNodes,
    sleep,
    waitForLog,
)
from tests.support.daemon import Daemon
from tests.support.keptlive import MessageReader, pendingFor, slowMarks
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres, postgresServer
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["ownPostgres", "postgresServer", "redisServer"]

PASSWORD = "secret1"
#: What the C{shared} fixture gives: how to start a node, and the database's URL.
Shared = tuple[Callable[[str], Daemon], str]
DEADLINE = 30.0


@pytest.fixture
def shared(tmp_path: Path, redisServer: RedisServer, postgresServer: str) -> Iterator[Shared]:
    """
    C{(start, url)}: C{start(name)} starts a node on the test's Redis and
    one new PostgreSQL database (C{url}), with no share per sender, so
    that one sender may leave 50 messages; each is stopped after the test.
    """
    yield from starting(tmp_path, redisServer, createDatabase(postgresServer))


@pytest.fixture
def restartable(
    tmp_path: Path, redisServer: RedisServer, ownPostgres: PostgresServer
) -> Iterator[Shared]:
    """
    As L{shared}, on a PostgreSQL server of the test's own, which it may
    stop and start (C{ownPostgres}).
    """
    yield from starting(tmp_path, redisServer, createDatabase(ownPostgres.url))


def starting(tmp_path: Path, redisServer: RedisServer, url: str) -> Iterator[Shared]:
    """
    C{(start, url)}: nodes on C{url} with no share per sender, whose logs
    hold no traceback but of a database outage.
    """
    extra = ("--max-inbox-per-sender", "0")
    for start in sharedDatabaseNodes(tmp_path, redisServer.url, url, *extra, checkLog=outageOnly):
        yield start, url


def outageOnly(log: str) -> None:
    """A node's log holds no traceback but of a database outage."""
    for entry in log.split("\n20")[1:]:  # (logged with the error that showed it)
        if "Traceback" in entry:
            assert "the chat database is unavailable" in entry, log


async def connected(daemon: Daemon) -> ClusterClient:
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    return client


async def signIn(daemon: Daemon, nick: str, password: str = PASSWORD) -> MessageReader:
    """
    C{nick} signed in to C{daemon}, trying again while another node still
    holds the name (C{ERROR 23}), until a deadline.
    """
    deadline = time.monotonic() + DEADLINE
    while True:
        client = await connected(daemon)
        client.send(f"clt: LOGIN {nick} {password}")
        answer = await client.line()
        if answer == "srv: OKAY!":
            return MessageReader(client)
        # Held on another node still, or the database is briefly away.
        assert answer in ("srv: ERROR 23", "srv: ERROR 03"), answer
        await client.close()
        assert time.monotonic() < deadline, f"{nick} never signed in"
        await sleep(0.02)


async def awayWithKept(a: Daemon, b: Daemon, count: int) -> ClusterClient:
    """
    bob registered and signed out; alice on C{a} sent him C{count} private
    messages, each acknowledged (C{OKAY!}) and kept.
    """
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    bob = await login(b, "bob")
    bob.send(f"clt: REGIS {PASSWORD}")
    assert await bob.line() == "srv: OKAY!"
    await bob.close()
    alice = await login(a, "alice")
    deadline = time.monotonic() + DEADLINE
    while True:  # until node A has heard that bob left: then each message is kept there
        probe = await connected(a)
        probe.send("clt: LOGIN bob")
        answer = await probe.line()  # 22 once registered (the password is checked first)
        await probe.close()
        alice.send("clt: LSUSR")
        online = [await alice.line()]
        while online[-1] != "srv: OKAY!":
            online.append(await alice.line())
        if answer == "srv: ERROR 22" and "srv: bob" not in online:  # registered, signed out
            break
        assert answer in ("srv: ERROR 22", "srv: ERROR 23"), answer
        assert time.monotonic() < deadline, "node A never heard bob leave"
        await sleep(0.02)
    for i in range(count):
        alice.send("clt: MSGPV bob", f"clt: kept {i:02}", "clt: .")
        assert await alice.line() == "srv: OKAY!"
    return alice


def sent(count: int) -> list[str]:
    return [f"kept {i:02}" for i in range(count)]


@pytest_twisted.ensureDeferred
async def test_keptHandedOverOnceOnTheOtherNode(shared: Shared) -> None:
    """
    bob away; alice on node A leaves him 50 private messages.  bob signs in
    on node B: he gets all 50, once, in order, and none waits any more in
    the database; signed out and in again on node A, he gets none again.
    """
    start, url = shared
    a, b = start("a"), start("b")
    alice = await awayWithKept(a, b, 50)
    bob = await signIn(b, "bob")
    assert await bob.messages(50) == sent(50)
    assert await pendingFor(url, "bob") == 0
    await bob.client.close()
    again = await signIn(a, "bob")  # at once: as soon as node A lets him
    alice.send("clt: MSGPV bob", "clt: now", "clt: .")
    assert await alice.line() == "srv: OKAY!"
    assert await again.messages(1) == ["now"]
    assert await again.settled() == []
    for client in (alice, again.client):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_signedOutWhileMarkingNotHandedAgain(shared: Shared) -> None:
    """
    bob gets his 50 kept messages on node B, whose database takes a second
    to mark them delivered, and signs out and in on node A at once: A
    waits for B's mark (the round in which every node writes what it
    holds, before a login reads what waits), and hands him none again.
    """
    start, url = shared
    a, b = start("a"), start("b")
    alice = await awayWithKept(a, b, 50)
    slowMarks(url, 0.02)
    bob = await signIn(b, "bob")
    assert await bob.messages(50) == sent(50)
    await bob.client.close()
    again = await signIn(a, "bob")
    assert await again.settled() == []
    assert await pendingFor(url, "bob") == 0
    for client in (alice, again.client):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_databaseRestartedWhileMarking(
    restartable: Shared, ownPostgres: PostgresServer
) -> None:
    """
    bob gets his 50 kept messages on node B, whose database takes a second
    to mark them delivered and restarts meanwhile: the mark is lost, so
    they wait still, and bob, signing out and in on node A once the
    database is back, gets each of them once more (at least once, never
    lost), and then none waits.
    """
    start, url = restartable
    a, b = start("a"), start("b")
    alice = await awayWithKept(a, b, 50)
    slowMarks(url, 0.02)
    bob = await signIn(b, "bob")
    assert await bob.messages(50) == sent(50)
    ownPostgres.stop()
    await bob.client.close()
    ownPostgres.start()
    again = await signIn(a, "bob")
    gotOnA = await again.messages(50)
    gotOnA += await again.settled()
    assert gotOnA == sent(50)
    assert await pendingFor(url, "bob") == 0
    for client in (alice, again.client):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_twoSignInsAtOnceOneHandsOver(shared: Shared) -> None:
    """
    bob, with 30 kept messages, signs in on node A and node B at the same
    instant: one node lets him in, the other answers C{ERROR 23}; the one
    he is in shows each message once, in order, and his signing in again
    on the other, later, shows none.
    """
    start, url = shared
    a, b = start("a"), start("b")
    alice = await awayWithKept(a, b, 30)
    first, second = await connected(a), await connected(b)
    for client in (first, second):
        client.send(f"clt: LOGIN bob {PASSWORD}")
    answers = [await first.line(), await second.line()]
    assert sorted(answers) == ["srv: ERROR 23", "srv: OKAY!"], answers
    winner, loser = (first, b) if answers[0] == "srv: OKAY!" else (second, a)
    reader = MessageReader(winner)
    assert await reader.messages(30) == sent(30)
    assert await pendingFor(url, "bob") == 0
    await winner.close()
    again = await signIn(loser, "bob")
    assert await again.settled() == []
    for client in (alice, again.client):
        await client.close()


@pytest.mark.parametrize("seen", [0, 1])
@pytest_twisted.ensureDeferred
async def test_nodeKilledAfterSignInLosesNothing(shared: Shared, seen: int) -> None:
    """
    bob, with 50 kept messages, signs in on node B, which is killed
    (C{kill -9}) right after it let him in (C{seen}: 0), or right after he
    saw the first of them (1).  Signing in again on node A (once A counts
    B dead), he gets every message B did not hand over, in order: none is
    lost (one B handed over but had not marked delivered may come again),
    and none waits any more in the database.
    """
    start, url = shared
    a, b = start("a"), start("b")
    alice = await awayWithKept(a, b, 50)
    onB = await signIn(b, "bob")
    first = await onB.messages(seen) if seen else []
    b.stop(signal.SIGKILL)
    gotOnB = first + await onB.untilClosed()
    again = await signIn(a, "bob")
    missing = {text for text in sent(50) if text not in gotOnB}
    gotOnA = await again.until(lambda texts: missing <= set(texts))
    gotOnA += await again.settled()
    assert len(set(gotOnA)) == len(gotOnA), gotOnA  # none twice from A
    assert gotOnA == sorted(gotOnA), gotOnA
    assert set(gotOnB) | set(gotOnA) == set(sent(50))
    assert await pendingFor(url, "bob") == 0
    again_ = len(set(gotOnA) & set(gotOnB))
    print(f"B handed {len(gotOnB)}, A {len(gotOnA)} ({again_} of them B had handed)")
    for client in (alice, again.client):
        await client.close()
