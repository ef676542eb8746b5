# -*- test-case-name: tests.integration.test_store_alwayson -*-
"""
Which registered accounts are always on (L{chatd.core.alwayson}): they stay
in their rooms while none of their connections is open, and are put back
in them when the daemon starts.  The setting is the account's own, kept
with it (schema migration 13), and goes with it when it is deleted.  An
operator's kick, ban or kill ends the presence until the account's next
login, over a restart too (migration 17).  When each account was last
connected (its last connection left, the daemon stopped while it was
connected, or the moment of the last periodic write for the accounts
connected then) is kept with it, and when it entered each of its rooms with the
membership (migration 31, L{LAST_SEEN_COLUMNS}), in milliseconds: what came
in a room since the later is what it missed there (L{chatd.core.lastseen}).

L{SQLAlwaysOn} and L{MemoryAlwaysOn} are the two stores' halves of
C{IChatStore}'s always-on methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.names import key
from chatd.storage.health import WRITE

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database

READ_ALWAYS_ON = "SELECT nick FROM accounts WHERE always_on = 1 ORDER BY nick_key"
SAVE_ALWAYS_ON = "UPDATE accounts SET always_on = ? WHERE nick_key = ?"
READ_ENDED = (
    "SELECT nick FROM accounts WHERE always_on = 1 AND presence_ended = 1 ORDER BY nick_key"
)
SAVE_ENDED = "UPDATE accounts SET presence_ended = ? WHERE nick_key = ?"
#: Migration 31 (NULL: not known, as for rows written before it).
LAST_SEEN_COLUMNS = (
    "ALTER TABLE accounts ADD COLUMN last_seen BIGINT",
    "ALTER TABLE memberships ADD COLUMN entered BIGINT",
)
READ_ENTERED = (
    "SELECT room_key, entered FROM memberships WHERE nick_key = ? AND entered IS NOT NULL"
)
READ_LAST_SEEN = "SELECT last_seen FROM accounts WHERE nick_key = ?"
SAVE_LAST_SEEN = "UPDATE accounts SET last_seen = ? WHERE nick_key IN ({marks})"
#: Accounts whose last connection is written in one statement, within every
#: database's limit of parameters (SQLite's lowest: 999).
SEEN_AT_ONCE = 500


class SQLAlwaysOn:
    """
    The always-on queries of a store whose C{database} is a
    L{chatd.storage.database.Database}.
    """

    database: Database

    def alwaysOnAccounts(self) -> Deferred[list[str]]:
        d = self.database.select(READ_ALWAYS_ON)
        return d.addCallback(lambda rows: [str(row[0]) for row in rows])

    def setAlwaysOn(self, nick: str, on: bool) -> Deferred[None]:
        return self.database.execute(SAVE_ALWAYS_ON, 1 if on else 0, key(nick))

    def endedPresences(self) -> Deferred[list[str]]:
        d = self.database.select(READ_ENDED)
        return d.addCallback(lambda rows: [str(row[0]) for row in rows])

    def setPresenceEnded(self, nick: str, ended: bool) -> Deferred[None]:
        return self.database.execute(SAVE_ENDED, 1 if ended else 0, key(nick))

    def lastSeen(self, nick: str) -> Deferred[int | None]:
        d = self.database.select(READ_LAST_SEEN, key(nick))
        return d.addCallback(
            lambda rows: None if not rows or rows[0][0] is None else int(rows[0][0])
        )

    def setLastSeen(self, nicks: list[str], millis: int) -> Deferred[None]:
        keys = sorted({key(nick) for nick in nicks})
        sql = self.database.sql

        def run(txn: Cursor) -> None:
            for start in range(0, len(keys), SEEN_AT_ONCE):
                some = keys[start : start + SEEN_AT_ONCE]
                update = SAVE_LAST_SEEN.format(marks=", ".join("?" for _ in some))
                txn.execute(sql(update), (millis, *some))

        return self.database.run(run, what=WRITE)

    def enteredRooms(self, nick: str) -> Deferred[dict[str, int]]:
        d = self.database.select(READ_ENTERED, key(nick))
        return d.addCallback(lambda rows: {str(row[0]): int(row[1]) for row in rows})


class MemoryAlwaysOn:
    """
    The always-on accounts in a set of account keys.
    """

    #: The store's password hashes and names, by account key.
    _accounts: dict[str, str]
    _names: dict[str, str]
    _memberships: dict[str, set[str]]

    def __init__(self) -> None:
        super().__init__()
        self._alwaysOn: set[str] = set()
        self._ended: set[str] = set()
        self._lastSeen: dict[str, int] = {}
        #: When each account entered each of its rooms, where known (set by
        #: C{setMembership}): account key -> room key -> millis.
        self._entered: dict[str, dict[str, int]] = {}

    def alwaysOnAccounts(self) -> Deferred[list[str]]:
        self._alwaysOn.intersection_update(self._accounts)  # deleted accounts' go with them
        return succeed([self._names[nickKey] for nickKey in sorted(self._alwaysOn)])

    def setAlwaysOn(self, nick: str, on: bool) -> Deferred[None]:
        if on and key(nick) in self._accounts:
            self._alwaysOn.add(key(nick))
        else:
            self._alwaysOn.discard(key(nick))
        return succeed(None)

    def endedPresences(self) -> Deferred[list[str]]:
        self._ended.intersection_update(self._accounts)
        ended = sorted(self._ended & self._alwaysOn)
        return succeed([self._names[nickKey] for nickKey in ended])

    def setPresenceEnded(self, nick: str, ended: bool) -> Deferred[None]:
        if ended and key(nick) in self._accounts:
            self._ended.add(key(nick))
        else:
            self._ended.discard(key(nick))
        return succeed(None)

    def lastSeen(self, nick: str) -> Deferred[int | None]:
        return succeed(self._lastSeen.get(key(nick)))

    def setLastSeen(self, nicks: list[str], millis: int) -> Deferred[None]:
        for nick in nicks:
            if key(nick) in self._accounts:
                self._lastSeen[key(nick)] = millis
        return succeed(None)

    def enteredRooms(self, nick: str) -> Deferred[dict[str, int]]:
        rooms = self._memberships.get(key(nick), set())
        entered = self._entered.get(key(nick), {})
        return succeed({room: millis for room, millis in entered.items() if room in rooms})
