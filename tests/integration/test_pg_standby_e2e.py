"""
PostgreSQL with a hot standby under the real daemon: C{--db} names both
servers (libpq's multi-host URL with C{target_session_attrs=read-write}),
the primary dies, the standby is promoted, and the daemon goes on with it
by itself: accounts, rooms and the history written before the failover are
there, and new messages are stored on the new primary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.daemon import startDaemon
from tests.support.e2eclients import command, connect, spoken
from tests.support.pgserver import PostgresServer, createDatabase


@pytest.fixture
def primaryAndStandby() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    primary = PostgresServer()
    try:
        standby = PostgresServer(primary)
        try:
            yield primary, standby
        finally:
            standby.remove()
    finally:
        primary.remove()


def replayed(primary: PostgresServer, standby: PostgresServer, database: str) -> None:
    """
    Wait until the standby has replayed everything the primary wrote.
    """
    import psycopg

    with psycopg.connect(f"{primary.url}/{database}") as connection:
        [target] = connection.execute("SELECT pg_current_wal_lsn()").fetchall()[0]
    deadline = time.monotonic() + 10
    with psycopg.connect(f"{standby.url}/{database}", autocommit=True) as connection:
        while True:
            query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
            [done] = connection.execute(query, (target,)).fetchall()[0]
            if done:
                return
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)


@pytest_twisted.ensureDeferred
async def test_failoverToStandby(
    tmp_path: Path, primaryAndStandby: tuple[PostgresServer, PostgresServer]
) -> None:
    """
    Alice registers and speaks; the primary dies and the standby is
    promoted; while no server takes writes, a login that needs the
    database (dora's, whose credentials are not kept) gets "try again"
    (03), never an internal error; then, with no restart and no change of
    options, alice logs in with her password, is back in her rooms, sees
    what she said before, says more, and a new account registers.
    """
    primary, standby = primaryAndStandby
    database = createDatabase(primary.url).rsplit("/", 1)[1]
    hosts = f"127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
    url = f"postgresql://chatd@{hosts}/{database}?target_session_attrs=read-write"
    daemon = startDaemon(tmp_path, "--db", url, "--flush-interval", "0.05")
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: REGIS secret-pw"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: CREAT Atelier"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: ENTER Atelier"))[-1] == "srv: OKAY!"
        said = await command(alice, "clt: SPEAK Atelier", "clt: before the failover", "clt: .")
        assert said[-1] == "srv: OKAY!"
        assert "before the failover" in spoken(await command(alice, "clt: HISTO Atelier 5"))
        await alice.close()
        replayed(primary, standby, database)

        primary.stop()
        bob = await connect(daemon)
        assert (await command(bob, "clt: LOGIN dora secret-pw"))[-1] == "srv: ERROR 03"
        await bob.close()
        standby.promote()

        reply = "srv: ERROR 03"
        # Stale pooled connections fail once each; then libpq finds the new
        # primary, which tells that dora is not registered.
        for _ in range(40):
            dora = await connect(daemon)
            reply = (await command(dora, "clt: LOGIN dora secret-pw"))[-1]
            await dora.close()
            if reply != "srv: ERROR 03":
                break
            await deferLater(reactor, 0.25, lambda: None)
        assert reply == "srv: ERROR 22"
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice secret-pw"))[-1] == "srv: OKAY!"
        # Back in her rooms from last time, as stored before the failover.
        assert (await command(alice, "clt: ENTER Atelier"))[-1] == "srv: ERROR 35"
        said = await command(alice, "clt: SPEAK Atelier", "clt: after the failover", "clt: .")
        assert said[-1] == "srv: OKAY!"
        history = spoken(await command(alice, "clt: HISTO Atelier 5"))
        assert "before the failover" in history and "after the failover" in history
        carol = await connect(daemon)
        assert (await command(carol, "clt: LOGIN carol"))[-1] == "srv: OKAY!"
        assert (await command(carol, "clt: REGIS carol-pw"))[-1] == "srv: OKAY!"
        await carol.close()
        await alice.close()
    finally:
        daemon.stop()
    assert "ERROR 00" not in daemon.logText()
