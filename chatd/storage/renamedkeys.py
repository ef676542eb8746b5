# -*- test-case-name: tests.integration.test_rekey -*-
"""
The names whose keys a schema migration changed (L{chatd.storage.rekey}
records them in C{renamed_keys}), for the sanctions to follow at the next
start: they are kept in a store of their own (C{moderation.sqlite}), which
no migration of the chat database reaches.  Forgotten once they have.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.core.sanctionstart import Renamed, Renames
from chatd.storage.health import QUERY
from chatd.storage.migration import migrate
from chatd.storage.rekey import RENAMED_TABLE
from chatd.storage.sql import SQLChatStore

Cursor = Any


class RenamedKeys:
    """
    C{store}'s record of renamed keys (L{chatd.core.sanctionstart.RenamedSource}).
    """

    def __init__(self, store: SQLChatStore) -> None:
        self.store = store

    def _load(self, txn: Cursor) -> Renames:
        migrate(txn, self.store.paramstyle)  # the record is made there: a no-op once loaded
        txn.execute(RENAMED_TABLE)
        txn.execute("SELECT old_key, new_key, name, account FROM renamed_keys")
        renames: dict[str, list[Renamed]] = {}
        for old, new, name, account in txn.fetchall():
            renames.setdefault(old, []).append(Renamed(new, name, bool(account)))
        return renames

    def load(self) -> Deferred[Renames]:
        return self.store.database.run(self._load, what=QUERY)

    def forget(self) -> Deferred[None]:
        return self.store.database.execute("DELETE FROM renamed_keys")
