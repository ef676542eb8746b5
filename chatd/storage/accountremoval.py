# -*- test-case-name: tests.integration.test_store_accountremoval -*-
"""
Deleting an account from a store (the admin console's C{account delete},
L{chatd.core.accountadmin}): its row with its password hash, SCRAM
verifier, admin flag, always-on setting and when it was last connected,
its memberships, its approval requests, the refusals kept for its next
login, its read markers and the private messages waiting for it, in one
transaction, so that whoever registers the name next starts with nothing
of it.

Room messages stay, signed with the name.  Private messages already
delivered stay for the other party, but no longer count as the account's
(their C{sender_account} or C{recipient_account} is cleared, as for a
name that was not registered when they were sent): the next holder of
the name does not read them.

L{SQLAccountRemoval} and L{MemoryAccountRemoval} are the two stores'
halves of C{IChatStore.deleteAccount}.  The SQL store first writes what
its writer still queues, so a message sent to the account a moment
before is deleted rather than written after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.health import WRITE

if TYPE_CHECKING:
    from chatd.storage.database import Cursor, Database

#: What goes with an account, its row last (the others name it).
DELETE_ACCOUNT = (
    "DELETE FROM messages WHERE room_key IS NULL AND recipient_key = ? AND pending = 1",
    "UPDATE messages SET sender_account = NULL WHERE room_key IS NULL AND sender_account = ?",
    "UPDATE messages SET recipient_account = NULL WHERE room_key IS NULL AND recipient_account = ?",
    "DELETE FROM read_markers WHERE nick_key = ?",
    "DELETE FROM ignores WHERE nick_key = ?",
    "DELETE FROM refusals WHERE nick_key = ?",
    "DELETE FROM access WHERE nick_key = ?",
    "DELETE FROM memberships WHERE nick_key = ?",
    "DELETE FROM accounts WHERE nick_key = ?",
)


class SQLAccountRemoval:
    """
    Deleting an account and what is kept about it from C{database}.
    """

    database: Database
    flush: Callable[[], Deferred[None]]

    async def _deleteAccount(self, nick: str) -> bool:
        await self.flush()

        def run(txn: Cursor) -> bool:
            for statement in DELETE_ACCOUNT:
                txn.execute(self.database.sql(statement), (key(nick),))
            return bool(txn.rowcount)

        return await self.database.run(run, what=WRITE, bounded=False)  # bulk: see run

    def deleteAccount(self, nick: str) -> Deferred[bool]:
        return Deferred.fromCoroutine(self._deleteAccount(nick))


class MemoryAccountRemoval:
    """
    Deleting an account and what is kept about it from the memory store's
    dictionaries.
    """

    _accounts: dict[str, str]
    _names: dict[str, str]
    _admins: set[str]
    _verifiers: dict[str, tuple[str, str]]
    _alwaysOn: set[str]
    _ended: set[str]
    _lastSeen: dict[str, int]
    _entered: dict[str, dict[str, int]]
    _memberships: dict[str, set[str]]
    _access: dict[str, dict[str, tuple[str, bool]]]
    _markers: dict[str, dict[tuple[bool, str], tuple[str, int]]]
    _ignores: dict[str, dict[str, str]]
    _refusals: dict[str, dict[str, tuple[str, str, int]]]
    _messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]]
    _pending: set[int]
    _registeredAt: dict[int, tuple[bool, bool]]

    def deleteAccount(self, nick: str) -> Deferred[bool]:
        nickKey = key(nick)
        tables = (self._names, self._verifiers, self._memberships, self._markers, self._ignores)
        for table in tables:
            table.pop(nickKey, None)
        self._refusals.pop(nickKey, None)
        self._lastSeen.pop(nickKey, None)
        self._entered.pop(nickKey, None)
        for flags in (self._admins, self._alwaysOn, self._ended):
            flags.discard(nickKey)
        for requests in self._access.values():
            requests.pop(nickKey, None)
        kept = []
        for stored in self._messages:
            id, event, target = stored[0], stored[1], stored[2]
            if isinstance(event, PrivateMessage):
                if target == nickKey and id in self._pending:
                    self._pending.discard(id)
                    self._registeredAt.pop(id, None)
                    continue
                sent, received = self._registeredAt.get(id, (False, False))
                sent = sent and key(event.sender) != nickKey
                received = received and key(event.recipient) != nickKey
                self._registeredAt[id] = (sent, received)
            kept.append(stored)
        self._messages[:] = kept
        return succeed(self._accounts.pop(nickKey, None) is not None)
