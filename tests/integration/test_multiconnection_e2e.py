"""
One account signed in at once over TCHAT, IRC and the web, through the
real daemon: the room sees one member, what one connection says or does
shows on the others, and the person leaves only with its last connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import command, connect, until, webConnect
from tests.support.lineclient import LineClient, connectLines


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--data-dir",
        str(tmp_path / "data"),
        factories=("TchatFactory", "GuardedSite", "IRCFactory"),
    )
    yield daemon
    daemon.stop()
    assert "Traceback" not in daemon.logText()


async def members(client: LineClient, room: str) -> list[str]:
    """C{room}'s members as C{client} lists them; nobody entered meanwhile."""
    lines = await command(client, f"clt: LSMEM {room}")
    start = lines.index(next(line for line in lines if line.startswith("srv: LSMEM ")))
    assert not [line for line in lines[:start] if line.startswith("srv: ENTER")]  # no new entry
    return [line.removeprefix("srv: ") for line in lines[start + 1 : -1]]


@pytest_twisted.ensureDeferred
async def test_oneAccountThreeProtocols(daemon: Daemon) -> None:
    """
    alice signs in over TCHAT (registering), IRC (PASS) and the web (with
    the password) at once: bob, in the same room over TCHAT, sees her
    enter once and lists her once; what she says over IRC reaches bob and
    her TCHAT and web connections (the web page as hers); a room she
    enters from the web shows as JOIN on IRC and as ENTER on TCHAT; a
    private message from the web shows on IRC as her own; closing the
    web and IRC connections tells bob nothing, closing the last one makes
    her leave.
    """
    tchat = await connect(daemon)
    assert (await command(tchat, "clt: LOGIN alice"))[-1] == "srv: OKAY!"
    assert (await command(tchat, "clt: REGIS sesame"))[-1] == "srv: OKAY!"
    assert (await command(tchat, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
    bob = await connect(daemon)
    assert (await command(bob, "clt: LOGIN bob"))[-1] == "srv: OKAY!"
    assert (await command(bob, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
    assert await members(bob, "lobby") == ["alice", "bob"]

    irc = await connectLines(reactor, daemon.ports["IRCFactory"])
    irc.send("PASS sesame", "NICK alice", "USER alice 0 * :Alice")
    welcome = await until(irc, " 366 alice #lobby ")
    assert any(" 001 alice " in line for line in welcome)
    assert any(line.startswith(":alice!") and "JOIN #lobby" in line for line in welcome)

    web = await webConnect(daemon)
    try:
        login = await web.request(type="login", nick="alice", password="sesame", id=1)
        assert (login["type"], login["nick"]) == ("login", "alice")
        assert "lobby" in login["rooms"]
        assert await members(bob, "lobby") == ["alice", "bob"]  # one member, not three

        irc.send("PRIVMSG #lobby :hello from irc")
        assert (await until(bob, "srv: SPEAK alice lobby"))[-1].startswith("srv: SPEAK alice lobby")
        assert await bob.line() == "srv: hello from irc"
        assert (await until(tchat, "srv: SPEAK alice lobby"))[-1].startswith("srv: SPEAK")
        assert await tchat.line() == "srv: hello from irc"
        said = await web.next("message")
        assert (said["from"], said["room"], said["text"]) == ("alice", "lobby", "hello from irc")

        assert (await command(bob, "clt: CREAT den"))[-1] == "srv: OKAY!"
        entered = await web.request(type="join", room="den", id=2)
        assert entered["room"] == "den"
        assert (await until(irc, "JOIN #den"))[-1].startswith(":alice!")
        assert (await until(tchat, "srv: ENTER den alice "))[-1].startswith("srv: ENTER den alice")

        await web.request(type="tell", to="bob", text="psst", id=3)
        assert (await until(irc, "PRIVMSG bob :psst"))[-1].startswith(":alice!")
        assert (await until(bob, "srv: MSGPV alice"))[-1].startswith("srv: MSGPV alice")
    finally:
        web.transport.loseConnection()
        await web.closed
    irc.send("QUIT :bye")
    await irc.closed
    assert await members(bob, "lobby") == ["alice", "bob"]  # still here: one connection left
    await tchat.close()
    left = await until(bob, "srv: LEAVE lobby alice ")
    assert all("ENTER" not in line for line in left)
    assert await members(bob, "lobby") == ["bob"]
    await bob.close()
