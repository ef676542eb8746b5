# -*- test-case-name: tests.integration.test_store_ignores -*-
"""
Each registered account's ignore list (L{chatd.core.ignores}) in a store:
the masks it ignores, one row each, kept with the account (the schema
migration that creates C{ignores}, L{chatd.storage.schema}) and deleted
with it.

L{SQLIgnores} and L{MemoryIgnores} are the two stores' halves of
C{IChatStore}'s ignore-list methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.storage.database import Database

READ_IGNORES = "SELECT mask FROM ignores WHERE nick_key = ? ORDER BY mask_key"
#: Kept for a registered account only (a name nobody registered keeps none).
ADD_IGNORE = (
    "INSERT INTO ignores (nick_key, mask_key, mask)"
    " SELECT nick_key, ?, ? FROM accounts WHERE nick_key = ?"
    " ON CONFLICT (nick_key, mask_key) DO NOTHING"
)
REMOVE_IGNORE = "DELETE FROM ignores WHERE nick_key = ? AND mask_key = ?"


class SQLIgnores:
    """
    The ignore-list queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    def ignoreList(self, nick: str) -> Deferred[list[str]]:
        d = self.database.select(READ_IGNORES, key(nick))
        return d.addCallback(lambda rows: [str(row[0]) for row in rows])

    def saveIgnore(self, nick: str, mask: str, ignored: bool) -> Deferred[None]:
        if ignored:
            return self.database.execute(ADD_IGNORE, key(mask), mask, key(nick))
        return self.database.execute(REMOVE_IGNORE, key(nick), key(mask))


class MemoryIgnores:
    """
    The ignore lists in a dictionary of masks by mask key, by account key.
    """

    #: The store's password hashes, by account key.
    _accounts: dict[str, str]

    def __init__(self) -> None:
        super().__init__()
        self._ignores: dict[str, dict[str, str]] = {}

    def ignoreList(self, nick: str) -> Deferred[list[str]]:
        masks = self._ignores.get(key(nick), {})
        return succeed([masks[maskKey] for maskKey in sorted(masks)])

    def saveIgnore(self, nick: str, mask: str, ignored: bool) -> Deferred[None]:
        nickKey = key(nick)
        if ignored and nickKey in self._accounts:
            self._ignores.setdefault(nickKey, {}).setdefault(key(mask), mask)
        elif not ignored:
            self._ignores.get(nickKey, {}).pop(key(mask), None)
        return succeed(None)
