"""
The real C{twistd -n chatd} keeps accounts, rooms, history and waiting
private messages across a restart, after SIGTERM and after C{kill -9}.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, database, spoken
from tests.support.pgserver import postgresServer

__all__ = ["database", "postgresServer"]


def start(tmp_path: Path, *args: str) -> Daemon:
    if "--db" not in args:
        args = ("--data-dir", str(tmp_path / "data"), *args)
    return startDaemon(tmp_path, "--port", "tcp:0:interface=127.0.0.1", "--flood-burst", "0", *args)


@pytest_twisted.ensureDeferred
async def test_restartAfterSigterm(tmp_path: Path, database: list[str]) -> None:
    """
    After SIGTERM, a restarted daemon on the same data directory still has
    the registered accounts (and refuses them without their password), the
    rooms users created and were in, every acknowledged message (sent right
    up to the signal), and the private message waiting for an absent user;
    with SQLite and with PostgreSQL.
    """
    daemon = start(tmp_path, *database)
    try:
        alice, bob = await connect(daemon), await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
        assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
        assert (await command(bob, "clt: REGIS bobpass"))[-1] == "srv: OKAY!"
        await bob.close()
        while not (await alice.line()).startswith("srv: LEAVE Général bob "):
            pass  # the daemon has seen bob go: he is offline now
        assert (await command(alice, "clt: CREAT Jeux"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: ENTER Jeux"))[-1] == "srv: OKAY!"
        assert (await command(alice, "clt: MSGPV bob", "clt: while away", "clt: ."))[
            -1
        ] == "srv: OKAY!"
        assert (await command(alice, "clt: ENTER Marketing"))[-1] == "srv: ERROR 37"
        for i in range(200):
            alice.send("clt: SPEAK Jeux", f"clt: m{i}", "clt: .")
        for _ in range(200):
            assert await alice.line() == "srv: OKAY!"
    finally:
        status = daemon.stop(signal.SIGTERM)
    assert status in (0, -signal.SIGTERM), daemon.logText()
    assert "Traceback" not in daemon.logText()

    daemon = start(tmp_path, *database)
    try:
        intruder = await connect(daemon)
        assert await command(intruder, "clt: LOGIN alice") == ["srv: ERROR 22"]
        assert await command(intruder, "clt: LOGIN alice wrong") == ["srv: ERROR 22"]
        await intruder.close()
        alice = await connect(daemon)
        assert await command(alice, "clt: LOGIN alice sesame") == ["srv: OKAY!"]
        # Then the NOTICE naming her rooms (Général since REGIS); no replay:
        # TCHAT asks with HISTO.
        welcome = await alice.nextLines(3)
        assert welcome[1:3] == ["srv: you are in Général, Jeux", "srv: ."]
        history = await command(alice, "clt: HISTO Jeux 200")
        assert spoken(history) == [f"m{i}" for i in range(200)]
        bob = await connect(daemon)
        assert await command(bob, "clt: LOGIN bob bobpass") == ["srv: OKAY!"]
        welcome = [await bob.line()]
        while welcome[-1] != "srv: while away":
            welcome.append(await bob.line())
        assert welcome[-2].startswith("srv: MSGPV alice ")
        assert await command(bob, "clt: LSMEM Jeux") == ["srv: .", "srv: ERROR 34"]
        await alice.close()
        await bob.close()
    finally:
        daemon.stop(signal.SIGTERM)
    assert "Traceback" not in daemon.logText()


@pytest_twisted.ensureDeferred
async def test_killMinusNine(tmp_path: Path) -> None:
    """
    After kill -9, every message acknowledged is stored, once, in order:
    those written in batches before, and those the kill came before their
    batch (C{--flush-interval} 2 s: none of the last 50 is written yet),
    which the next start reads back from the journal.
    """
    daemon = start(tmp_path, "--flush-interval", "2")
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert await command(alice, "clt: ENTER Général") == ["srv: OKAY!"]
        for i in range(100):
            alice.send(
                "clt: SPEAK Blabla" if i == 0 else "clt: SPEAK Général", f"clt: m{i}", "clt: ."
            )
        lines = [await alice.line() for _ in range(100)]
        assert lines.count("srv: OKAY!") == 99  # m0 went to a room alice is not in
        await deferLater(reactor, 2.5, lambda: None)  # one batch window: written
        for i in range(100, 150):
            alice.send("clt: SPEAK Général", f"clt: m{i}", "clt: .")
        for _ in range(50):
            assert await alice.line() == "srv: OKAY!"
    finally:
        daemon.stop(signal.SIGKILL)
    assert daemon.process.returncode == -signal.SIGKILL

    daemon = start(tmp_path, "--history-count", "0")
    try:
        alice = await connect(daemon)
        assert (await command(alice, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert await command(alice, "clt: ENTER Général") == ["srv: OKAY!"]
        stored = spoken(await command(alice, "clt: HISTO Général 1000"))
        assert stored == [f"m{i}" for i in range(1, 150)]
        assert "messages acknowledged before the last run ended" in daemon.logText()
        await alice.close()
    finally:
        daemon.stop(signal.SIGTERM)
