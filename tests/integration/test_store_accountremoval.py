"""
Deleting an account from every store (L{chatd.storage.accountremoval}):
what is kept of it goes, room history stays, and a name registered again
starts with nothing of the account before.
"""

from __future__ import annotations

from typing import Any

import pytest_twisted

from chatd.core.names import key
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import backend, store

__all__ = ["backend", "postgresServer", "store"]

SECOND = 1_795_000_000


@pytest_twisted.ensureDeferred
async def test_deleteAccount(store: Any) -> None:
    """
    The account goes with its hash, verifier, admin flag, always-on
    setting, memberships, approval requests, read markers and the private
    messages waiting for it; its room messages stay, and its delivered
    private conversation stays bob's without being the next alice's.
    """
    for nick in ("alice", "bob"):
        await store.saveAccount(nick, f"hash-{nick}", SECOND)
    await store.saveScramVerifier("alice", "hash-alice", "verifier")
    await store.setAdmin("alice", True)
    await store.setAlwaysOn("alice", True)
    await store.setMembership("alice", "Blabla", True)
    await store.setAccess("Blabla", "alice", False, SECOND)
    await store.saveReadMarker("alice", "Blabla", True, SECOND * 1000)
    store.addMessage("Blabla", "alice", None, ("hello all",), SECOND, millis=SECOND * 1000)
    store.addMessage(None, "bob", "alice", ("read",), SECOND, msgid="r", accounts=(True, True))
    await store.flush()
    both = (True, True)  # sender and recipient registered
    store.addMessage(None, "bob", "alice", ("waiting",), SECOND, pending=True, accounts=both)
    assert key("alice") in (await store.load()).access[key("Blabla")]
    assert await store.deleteAccount("ALICE") is True
    assert await store.deleteAccount("alice") is False
    assert await store.accountHash("alice") is None
    assert await store.accountName("alice") is None
    assert await store.scramVerifier("alice") is None
    assert await store.admins() == []
    assert await store.alwaysOnAccounts() == []
    assert await store.undelivered("alice") == []
    assert [m.lines for m in await store.history("Blabla", 10)] == [("hello all",)]
    assert await store.accountHash("bob") == "hash-bob"
    bobs = await store.targets("bob", [], 0, 2**62, 10)
    assert [(name, isRoom) for name, isRoom, _ in bobs] == [("alice", False)]
    await store.saveAccount("Alice", "hash-new", SECOND + 1)  # someone else takes the name
    assert await store.accountName("alice") == "Alice"
    assert await store.admins() == []
    assert await store.alwaysOnAccounts() == []
    assert await store.memberships("alice") == []
    assert await store.readMarkers("alice") == []
    assert await store.targets("alice", [], 0, 2**62, 10) == []
    snapshot = await store.load()
    assert key("alice") not in snapshot.access.get(key("Blabla"), {})
