"""
A node killed (C{kill -9}) while the shared PostgreSQL is down, with two
real C{twistd -n chatd --cluster redis://... --db postgresql://...} nodes on
a real C{redis-server}, driven over TCHAT: the room messages the survivor
received from it live reach history once the database is back
(docs/CLUSTER.md, "When a node dies: its last messages").
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import pytest_twisted

from tests.support.clusterlive import (
    ClusterClient,
    login,
    sharedDatabaseNodes,
    sleep,
    waitForLine,
    waitForLog,
    waitForMembers,
)
from tests.support.daemon import Daemon
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["ownPostgres", "redisServer"]


@pytest.fixture
def nodes(
    tmp_path: Path, redisServer: RedisServer, ownPostgres: PostgresServer
) -> Iterator[Callable[[str], Daemon]]:
    """
    C{start(name)} starts a node on the test's Redis and one database on a
    PostgreSQL server of the test's own (C{ownPostgres}, which it may stop
    and start); each is stopped after the test.
    """
    yield from sharedDatabaseNodes(tmp_path, redisServer.url, createDatabase(ownPostgres.url))


async def histo(client: ClusterClient, room: str) -> list[str]:
    """
    The text of each message C{HISTO} lists for C{room}, once the database
    answers it (not C{ERROR 03}).
    """
    for _ in range(100):
        client.send(f"clt: HISTO {room} 100")
        lines = [await client.line()]
        while not lines[-1].startswith(("srv: OKAY!", "srv: ERROR ")):
            lines.append(await client.line())
        if lines[-1] != "srv: ERROR 03":
            return [
                lines[i + 1].removeprefix("srv: ")
                for i, line in enumerate(lines)
                if line.startswith("srv: SPEAK ")
            ]
        await sleep(0.2)
    raise AssertionError("the database never answered")


@pytest_twisted.ensureDeferred
async def test_killedWhileTheDatabaseIsDown(
    nodes: Callable[[str], Daemon], ownPostgres: PostgresServer
) -> None:
    """
    PostgreSQL stopped, alice's room message on node A acknowledged and
    received live by bob on node B, A killed: B logs a warning each for
    what it could not check and read back (no critical error), and once
    PostgreSQL is started again, B writes the message, which B's C{HISTO}
    then lists once.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice, bob = await login(a, "alice", "Blabla"), await login(b, "bob", "Blabla")
    await waitForMembers(alice, "Blabla", ["alice", "bob"])
    ownPostgres.stop()
    alice.send("clt: SPEAK Blabla\nclt: said while the database is down\nclt: .")
    assert await alice.line() == "srv: OKAY!"
    await waitForLine(bob, lambda line: line == "srv: said while the database is down")
    a.stop(signal.SIGKILL)
    await waitForLog(b, "stopped beating", timeout=30)
    await waitForLog(b, "1 messages received from node")
    assert "could not be checked against the shared store" in b.logText()
    await waitForLog(b, "room messages that never came could not be read back")
    await sleep(2)  # a try or two more meanwhile
    ownPostgres.start()
    await waitForLog(b, "was lost before it stored 1 of the 1 messages", timeout=40)
    assert await histo(bob, "Blabla") == ["said while the database is down"]
    log = b.logText()
    assert "Recovery#critical" not in log, log
    assert log.count("could not be checked against the shared store") == 1, log
    await bob.close()
