# -*- test-case-name: tests.integration.test_store_access -*-
"""
The rows of the requests to enter approval rooms (table C{access}): a
request written, accepted or forgotten (L{setAccess}), and an operator's
answer to one that still waits, or its asker's withdrawal, which ends it as
a refusal does (L{decideAccess}).

An answer is decided by the store, not by a node's copy of the requests:
accepting turns the row from waiting to accepted and refusing deletes it,
each only if the row still waits, and the one whose statement changed the
row decided.  Two operators answering one request at once, on two nodes of
a cluster sharing a database or on two consoles of one node, decide it once
between them; the other learns which answer came first.  So do an
acceptance and the asker's withdrawal at the same moment.

L{SQLAccess} and L{MemoryAccess} are the two stores' halves of
C{IChatStore}'s access methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.names import key
from chatd.storage.health import WRITE
from chatd.storage.records import ACCEPTED_ALREADY, DECIDED, ENDED_ALREADY

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database

#: A request written (C{approved}: 0, waiting) or accepted; its first
#: write's time stays its time.
WRITE_ACCESS = (
    "INSERT INTO access (room_key, nick_key, nick, approved, requested)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (room_key, nick_key) DO UPDATE SET"
    " nick = excluded.nick, approved = excluded.approved"
)
FORGET_ACCESS = "DELETE FROM access WHERE room_key = ? AND nick_key = ?"
#: An answer to a request that still waits: PostgreSQL's row lock makes a
#: second one, under way at the same time, find the row changed or gone.
ACCEPT_WAITING = (
    "UPDATE access SET nick = ?, approved = 1 WHERE room_key = ? AND nick_key = ? AND approved = 0"
)
REFUSE_WAITING = "DELETE FROM access WHERE room_key = ? AND nick_key = ? AND approved = 0"
READ_ACCESS = "SELECT approved FROM access WHERE room_key = ? AND nick_key = ?"


class SQLAccess:
    """
    The access queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    def setAccess(self, room: str, nick: str, approved: bool | None, when: int) -> Deferred[None]:
        if approved is None:
            return self.database.execute(FORGET_ACCESS, key(room), key(nick))
        return self.database.execute(WRITE_ACCESS, key(room), key(nick), nick, int(approved), when)

    def decideAccess(self, room: str, nick: str, approved: bool) -> Deferred[str]:
        roomKey, nickKey, sql = key(room), key(nick), self.database.sql

        def decide(txn: Cursor) -> str:
            if approved:
                txn.execute(sql(ACCEPT_WAITING), (nick, roomKey, nickKey))
            else:
                txn.execute(sql(REFUSE_WAITING), (roomKey, nickKey))
            if txn.rowcount == 1:
                return DECIDED
            txn.execute(sql(READ_ACCESS), (roomKey, nickKey))
            row = txn.fetchone()
            return ACCEPTED_ALREADY if row is not None and row[0] else ENDED_ALREADY

        return self.database.run(decide, what=WRITE)


class MemoryAccess:
    """
    The requests in a dictionary of (display nick, accepted) by nick key, by
    room key, and when each was first written.
    """

    _access: dict[str, dict[str, tuple[str, bool]]]
    _requested: dict[tuple[str, str], int]

    def setAccess(self, room: str, nick: str, approved: bool | None, when: int) -> Deferred[None]:
        requests = self._access.setdefault(key(room), {})
        if approved is None:
            requests.pop(key(nick), None)
        else:
            if key(nick) not in requests:  # (as SQL's "requested": the first write's)
                self._requested[key(room), key(nick)] = when
            requests[key(nick)] = (nick, approved)
        return succeed(None)

    def decideAccess(self, room: str, nick: str, approved: bool) -> Deferred[str]:
        requests = self._access.get(key(room), {})
        held = requests.get(key(nick))
        if held is None:
            return succeed(ENDED_ALREADY)
        if held[1]:
            return succeed(ACCEPTED_ALREADY)
        if approved:
            requests[key(nick)] = (nick, True)
        else:
            del requests[key(nick)]
        return succeed(DECIDED)
