# -*- test-case-name: tests.integration.test_redaction_e2e -*-
"""
End-to-end: deleting a message over a real C{twistd -n chatd} on SQLite
and on PostgreSQL, with an IRC client with C{draft/message-redaction} and a
web page (JSON over WebSocket) over loopback.  Neither a stranger on IRC
nor one on the web may delete the message; its author's C{REDACT} reaches
every IRC client with the capability and every page, and neither IRC's
chathistory nor the web's history or search returns it afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from tests.support.daemon import Daemon, startDaemon
from tests.support.e2eclients import untilCommand, webLogin
from tests.support.lineclient import LineClient, connectLines
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.websocketclient import Client

__all__ = ["postgresServer"]

CAPS = "draft/message-redaction message-tags echo-message batch server-time draft/chathistory"


@pytest.fixture(params=["sqlite", "postgres"])
def storeArgs(request: pytest.FixtureRequest) -> tuple[str, ...]:
    if request.param == "sqlite":
        return ()
    return ("--db", createDatabase(request.getfixturevalue("postgresServer")))


@pytest_twisted.async_yield_fixture
async def daemon(tmp_path: Path, storeArgs: tuple[str, ...]) -> AsyncIterator[Daemon]:
    started = startDaemon(
        tmp_path,
        "--port",
        "",
        "--rooms",
        "lobby",
        *storeArgs,
        factories=(),
    )
    yield started
    started.stop()
    assert "Traceback" not in started.logText()


async def ircUser(daemon: Daemon, nick: str) -> LineClient:
    client = await connectLines(reactor, daemon.ports["IRCFactory"])
    client.send(f"CAP REQ :{CAPS}", f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    await untilCommand(client, "376")
    client.send("JOIN #lobby")
    await untilCommand(client, "366")
    return client


async def webUser(daemon: Daemon, nick: str) -> Client:
    web = await webLogin(daemon, nick)
    joined = await web.request(type="join", room="lobby", id=2)
    assert joined["operator"] is False
    return web


async def historyIds(client: LineClient) -> list[str]:
    client.send("CHATHISTORY LATEST #lobby * 50")
    batch = await untilCommand(client, "BATCH")  # its start
    assert batch[-1].params[1:] == ["chathistory", "#lobby"]
    inner = await untilCommand(client, "BATCH")  # up to its end
    return [m.tags["msgid"] for m in inner if m.command == "PRIVMSG"]


@pytest_twisted.ensureDeferred
async def test_redaction(daemon: Daemon) -> None:
    alice = await ircUser(daemon, "alice")
    web = await webUser(daemon, "webby")
    carol = await ircUser(daemon, "carol")
    try:
        alice.send("PRIVMSG #lobby :the picnic is on sunday", "PRIVMSG #lobby :still here")
        echoes = [m for m in await untilCommand(alice, "PRIVMSG") if m.command == "PRIVMSG"]
        echoes += [m for m in await untilCommand(alice, "PRIVMSG") if m.command == "PRIVMSG"]
        msgid, kept = echoes[0].tags["msgid"], echoes[1].tags["msgid"]
        seen = [(await web.next("message"))["msgid"] for _ in range(2)]
        assert seen == [msgid, kept]

        # Strangers are refused: carol on IRC, webby on the web.
        carol.send(f"REDACT #lobby {msgid} :not mine")
        got = await untilCommand(carol, "FAIL")
        assert {m.command for m in got[:-1]} <= {"PRIVMSG"}, got  # alice's two, no REDACT
        fail = got[-1]
        assert fail.params[:4] == ["REDACT", "REDACT_FORBIDDEN", "#lobby", msgid]
        refused = await web.request(type="redact", room="lobby", msgid=msgid, id=3)
        assert (refused["type"], refused["code"]) == ("error", 12)
        refused = await web.request(type="redact", room="lobby", msgid="nope", id=4)
        assert (refused["type"], refused["code"]) == ("error", 10)

        # The author deletes it: everyone is told.
        alice.send(f"REDACT #lobby {msgid} :wrong day")
        mine = (await untilCommand(alice, "REDACT"))[-1]
        assert mine.params == ["#lobby", msgid, "wrong day"]
        told = (await untilCommand(carol, "REDACT"))[-1]
        assert told.prefix is not None and told.prefix.startswith("alice!")
        assert told.params == ["#lobby", msgid, "wrong day"]
        frame = await web.next("redacted")
        assert (frame["msgid"], frame["by"], frame["room"], frame["from"]) == (
            msgid,
            "alice",
            "lobby",
            "alice",
        )

        # History, on either side, no longer has it; the other message stays.
        assert await historyIds(carol) == [kept]
        history = await web.request(type="history", room="lobby", id=5)
        assert [m["msgid"] for m in history["messages"]] == [kept]
        found = await web.request(type="search", text="picnic", id=6)
        assert found["results"] == []

        # Deleting it again: unknown.
        alice.send(f"REDACT #lobby {msgid}")
        again = (await untilCommand(alice, "FAIL"))[-1]
        assert again.params[:2] == ["REDACT", "UNKNOWN_MSGID"]
    finally:
        for client in (alice, carol):
            await client.close()
        web.transport.loseConnection()
        await web.closed
