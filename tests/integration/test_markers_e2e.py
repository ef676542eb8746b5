"""
Read markers through the real daemon: the account reads on the web, its IRC
connection with C{draft/read-marker} is told; after a restart of the daemon
the marker is still there (IRC after JOIN, the web's list with the unread
count since).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, until, webLogin
from tests.support.lineclient import LineClient, connectLines


def start(tmp_path: Path) -> Daemon:
    return startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        factories=("TchatFactory", "GuardedSite", "IRCFactory"),
    )


async def ircAlice(daemon: Daemon) -> LineClient:
    irc = await connectLines(reactor, daemon.ports["IRCFactory"])
    irc.send(
        "CAP LS 302",
        "CAP REQ :draft/read-marker",
        "PASS sesame",
        "NICK alice",
        "USER alice 0 * :Alice",
        "CAP END",
    )
    return irc


async def close(web: Any) -> None:
    web.transport.loseConnection()
    await web.closed


@pytest_twisted.ensureDeferred
async def test_readOnTheWebToldOnIRCAndKept(tmp_path: Path) -> None:
    """
    alice (registered over TCHAT, in lobby) is on IRC with the capability
    and on the web; bob speaks in lobby.  IRC hears C{MARKREAD #lobby *}
    after its JOIN; the web page marks bob's message read and IRC is told
    the new marker.  After a restart, IRC is given the same marker after
    its JOIN, and the web's list has it with bob's one newer message unread.
    """
    daemon = start(tmp_path)
    try:
        tchat = await connect(daemon)
        assert (await command(tchat, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
        assert (await command(tchat, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        bob = await connect(daemon)
        assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
        assert (await command(bob, "clt: ENTER lobby"))[-1] == "srv: OKAY!"

        irc = await ircAlice(daemon)
        assert (await until(irc, "MARKREAD #lobby"))[-1].endswith("MARKREAD #lobby *")
        web = await webLogin(daemon, "alice", "sesame")
        try:
            await command(bob, "clt: SPEAK lobby", "clt: hello alice", "clt: .")
            said = await web.next("message")
            reply = await web.request(type="markread", room="lobby", millis=said["millis"], id=2)
            stamp = reply["millis"]
            assert (reply["time"], reply["millis"]) == (said["time"], said["millis"])
            told = (await until(irc, "MARKREAD #lobby"))[-1]
            assert told.split()[-1].startswith("timestamp=")
            marked = told.split()[-1]
        finally:
            await close(web)
        irc.send("QUIT :bye")
        await irc.closed
        await tchat.close()
        await bob.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()

    daemon = start(tmp_path)
    try:
        bob = await connect(daemon)
        assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
        assert (await command(bob, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        await command(bob, "clt: SPEAK lobby", "clt: while you were away", "clt: .")
        irc = await ircAlice(daemon)
        assert (await until(irc, "MARKREAD #lobby"))[-1].endswith("MARKREAD #lobby " + marked)
        web = await webLogin(daemon, "alice", "sesame")
        try:
            listed = await web.request(type="markers", id=2)
            assert listed["markers"] == [
                {"room": "lobby", "time": stamp // 1000, "millis": stamp, "unread": 1}
            ]
        finally:
            await close(web)
        irc.send("QUIT :bye")
        await irc.closed
        await bob.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
