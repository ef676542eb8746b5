"""
A registered user signs in to the real daemon while its PostgreSQL server
is stopped: the password is checked against the credentials the daemon
kept of the accounts it read lately (L{chatd.core.keptcredentials}).
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres

__all__ = ["ownPostgres"]  # (the fixture)


async def loginReply(daemon: Daemon, nick: str, password: str) -> str:
    """
    The last line a new TCHAT connection is answered to C{LOGIN nick
    password}; it is closed then.
    """
    client = await connect(daemon)
    try:
        return (await command(client, f"clt: LOGIN {nick} {password}"))[-1]
    finally:
        await client.close()


@pytest_twisted.ensureDeferred
async def test_signInWhilePostgresIsDown(tmp_path: Path, ownPostgres: PostgresServer) -> None:
    """
    Alice registers and signs in; PostgreSQL stops: her right password
    still signs in (C{OKAY!}), a wrong one is refused as wrong (C{22}),
    and an account the daemon did not read is "try again later" (C{03}).
    The log says once that sign-ins use the kept credentials.  Once the
    server is back, the database decides again.
    """
    url = createDatabase(ownPostgres.url)
    daemon = startDaemon(tmp_path, "--db", url)
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: REGIS secret-pw"))[-1] == "srv: OKAY!"
        await alice.close()
        assert await loginReply(daemon, "alice", "secret-pw") == "srv: OKAY!"

        ownPostgres.stop()
        assert await loginReply(daemon, "dora", "secret-pw") == "srv: ERROR 03"
        assert await loginReply(daemon, "alice", "secret-pw") == "srv: OKAY!"
        assert await loginReply(daemon, "alice", "wrong-pw") == "srv: ERROR 22"
        assert await loginReply(daemon, "alice", "secret-pw") == "srv: OKAY!"

        ownPostgres.start()
        reply = "srv: ERROR 03"
        for _ in range(40):  # the first queries may meet stale connections
            reply = await loginReply(daemon, "dora", "secret-pw")
            if reply != "srv: ERROR 03":
                break
            await deferLater(reactor, 0.25, lambda: None)
        assert reply == "srv: ERROR 22"  # the database answers: nobody registered dora
        assert await loginReply(daemon, "alice", "secret-pw") == "srv: OKAY!"
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "ERROR 00" not in log
    assert log.count("sign-ins are checked against the credentials kept in memory") == 1, log
