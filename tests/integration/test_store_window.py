"""
History windows in the store (L{chatd.storage.conversations}): the newest or
oldest messages of one conversation between bounds, and the conversations a
nick has history in, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest_twisted

from chatd.core.names import key
from chatd.storage.conversations import Bound, Conversation
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import backend, store

__all__ = ["backend", "postgresServer", "store"]


async def _chat(store: Any) -> list[str]:
    """
    Ten messages in Blabla, one each 10 ms (two in one millisecond), with
    private conversations (registered alice and bob, unregistered carol)
    and another room between them; their msgids.
    """
    ids = []
    for i in range(10):
        millis = 1_000_000 + 10 * i - (10 if i == 9 else 0)
        store.addMessage(
            "Blabla", "alice", None, (f"m{i}",), millis // 1000, msgid=f"b{i}", millis=millis
        )
        ids.append(f"b{i}")
        if i == 4:
            both = (True, True)
            store.addMessage(
                None, "carol", "bob", ("hey",), 1000, millis=1_000_043, accounts=(False, True)
            )
            store.addMessage(
                None, "bob", "carol", ("who?",), 1000, millis=1_000_044, accounts=(True, False)
            )
            store.addMessage(
                None, "Alice", "bob", ("psst",), 1000, msgid="p1", millis=1_000_045, accounts=both
            )
            store.addMessage(
                None, "BOB", "alice", ("yes?",), 1000, msgid="p2", millis=1_000_046, accounts=both
            )
            store.addMessage("Général", "carol", None, ("x",), 1000, msgid="g1", millis=1_000_047)
    return ids


@pytest_twisted.ensureDeferred
async def test_window(store: Any) -> None:
    """
    A history window: the newest or oldest messages of one conversation
    between bounds given as a message or as a moment in milliseconds, the
    lower bound inclusive if asked; msgids and milliseconds come back.
    """
    await _chat(store)
    room = Conversation.ofRoom("BLABLA")

    async def texts(**kwargs: Any) -> list[str]:
        return [m.lines[0] for m in await store.window(room, **kwargs)]

    assert await texts(limit=3) == ["m7", "m8", "m9"]
    assert await texts(limit=3, newest=False) == ["m0", "m1", "m2"]
    four = await store.locate(room, "b4")
    assert four is not None and four.millis == 1_000_040
    assert await store.locate(room, "p1") is None  # another conversation's
    assert await store.locate(room, "nope") is None
    assert await texts(after=four, limit=100) == ["m5", "m6", "m7", "m8", "m9"]
    assert await texts(before=four, limit=2) == ["m2", "m3"]
    assert await texts(after=four, limit=2, newest=False, inclusive=True) == ["m4", "m5"]
    moment = Bound(1_000_040)
    assert await texts(after=moment, limit=2, newest=False) == ["m5", "m6"]
    assert await texts(before=moment, limit=100) == ["m0", "m1", "m2", "m3"]
    # m8 and m9 share a millisecond: a moment cannot part them, a msgid can.
    assert await texts(after=Bound(1_000_070), before=Bound(1_000_080), limit=9) == []
    eight = await store.locate(room, "b8")
    assert await texts(after=eight, limit=9) == ["m9"]
    got = await store.window(room, limit=1)
    assert [(m.msgid, m.millis, m.when) for m in got] == [("b9", 1_000_080, 1000)]
    private = await store.window(Conversation.between("bob", "ALICE"), limit=10)
    assert [(m.sender, m.recipient, m.lines, m.msgid) for m in private] == [
        ("Alice", "bob", ("psst",), "p1"),
        ("BOB", "alice", ("yes?",), "p2"),
    ]
    # carol was not registered: her conversation with bob is in bob's history only.
    assert await store.window(Conversation.between("carol", "bob"), limit=10) == []
    withCarol = await store.window(Conversation.between("bob", "carol"), limit=10)
    assert [m.lines for m in withCarol] == [("hey",), ("who?",)]
    assert await store.window(Conversation.between("alice", "carol"), limit=10) == []


@pytest_twisted.ensureDeferred
async def test_sentOrder(store: Any) -> None:
    """
    History is in the order messages were sent, whatever order they were
    stored in (two cluster nodes write their batches one after the other
    into one database), and bounds given as messages keep that order: a
    room's window, its latest messages, a private conversation, a search,
    and the private messages waiting for their recipient.
    """
    both = (True, True)
    for node in ((1, 3, 5), (2, 4)):  # each node's batch, written in turn
        for millis in node:
            store.addMessage(
                "Blabla", "alice", None, (f"word m{millis}",), 1, msgid=f"b{millis}", millis=millis
            )
            store.addMessage(
                None,
                "alice",
                "bob",
                (f"p{millis}",),
                1,
                msgid=f"p{millis}",
                millis=millis,
                accounts=both,
            )
            store.addMessage(
                None, "alice", "carol", (f"w{millis}",), 1, millis=millis, pending=True
            )
    room, private = Conversation.ofRoom("Blabla"), Conversation.between("bob", "alice")

    async def texts(conversation: Conversation, **kwargs: Any) -> list[str]:
        return [m.lines[0] for m in await store.window(conversation, **kwargs)]

    assert await texts(room, limit=9) == ["word m1", "word m2", "word m3", "word m4", "word m5"]
    assert await texts(private, limit=9) == ["p1", "p2", "p3", "p4", "p5"]
    three = await store.locate(private, "p3")
    assert await texts(private, before=three, limit=9) == ["p1", "p2"]
    assert await texts(private, after=three, limit=9, newest=False) == ["p4", "p5"]
    assert await texts(private, after=three, limit=1, newest=False, inclusive=True) == ["p3"]
    latest = await store.history("Blabla", 3)
    assert [m.lines[0] for m in latest] == ["word m3", "word m4", "word m5"]
    found = await store.search("alice", ["Blabla"], ["word"], 2)
    assert [m.lines[0] for m in found] == ["word m5", "word m4"]
    waiting = await store.undelivered("carol", 2)
    assert [m.lines[0] for _, m in waiting] == ["w1", "w2"]
    await store.markDelivered([id for id, _ in waiting])
    assert [m.lines[0] for _, m in await store.undelivered("carol")] == ["w3", "w4", "w5"]


@pytest_twisted.ensureDeferred
async def test_targets(store: Any) -> None:
    """
    The conversations a nick has history in, among the rooms given and its
    private ones, whose latest message is inside the window, earliest first.
    """
    await _chat(store)
    everything = await store.targets("bob", ["blabla", "Général", "Jeux"], 0, 2**62, 10)
    # A person is named as in one of the messages (any case).
    assert [(key(name), isRoom, ms) for name, isRoom, ms in everything] == [
        (key("carol"), False, 1_000_044),
        (key("alice"), False, 1_000_046),
        (key("Général"), True, 1_000_047),
        (key("Blabla"), True, 1_000_080),
    ]
    assert everything[2][0] == "Général"
    mine = await store.targets("alice", ["Blabla"], 0, 2**62, 10)
    assert [(key(name), isRoom) for name, isRoom, _ in mine] == [
        (key("bob"), False),
        (key("Blabla"), True),
    ]
    assert await store.targets("bob", ["Blabla", "Général"], 1_000_046, 2**62, 1) == [
        ("Général", True, 1_000_047)
    ]
    assert await store.targets("bob", [], 0, 2**62, 10, private=False) == []
    assert await store.targets("carol", [], 0, 2**62, 10) == []
    # Blabla's latest message is outside the window: it is not listed.
    assert await store.targets("carol", ["Blabla"], 0, 1_000_080, 10) == []
