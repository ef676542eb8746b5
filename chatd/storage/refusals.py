# -*- test-case-name: tests.integration.test_store_refusals -*-
"""
The refusals kept for a registered account's next login: an operator
refused its request to enter an approval room while it was away
(L{chatd.core.refusal}).  One row per account and room (the latest
refusal), kept with the account (the schema migration that creates
C{refusals}, L{chatd.storage.schema}) and deleted with it.

Taking them reads and deletes them in one transaction, and a row counts as
taken only by the transaction whose C{DELETE} removed it: two nodes of a
cluster taking at once (a login here, the refusal's news there) give each
refusal to one of them only.

L{SQLRefusals} and L{MemoryRefusals} are the two stores' halves of
C{IChatStore}'s kept-refusal methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.names import key
from chatd.storage.health import WRITE

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database

#: Kept for a registered account only; a later refusal for the same room
#: replaces the earlier one.
KEEP_REFUSAL = (
    "INSERT INTO refusals (nick_key, room_key, room, reason, refused)"
    " SELECT nick_key, ?, ?, ?, ? FROM accounts WHERE nick_key = ?"
    " ON CONFLICT (nick_key, room_key) DO UPDATE"
    " SET room = excluded.room, reason = excluded.reason, refused = excluded.refused"
)
READ_REFUSALS = (
    "SELECT room_key, room, reason, refused FROM refusals WHERE nick_key = ?"
    " ORDER BY refused, room_key"
)
TAKE_REFUSAL = "DELETE FROM refusals WHERE nick_key = ? AND room_key = ? AND refused = ?"


class SQLRefusals:
    """
    The kept-refusal queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    def keepRefusal(self, nick: str, room: str, reason: str, when: int) -> Deferred[None]:
        return self.database.execute(KEEP_REFUSAL, key(room), room, reason, when, key(nick))

    def takeRefusals(self, nick: str) -> Deferred[list[tuple[str, str, int]]]:
        nickKey, sql = key(nick), self.database.sql

        def take(txn: Cursor) -> list[tuple[str, str, int]]:
            txn.execute(sql(READ_REFUSALS), (nickKey,))
            taken = []
            for roomKey, room, reason, when in list(txn.fetchall()):
                txn.execute(sql(TAKE_REFUSAL), (nickKey, roomKey, when))
                if txn.rowcount == 1:  # else another process took it meanwhile
                    taken.append((str(room), str(reason), int(when)))
            return taken

        return self.database.run(take, what=WRITE)


class MemoryRefusals:
    """
    The kept refusals in a dictionary of (room, reason, when) by room key,
    by account key.
    """

    #: The store's password hashes, by account key.
    _accounts: dict[str, str]

    def __init__(self) -> None:
        super().__init__()
        self._refusals: dict[str, dict[str, tuple[str, str, int]]] = {}

    def keepRefusal(self, nick: str, room: str, reason: str, when: int) -> Deferred[None]:
        if key(nick) in self._accounts:
            self._refusals.setdefault(key(nick), {})[key(room)] = (room, reason, when)
        return succeed(None)

    def takeRefusals(self, nick: str) -> Deferred[list[tuple[str, str, int]]]:
        kept = self._refusals.pop(key(nick), {})
        return succeed(sorted(kept.values(), key=lambda each: (each[2], key(each[0]))))
