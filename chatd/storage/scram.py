# -*- test-case-name: tests.integration.test_store_scram -*-
"""
SCRAM verifiers in a store: what an account's C{SCRAM-SHA-256} login
(RFC 5802, RFC 7677) is checked against, since the argon2 hash cannot be:
the salt, the iteration count, C{StoredKey} and C{ServerKey}, as one text
(L{chatd.core.scram.formatVerifier}).  Neither key lets anyone log in:
C{StoredKey} is the hash of the key a client proves it holds.

A verifier belongs to one password: saving an account with another hash
forgets it (C{saveAccount}, in both stores), so a verifier never outlives
the password it was derived from; the next password login derives it again.

L{SQLScramVerifiers} and L{MemoryScramVerifiers} are the two stores' halves
of C{IChatStore}'s verifier methods; the column is schema migration 12.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.storage.database import Database

READ_VERIFIER = "SELECT scram FROM accounts WHERE nick_key = ?"
SAVE_VERIFIER = "UPDATE accounts SET scram = ? WHERE nick_key = ? AND hash = ?"


class SQLScramVerifiers:
    """
    The verifier queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    def scramVerifier(self, nick: str) -> Deferred[str | None]:
        d = self.database.select(READ_VERIFIER, key(nick))
        return d.addCallback(lambda rows: str(rows[0][0]) if rows and rows[0][0] else None)

    def saveScramVerifier(self, nick: str, passwordHash: str, verifier: str) -> Deferred[None]:
        return self.database.execute(SAVE_VERIFIER, verifier, key(nick), passwordHash)


class MemoryScramVerifiers:
    """
    Verifiers in a dictionary: account key -> (password hash, verifier).
    """

    #: The store's password hashes, by account key.
    _accounts: dict[str, str]

    def __init__(self) -> None:
        super().__init__()
        self._verifiers: dict[str, tuple[str, str]] = {}

    def scramVerifier(self, nick: str) -> Deferred[str | None]:
        found = self._verifiers.get(key(nick))  # saveAccount drops it with its password
        return succeed(None if found is None else found[1])

    def saveScramVerifier(self, nick: str, passwordHash: str, verifier: str) -> Deferred[None]:
        if self._accounts.get(key(nick)) == passwordHash:
            self._verifiers[key(nick)] = (passwordHash, verifier)
        return succeed(None)
