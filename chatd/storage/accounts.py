# -*- test-case-name: tests.integration.test_store -*-
"""
Accounts in an SQL store: their password hashes, their names as they were
registered, and which are flagged admin.  An account is found by the key
of any spelling of its name (L{chatd.core.names.key}: C{REGT0} finds
C{Regt0}), and keeps the spelling it was registered with: changing its
password changes nothing else.

L{SQLAccounts} is L{chatd.storage.sql.SQLChatStore}'s part of
C{IChatStore}'s account methods (the memory store keeps them itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred

from chatd.core.names import key
from chatd.storage.health import WRITE

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database


class SQLAccounts:
    """
    The account queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    async def _accountHash(self, nick: str) -> str | None:
        rows = await self.database.select("SELECT hash FROM accounts WHERE nick_key = ?", key(nick))
        return str(rows[0][0]) if rows else None

    def accountHash(self, nick: str) -> Deferred[str | None]:
        return Deferred.fromCoroutine(self._accountHash(nick))

    async def _accountName(self, nick: str) -> str | None:
        rows = await self.database.select("SELECT nick FROM accounts WHERE nick_key = ?", key(nick))
        return str(rows[0][0]) if rows else None

    def accountName(self, nick: str) -> Deferred[str | None]:
        return Deferred.fromCoroutine(self._accountName(nick))

    def saveAccount(self, nick: str, passwordHash: str, when: int) -> Deferred[None]:
        return self.database.execute(
            "INSERT INTO accounts (nick_key, nick, hash, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (nick_key) DO UPDATE SET hash = excluded.hash,"
            " scram = CASE WHEN accounts.hash = excluded.hash THEN accounts.scram END",
            key(nick),
            nick,
            passwordHash,
            when,
        )

    async def _adminHash(self, nick: str) -> str | None:
        rows = await self.database.select(
            "SELECT hash FROM accounts WHERE nick_key = ? AND admin = 1", key(nick)
        )
        return str(rows[0][0]) if rows else None

    def adminHash(self, nick: str) -> Deferred[str | None]:
        return Deferred.fromCoroutine(self._adminHash(nick))

    def _setAdmin(self, txn: Cursor, nick: str, admin: bool) -> bool | None:
        txn.execute(
            self.database.sql("SELECT admin FROM accounts WHERE nick_key = ?"), (key(nick),)
        )
        row = txn.fetchone()
        if row is None:
            return None
        txn.execute(
            self.database.sql("UPDATE accounts SET admin = ? WHERE nick_key = ?"),
            (int(admin), key(nick)),
        )
        return bool(row[0])

    def setAdmin(self, nick: str, admin: bool) -> Deferred[bool | None]:
        return self.database.run(self._setAdmin, nick, admin, what=WRITE)

    async def _admins(self) -> list[str]:
        rows = await self.database.select(
            "SELECT nick FROM accounts WHERE admin = 1 ORDER BY nick_key"
        )
        return [str(row[0]) for row in rows]

    def admins(self) -> Deferred[list[str]]:
        return Deferred.fromCoroutine(self._admins())
