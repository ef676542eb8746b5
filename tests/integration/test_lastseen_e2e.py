"""
When an always-on account was last connected, through the real
C{twistd -n chatd} killed with C{kill -9} (L{chatd.core.lastseen}): the
daemon writes it for the accounts connected every C{--seen-interval}, so
after the kill and a restart, what the account is told it missed counts
from the last such write, not from when it last left.
"""

from __future__ import annotations

import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from chatd.core.names import key
from chatd.storage.sqlite import DATABASE_NAME
from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, until
from tests.support.lineclient import LineClient, connectLines

#: Seconds between the daemon's writes of who is connected (short, for the test).
INTERVAL = "0.2"


def start(tmp_path: Path) -> Daemon:
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        "--seen-interval",
        INTERVAL,
        factories=("TchatFactory",),
    )


def lastSeen(tmp_path: Path, nick: str) -> int | None:
    """C{nick}'s C{last_seen}, read from the daemon's SQLite database."""
    with closing(sqlite3.connect(tmp_path / "data" / DATABASE_NAME)) as database:
        query = "SELECT last_seen FROM accounts WHERE nick_key = ?"
        [(seen,)] = database.execute(query, (key(nick),)).fetchall()
    return None if seen is None else int(seen)


async def writtenAgain(tmp_path: Path, nick: str) -> None:
    """
    Wait until the daemon writes when C{nick} was last connected once
    more (many intervals at most).
    """
    before = await deferToThread(lastSeen, tmp_path, nick)
    for _ in range(200):
        if await deferToThread(lastSeen, tmp_path, nick) != before:
            return
        await deferLater(reactor, 0.05, lambda: None)
    raise AssertionError(f"{nick}'s last connection was not written again")


async def speak(client: LineClient, text: str) -> None:
    assert (await command(client, "clt: SPEAK lobby", f"clt: {text}", "clt: ."))[-1] == (
        "srv: OKAY!"
    )


async def bobInLobby(daemon: Daemon) -> LineClient:
    bob = await connect(daemon)
    assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
    assert (await command(bob, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
    return bob


@pytest_twisted.ensureDeferred
async def test_killedCountsFromLastWrite(tmp_path: Path) -> None:
    """
    alice, always on, left once, then came back and stayed connected while
    bob spoke; the daemon is killed after it wrote her as connected: back
    after a restart, only what bob said since counts as missed.
    """
    daemon = start(tmp_path)
    try:
        tchat = await connect(daemon)
        assert (await command(tchat, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        await tchat.close()  # her last connection: last seen now
        alice = await connectLines(reactor, daemon.ports["IRCFactory"])
        alice.send("PASS sesame", "NICK alice", "USER alice 0 * :alice")
        await until(alice, "JOIN #lobby")
        alice.send("ALWAYSON ON")
        await until(alice, "NOTE ALWAYSON")
        bob = await bobInLobby(daemon)
        await speak(bob, "seen live")
        await writtenAgain(tmp_path, "alice")  # since bob spoke
    finally:
        daemon.stop(signal.SIGKILL)
    assert daemon.process.returncode == -signal.SIGKILL

    daemon = start(tmp_path)
    try:
        bob = await bobInLobby(daemon)
        await speak(bob, "missed")
        back = await connect(daemon)
        back.send("clt: LOGIN alice sesame")
        caught = await until(back, "while you were away")
        assert caught[-1] == "srv: while you were away: 1 in lobby new since you last read"
        await back.close()
        await bob.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
