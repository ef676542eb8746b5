"""
Talk mode's history markers through the real C{twistd -n chatd} on a
default fresh data directory: a room's past, replayed on entering, comes
between C{*** History of <room>, ...} and C{*** End of history.}, and what
is said afterwards is live.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest_twisted
from twisted.internet import reactor

from chatd.talk.format import GREETING, NICK_PROMPT
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient, connectLines


async def talkLogin(daemon: Daemon, nick: str) -> LineClient:
    client = await connectLines(reactor, daemon.ports["TalkFactory"])
    assert await client.nextLines(2) == list(GREETING)
    client.send(nick)
    # The prompt has no line end, so it shares a line with the answer.
    assert await client.line() == f"{NICK_PROMPT}*** Welcome, {nick}!"
    return client


async def until(client: LineClient, wanted: str) -> list[str]:
    """
    The lines up to and including C{wanted}.
    """
    seen = [await client.line()]
    while seen[-1] != wanted:
        seen.append(await client.line())
    return seen


@pytest_twisted.ensureDeferred
async def test_historyBetweenMarkers(tmp_path: Path) -> None:
    """
    Bob speaks in the landing room; Alice, landing there just after, reads
    his two messages between the markers, each with its time (however
    recent), and then his next one live.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        factories=("TchatFactory", "TalkFactory"),
    )
    try:
        bob = await talkLogin(daemon, "bob")
        await until(bob, "*** You joined lobby; nobody else is here yet.")
        bob.send("first", "second", "/history")  # stored once /history shows them
        await until(bob, "*** End of history.")
        alice = await talkLogin(daemon, "alice")
        assert (await bob.line()) == "*** alice has joined lobby"
        seen = await until(alice, "*** History of lobby, the last 2 messages:")
        assert "*** You joined lobby, with bob." in seen
        history = await until(alice, "*** End of history.")
        assert len(history) == 3, history
        for line, text in zip(history[:2], ("first", "second"), strict=True):
            assert re.fullmatch(rf"\[lobby \d\d:\d\d\] <bob> {text}", line), line
        bob.send("third")
        assert await alice.line() == "[lobby] <bob> third"
        await alice.close()
        await bob.close()
    finally:
        status = daemon.stop(signal.SIGTERM)
    assert status in (0, -signal.SIGTERM), daemon.logText()
    assert "Traceback" not in daemon.logText()
