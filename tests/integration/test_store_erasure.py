"""
Erasing what one name sent (L{chatd.storage.erasure}): every message sent
under it, room and private, waiting or delivered, goes from history and
from the search index, whatever the name's case; what others sent it
stays; on every store (SQLite and PostgreSQL too).
"""

from __future__ import annotations

from typing import Any

import pytest_twisted

from chatd.storage.conversations import Conversation
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import backend, store

__all__ = ["backend", "postgresServer", "store"]

BOTH = (True, True)


@pytest_twisted.ensureDeferred
async def test_eraseSender(store: Any) -> None:
    """
    A room message, delivered and waiting private messages of pupil051's
    go, one still queued for writing too; a classmate's room message and
    bob's answer stay.
    """
    add = store.addMessage
    add("Blabla", "Pupil051", None, ("lunch later",), 1000, msgid="r1", millis=1_000_000)
    add("Blabla", "carol", None, ("lunch now",), 1000, msgid="r2", millis=1_000_001)
    add(None, "pupil051", "bob", ("meet alone",), 1000, msgid="p1", millis=1_000_002, accounts=BOTH)
    add(None, "bob", "pupil051", ("no thanks",), 1000, msgid="p2", millis=1_000_003, accounts=BOTH)
    add(
        None,
        "PUPIL051",
        "bob",
        ("waiting alone",),
        1000,
        pending=True,
        msgid="p3",
        millis=1_000_004,
        accounts=BOTH,
    )
    assert await store.waitingCount("bob") == 1
    assert [m.msgid for m in await store.search("bob", [], ["alone"], 10)] == ["p3", "p1"]

    # Sent a moment before: still queued for writing, erased all the same.
    add(None, "pupil051", "bob", ("last",), 1000, msgid="p4", millis=1_000_005, accounts=BOTH)
    assert await store.eraseSender("pupil051") == (1, 3)

    assert [m.msgid for m in await store.history("Blabla", 10)] == ["r2"]
    assert [m.msgid for m in await store.search("bob", ["Blabla"], ["alone"], 10)] == []
    assert [m.msgid for m in await store.search("bob", ["Blabla"], ["lunch"], 10)] == ["r2"]
    assert await store.waitingCount("bob") == 0
    kept = await store.window(Conversation.between("bob", "pupil051"), limit=10)
    assert [m.msgid for m in kept] == ["p2"]
    assert await store.findMessage("p1") is None
    assert await store.findMessage("p4") is None
    assert await store.eraseSender("pupil051") == (0, 0)
