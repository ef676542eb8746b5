"""
An operator's answer to a request to enter an approval room, in every
store (L{chatd.storage.access}): it decides only a request that still
waits, says what came first otherwise, and of two processes sharing a
database answering one request at once, one decides.
"""

from __future__ import annotations

from typing import Any

import pytest_twisted
from twisted.internet.defer import gatherResults

from chatd.core.names import key
from chatd.storage.records import ACCEPTED_ALREADY, DECIDED, ENDED_ALREADY
from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, sharers, store

__all__ = ["backend", "postgresServer", "store"]


async def _access(store: Any, room: str) -> dict[str, tuple[str, bool]]:
    snapshot = await store.load()
    requests: dict[str, tuple[str, bool]] = snapshot.access.get(key(room), {})
    return requests


@pytest_twisted.ensureDeferred
async def test_acceptedOnce(store: Any) -> None:
    """
    A waiting request is accepted by the first answer; a later
    acceptance or refusal finds it accepted and changes nothing.
    """
    await store.setAccess("Marketing", "Alice", False, 10)
    assert await store.decideAccess("Marketing", "alice", True) == DECIDED
    assert await store.decideAccess("Marketing", "alice", True) == ACCEPTED_ALREADY
    assert await store.decideAccess("MARKETING", "alice", False) == ACCEPTED_ALREADY
    assert await _access(store, "Marketing") == {key("alice"): ("alice", True)}


@pytest_twisted.ensureDeferred
async def test_refusedOnce(store: Any) -> None:
    """
    A waiting request refused is forgotten; a later answer, or one to a
    request nobody made, finds it ended.
    """
    await store.setAccess("Marketing", "alice", False, 10)
    assert await store.decideAccess("Marketing", "alice", False) == DECIDED
    assert await store.decideAccess("Marketing", "alice", True) == ENDED_ALREADY
    assert await store.decideAccess("Marketing", "bob", False) == ENDED_ALREADY
    assert await _access(store, "Marketing") == {}


@pytest_twisted.ensureDeferred
async def test_oneAnswerBetweenSharers(backend: Backend) -> None:
    """
    Two stores on one database (two cluster nodes) answering the same
    requests at once, one accepting and one refusing: each request is
    decided by one answer, and the database holds that answer.
    """
    async with sharers(backend) as (first, second):
        for round in range(10):
            nick = f"pupil{round}"
            await first.setAccess("Informatique", nick, False, round)
            answers = [
                first.decideAccess("Informatique", nick, round % 2 == 0),
                second.decideAccess("Informatique", nick, round % 2 == 1),
            ]
            found = await gatherResults(answers)
            assert sorted(found).count(DECIDED) == 1, found
            accepted = [True, False] if round % 2 == 0 else [False, True]
            winner = accepted[found.index(DECIDED)]
            other = found[1 - found.index(DECIDED)]
            assert other == (ACCEPTED_ALREADY if winner else ENDED_ALREADY)
            held = (await _access(first, "Informatique")).get(key(nick))
            assert held == ((nick, True) if winner else None)
