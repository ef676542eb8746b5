"""
A daemon stopped while its database is down keeps the messages it had
acknowledged and not yet written in its data directory, and writes them at
its next start: a restart during an outage loses none (real daemon, real
PostgreSQL stopped under it).
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from chatd.storage.spool import UNWRITTEN
from tests.support.daemon import startDaemon
from tests.support.e2eclients import command, connect, spoken
from tests.support.pgserver import PostgresServer, createDatabase, ownPostgres

__all__ = ["ownPostgres"]


@pytest_twisted.ensureDeferred
async def test_stopDuringOutageKeepsAcknowledgedMessages(
    tmp_path: Path, ownPostgres: PostgresServer
) -> None:
    """
    Three messages acknowledged (C{OKAY!}) while PostgreSQL is down, then a
    SIGTERM: the log says they are kept, in a file only the daemon's user
    may read; once PostgreSQL is back, the next start writes them, in
    order, and the file goes.
    """
    url = createDatabase(ownPostgres.url)
    args = ("--port", "tcp:0:interface=127.0.0.1", "--db", url)
    daemon = startDaemon(tmp_path, *args)
    try:
        carol = await connect(daemon)
        assert (await command(carol, "clt: LOGIN carol"))[-1] == "srv: OKAY!"
        assert (await command(carol, "clt: ENTER Blabla"))[-1] == "srv: OKAY!"
        ownPostgres.stop()
        for n in range(3):
            said = await command(carol, "clt: SPEAK Blabla", f"clt: kept {n}", "clt: .")
            assert said[-1] == "srv: OKAY!"
        await carol.close()
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "stopping with 3 messages not written" in log and "written at the next start" in log
    spool = tmp_path / "chatd-data" / UNWRITTEN
    assert spool.stat().st_mode & 0o777 == 0o600
    ownPostgres.start()
    daemon = startDaemon(tmp_path, *args)
    try:
        reader = await connect(daemon)
        texts: list[str] = []
        for _ in range(40):  # the first queries may meet a server still starting
            reply = await command(reader, "clt: LOGIN reader")
            if reply[-1] == "srv: OKAY!":
                await command(reader, "clt: ENTER Blabla")
                texts = spoken(await command(reader, "clt: HISTO Blabla 10"))
                break
            await deferLater(reactor, 0.5, lambda: None)
        assert [text for text in texts if text.startswith("kept")] == [
            "kept 0",
            "kept 1",
            "kept 2",
        ]
        assert not spool.exists()
        assert "3 messages kept by the last stop are written first" in daemon.logText()
        await reader.close()
    finally:
        daemon.stop()
