"""
SCRAM verifiers in every store (L{chatd.storage.scram}): kept for the
password they were derived from, forgotten when the password changes,
kept across a restart by the durable stores.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_twisted

from tests.support.pgserver import postgresServer
from tests.support.storefixtures import Backend, backend, stop, store

__all__ = ["backend", "postgresServer", "store"]

VERIFIER = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"


@pytest_twisted.ensureDeferred
async def test_verifierForItsPassword(store: Any) -> None:
    """
    No verifier at first; one is kept only for the account's current
    password hash, and looked up as any name is (its key).
    """
    assert await store.scramVerifier("alice") is None
    await store.saveScramVerifier("alice", "hash", VERIFIER)  # no such account: nothing
    assert await store.scramVerifier("alice") is None
    await store.saveAccount("alice", "hash", 1)
    assert await store.scramVerifier("alice") is None
    await store.saveScramVerifier("alice", "older hash", VERIFIER)
    assert await store.scramVerifier("alice") is None
    await store.saveScramVerifier("alice", "hash", VERIFIER)
    assert await store.scramVerifier("ALICE") == VERIFIER


@pytest_twisted.ensureDeferred
async def test_newPasswordForgetsVerifier(store: Any) -> None:
    """
    Saving the account with another hash forgets its verifier (it was the
    old password's); saving it with the same hash keeps it.
    """
    await store.saveAccount("alice", "hash", 1)
    await store.saveScramVerifier("alice", "hash", VERIFIER)
    await store.saveAccount("alice", "hash", 2)
    assert await store.scramVerifier("alice") == VERIFIER
    await store.saveAccount("alice", "new hash", 3)
    assert await store.scramVerifier("alice") is None
    await store.saveAccount("alice", "hash", 4)
    assert await store.scramVerifier("alice") is None


@pytest_twisted.ensureDeferred
async def test_verifierSurvivesRestart(backend: Backend) -> None:
    """
    A durable store still has the verifier after it is reopened.
    """
    if not backend.durable:
        pytest.skip("this store forgets everything when it stops, by design")
    first = backend.open()
    await first.load()
    await first.saveAccount("alice", "hash", 1)
    await first.saveScramVerifier("alice", "hash", VERIFIER)
    await stop(first)
    second = backend.open()
    await second.load()
    try:
        assert await second.scramVerifier("alice") == VERIFIER
    finally:
        await stop(second)
