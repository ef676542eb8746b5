"""
Talk mode's C{/search} through the real C{twistd -n chatd}, on SQLite and
on PostgreSQL, finds a message whatever the Unicode form and case it was
typed in and inside Japanese text (L{chatd.core.searchform}).
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest_twisted

from tests.support.daemon import startDaemon
from tests.support.e2eclients import database, talkLogin, until
from tests.support.lineclient import LineClient
from tests.support.pgserver import postgresServer

__all__ = ["database", "postgresServer"]

TOKYO = "\u660e\u65e5\u6771\u4eac\u306b\u884c\u304d\u307e\u3059"  # 明日東京に行きます
NFD_CAFE = "un cafe\u0301 au lait"  # as a keyboard sending decomposed accents types it
ISTANBUL = "\u0130stanbul'da bulu\u015fal\u0131m"  # İstanbul'da buluşalım


async def search(client: LineClient, words: str) -> list[str]:
    """
    The messages C{/search words} lists, without their room and time.
    """
    client.send(f"/search {words}")
    lines = await until(client, "*** ")
    if lines[-1].startswith("*** No message matches"):
        return []
    assert lines[-1].startswith(f'*** Search for "{words}": '), lines
    found = await until(client, "*** End of search.")
    return [re.sub(r"^\[\S+ \d\d:\d\d\] <bob> ", "", line) for line in found[:-1]]


@pytest_twisted.ensureDeferred
async def test_searchAnyFormAndScript(tmp_path: Path, database: list[str]) -> None:
    """
    Bob types a Japanese sentence, C{café} with a decomposed accent and
    C{İstanbul} with its dotted capital; Alice finds each with what she
    types: two characters of the Japanese, C{café} precomposed, and
    C{istanbul}.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--flood-burst",
        "0",
        *database,
        factories=("TchatFactory", "TalkFactory"),
    )
    try:
        bob = await talkLogin(daemon.ports["TalkFactory"], "bob")
        await until(bob, "*** You joined")
        alice = await talkLogin(daemon.ports["TalkFactory"], "alice")
        await until(alice, "*** You joined")
        bob.send(TOKYO, NFD_CAFE, ISTANBUL)
        for text in (TOKYO, NFD_CAFE, ISTANBUL):
            await until(alice, f"<bob> {text}")
        assert await search(alice, "\u6771\u4eac") == [TOKYO]  # 東京
        assert await search(alice, "caf\u00e9") == [NFD_CAFE]
        assert await search(alice, "istanbul") == [ISTANBUL]
        assert await search(alice, "\u5927\u962a") == []  # 大阪
        await alice.close()
        await bob.close()
    finally:
        status = daemon.stop(signal.SIGTERM)
    assert status in (0, -signal.SIGTERM), daemon.logText()
    assert "Traceback" not in daemon.logText()
