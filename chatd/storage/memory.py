# -*- test-case-name: tests.integration.test_store -*-
"""
L{MemoryChatStore}: L{IChatStore} in dictionaries, for unit tests that run
without a reactor (every L{Deferred} it returns has already fired) and for a
daemon that should forget everything when it stops.  The same contract tests
as the SQL stores keep it honest.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.application.service import Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from zope.interface import implementer

from chatd.core import errors
from chatd.core.events import PrivateMessage, RoomMessage, Sender
from chatd.core.names import key
from chatd.core.searchform import folded
from chatd.storage.access import MemoryAccess
from chatd.storage.accountremoval import MemoryAccountRemoval
from chatd.storage.alwayson import MemoryAlwaysOn
from chatd.storage.conversations import Bound, Conversation, inWindow
from chatd.storage.erasure import MemoryErasure
from chatd.storage.export import MemoryExport
from chatd.storage.health import StoreHealth
from chatd.storage.ignores import MemoryIgnores
from chatd.storage.interfaces import IChatStore, RoomSettings, Snapshot
from chatd.storage.markers import MemoryReadMarkers
from chatd.storage.redaction import MemoryRedaction
from chatd.storage.refusals import MemoryRefusals
from chatd.storage.roomremoval import MemoryRoomRemoval
from chatd.storage.schema import DEFAULT_ROOMS
from chatd.storage.scram import MemoryScramVerifiers


def _words(text: str) -> str:
    """
    C{text} in its search form (L{folded}), one space between its words:
    what the memory store's search finds parts of.
    """
    return " ".join(folded(text).split())


@implementer(IChatStore)
class MemoryChatStore(
    MemoryAccess,
    MemoryAccountRemoval,
    MemoryAlwaysOn,
    MemoryErasure,
    MemoryExport,
    MemoryIgnores,
    MemoryRefusals,
    MemoryScramVerifiers,
    MemoryReadMarkers,
    MemoryRedaction,
    MemoryRoomRemoval,
    Service,
):
    """
    Chat state kept in memory only.
    """

    flushInterval = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.health = StoreHealth(Clock())  # never fails by itself
        self._accounts: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._admins: set[str] = set()
        self._rooms: dict[str, RoomSettings] = {}
        self._memberships: dict[str, set[str]] = {}
        self._access: dict[str, dict[str, tuple[str, bool]]] = {}
        #: When each request in L{_access} was first made.
        self._requested: dict[tuple[str, str], int] = {}
        self._messages: list[tuple[int, RoomMessage | PrivateMessage, str | None, bool]] = []
        self._lastId = 0  # ids are never reused, even once a message is deleted
        self._pending: set[int] = set()
        #: Whether each private message's sender and recipient were registered.
        self._registeredAt: dict[int, tuple[bool, bool]] = {}
        #: The id each msgid was stored with (still stored if it has a
        #: L{_registeredAt}: deleting a message forgets that).
        self._msgids: dict[str, int] = {}
        self._loaded = False
        self._closed = False

    def stopService(self) -> None:
        super().stopService()
        self._closed = True

    def check(self) -> Deferred[str | None]:
        return succeed(self.health.problem)

    def load(self) -> Deferred[Snapshot]:
        if not self._loaded:
            self._loaded = True
            for room in DEFAULT_ROOMS:
                self._rooms[key(room.name)] = RoomSettings(**vars(room))
        return succeed(
            Snapshot(
                [RoomSettings(**vars(room)) for room in self._rooms.values()],
                set(self._accounts),
                {room: dict(requests) for room, requests in self._access.items()},
                {
                    room: {
                        nickKey: self._requested[room, nickKey]
                        for nickKey in requests
                        if (room, nickKey) in self._requested
                    }
                    for room, requests in self._access.items()
                },
            )
        )

    def accountHash(self, nick: str) -> Deferred[str | None]:
        return succeed(self._accounts.get(key(nick)))

    def saveAccount(self, nick: str, passwordHash: str, when: int) -> Deferred[None]:
        if self._accounts.get(key(nick)) != passwordHash:
            self._verifiers.pop(key(nick), None)  # derived from another password
        self._accounts[key(nick)] = passwordHash
        self._names.setdefault(key(nick), nick)  # a new password keeps the name as registered
        return succeed(None)

    def accountName(self, nick: str) -> Deferred[str | None]:
        return succeed(self._names.get(key(nick)))

    def adminHash(self, nick: str) -> Deferred[str | None]:
        return succeed(self._accounts.get(key(nick)) if key(nick) in self._admins else None)

    def setAdmin(self, nick: str, admin: bool) -> Deferred[bool | None]:
        nickKey = key(nick)
        if nickKey not in self._accounts:
            return succeed(None)
        before = nickKey in self._admins
        if admin:
            self._admins.add(nickKey)
        else:
            self._admins.discard(nickKey)
        return succeed(before)

    def admins(self) -> Deferred[list[str]]:
        return succeed([self._names[nickKey] for nickKey in sorted(self._admins)])

    def saveRoom(self, room: RoomSettings, when: int) -> Deferred[None]:
        old = self._rooms.get(key(room.name))
        saved = self._rooms[key(room.name)] = RoomSettings(**vars(room))
        saved.created = old.created if old is not None else (room.created or when)
        return succeed(None)

    def memberships(self, nick: str) -> Deferred[list[str]]:
        rooms = self._memberships.get(key(nick), set())
        return succeed(sorted(self._rooms[r].name for r in rooms if r in self._rooms))

    def setMembership(
        self, nick: str, room: str, member: bool, millis: int | None = None
    ) -> Deferred[None]:
        rooms = self._memberships.setdefault(key(nick), set())
        if member and key(room) not in rooms:  # a new membership: when, if known
            entered = self._entered.setdefault(key(nick), {})
            entered.pop(key(room), None)
            if millis is not None:
                entered[key(room)] = millis
        if member:
            rooms.add(key(room))
        else:
            rooms.discard(key(room))
        return succeed(None)

    def addMessage(
        self,
        room: str | None,
        sender: str,
        recipient: str | None,
        lines: tuple[str, ...],
        when: int,
        pending: bool = False,
        msgid: str = "",
        millis: int = 0,
        accounts: tuple[bool, bool] = (False, False),
        notice: bool = False,
        userhost: str = "",
    ) -> None:
        if self._closed or not self._loaded:
            raise errors.InternalError("the message store is not open")
        if msgid and self._msgids.get(msgid, 0) in self._registeredAt:
            return  # stored already: a message is stored once
        id = self._lastId = self._lastId + 1
        if msgid:
            self._msgids[msgid] = id
        event: RoomMessage | PrivateMessage
        sender = Sender(sender, userhost)  # as the SQL store reads it back
        if room is not None:
            event = RoomMessage(room, sender, lines, when, notice, msgid=msgid, millis=millis)
            target = room
        else:
            assert recipient is not None
            event = PrivateMessage(
                sender, recipient, lines, when, notice, msgid=msgid, millis=millis
            )
            target = recipient
        self._messages.append((id, event, key(target), pending))
        self._registeredAt[id] = accounts
        if pending:
            self._pending.add(id)

    def mark(self) -> Deferred[int]:
        return succeed(self._lastId + 1)

    def flush(self) -> Deferred[None]:
        return succeed(None)

    def queueDepth(self) -> int:
        return 0  # every write happens at once

    def observeWrites(self, timed: Callable[[float], None]) -> None:
        pass  # nothing is queued, so no write is ever timed

    def history(
        self, room: str, count: int, before: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        found: list[RoomMessage] = []
        for id, event, target, _ in sorted(self._messages, key=_sentOrder, reverse=True):
            if len(found) >= count:
                break
            if isinstance(event, RoomMessage) and target == key(room):
                if before is None or id < before:
                    found.append(
                        RoomMessage(
                            event.room,
                            event.sender,
                            event.lines,
                            event.when,
                            event.notice,
                            msgid=event.msgid,
                            millis=event.millis,
                        )
                    )
        return succeed(found[::-1])

    def locate(self, conversation: Conversation, msgid: str) -> Deferred[Bound | None]:
        for id, event, _, _ in self._messages:
            if event.msgid == msgid and conversation.holds(event, self._registeredAt[id]):
                return succeed(Bound(event.millis, id))
        return succeed(None)

    def window(
        self,
        conversation: Conversation,
        after: Bound | None = None,
        before: Bound | None = None,
        limit: int = 1,
        newest: bool = True,
        inclusive: bool = False,
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        found = [
            event
            for id, event, _, _ in sorted(self._messages, key=_sentOrder)
            if conversation.holds(event, self._registeredAt[id])
            and inWindow(id, event.millis, after, before, inclusive)
        ]
        return succeed(found[-limit:] if newest else found[:limit])

    def targets(
        self, nick: str, rooms: list[str], after: int, before: int, limit: int, private: bool = True
    ) -> Deferred[list[tuple[str, bool, int]]]:
        wanted = {key(room) for room in rooms}
        latest: dict[tuple[str, bool], tuple[str, int]] = {}
        mine = key(nick)
        for id, event, _, _ in self._messages:
            if isinstance(event, RoomMessage):
                if key(event.room) in wanted:
                    latest[(key(event.room), True)] = (event.room, event.millis)
                continue
            sent, received = self._registeredAt[id]
            if not private:
                continue
            if sent and key(event.sender) == mine:
                latest[(key(event.recipient), False)] = (event.recipient, event.millis)
            elif received and key(event.recipient) == mine:
                latest[(key(event.sender), False)] = (event.sender, event.millis)
        found = [
            (name, isRoom, millis)
            for (_, isRoom), (name, millis) in latest.items()
            if after < millis < before
        ]
        return succeed(sorted(found, key=lambda target: target[2])[:limit])

    def search(
        self, nick: str, rooms: list[str], words: list[str], limit: int, private: bool = True
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        wanted, mine = {key(room) for room in rooms}, key(nick)
        needles = [_words(word) for word in words]
        needles = [needle for needle in needles if any(c.isalnum() for c in needle)]
        found: list[RoomMessage | PrivateMessage] = []
        if not needles:
            return succeed(found)
        for id, event, _, _ in sorted(self._messages, key=_sentOrder, reverse=True):
            if len(found) >= limit:
                break
            if isinstance(event, RoomMessage):
                readable = key(event.room) in wanted
            else:
                sent, received = self._registeredAt[id]
                readable = private and (
                    (sent and key(event.sender) == mine)
                    or (received and key(event.recipient) == mine)
                )
            text = _words("\n".join(event.lines))
            if readable and all(needle in text for needle in needles):
                found.append(event)
        return succeed(found)

    def _waiting(self, nick: str) -> list[tuple[int, PrivateMessage]]:
        return [
            (
                id,
                PrivateMessage(
                    event.sender,
                    event.recipient,
                    event.lines,
                    event.when,
                    event.notice,
                    msgid=event.msgid,
                    millis=event.millis,
                ),
            )
            for id, event, target, _ in sorted(self._messages, key=_sentOrder)
            if isinstance(event, PrivateMessage) and target == key(nick) and id in self._pending
        ]

    def undelivered(
        self, nick: str, limit: int | None = None
    ) -> Deferred[list[tuple[int, PrivateMessage]]]:
        return succeed(self._waiting(nick)[:limit])

    def waitingCount(self, nick: str) -> Deferred[int]:
        return succeed(len(self._waiting(nick)))

    def waitingFrom(self, nick: str, sender: str) -> Deferred[int]:
        senderKey = key(sender)
        return succeed(sum(key(e.sender) == senderKey for _, e in self._waiting(nick)))

    def markDelivered(self, ids: list[int]) -> Deferred[None]:
        self._pending.difference_update(ids)
        return succeed(None)

    def keepWaiting(self, msgid: str) -> Deferred[bool]:
        for id, event, _, _ in self._messages:
            if isinstance(event, PrivateMessage) and event.msgid == msgid:
                self._pending.add(id)
                return succeed(True)
        return succeed(False)


def _sentOrder(
    stored: tuple[int, RoomMessage | PrivateMessage, str | None, bool],
) -> tuple[int, int]:
    """
    A stored message's place in history: when it was sent, then its id
    (L{chatd.storage.conversations}).
    """
    return (stored[1].millis, stored[0])
