# -*- test-case-name: tests.unit.cluster.test_cluster_replay,tests.unit.core.test_persistence -*-
"""
The history a user is offered on entering a room: what was said there
before they entered, each message once, and none of those they then
receive live.

One process draws that line with its store's mark (L{IChatStore.mark}):
the messages queued before the entry have the lower ids.  Nodes of a
cluster that share one database each write their own messages in batches,
so an id says nothing of when another node's message was said, or whether
it reached this node live.  There the line is drawn with message ids,
which name the node that made them and count its messages
(L{chatd.core.msgids.msgidOrigin}): this node's own up to the last it
made before the entry; another node's up to the first of its messages
that the room's members here received after the entry.  The replay is
read once every other node has written what it queued
(L{chatd.core.chathistory.othersWritten}), so nothing said before the
entry is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from twisted.internet.defer import Deferred

from chatd.core.allowance import Answer
from chatd.core.chathistory import othersWritten
from chatd.core.events import Notice, RoomMessage
from chatd.core.msgids import msgidOrigin
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.interfaces import IParticipant
    from chatd.core.persistence import Persistence
    from chatd.core.room import Room
    from chatd.storage.interfaces import IChatStore


class RoomsEntered(Notice):
    """
    The recipient was put in C{rooms} as it signed in (its stored rooms, its
    person's): a L{Notice} whose C{text} names them, which a front-end whose
    login reply lists them already (the web page's) need not show again.
    """

    __slots__ = ("rooms",)

    def __init__(self, rooms: Sequence[str], when: float) -> None:
        super().__init__("you are in " + ", ".join(rooms), when)
        self.rooms = tuple(rooms)


class RoomsBack(RoomsEntered):
    """
    The recipient, signed in while the store was unavailable, was put in
    C{rooms}, its stored ones, once the store answered: a front-end whose
    login reply lists a login's rooms (the web page's) shows each entered now.
    """

    __slots__ = ()


#: Messages read beyond those replayed, for those received live since
#: the entry (left out): the replay is read a moment after it.
SLACK = 200


class Replay(Answer[RoomMessage]):
    """
    The history replayed on entering a room, oldest first, and whether the
    room holds older messages (C{earlier}), which a front-end may offer; at
    once, unless it holds the answer to a request (a page's catch-up).
    """

    earlier = False


class Cut(Protocol):
    """
    Where an entry's replay ends and what was received live begins.
    """

    async def history(self, store: IChatStore, room: str, count: int) -> list[RoomMessage]:
        """
        The last C{count} messages of C{room} said before the entry.
        """

    def close(self) -> None:
        """
        Every replay of this cut is done.
        """


class MarkCut:
    """
    One process's cut: the store's mark, taken at the entry.
    """

    def __init__(self, marked: Deferred[int]) -> None:
        self.marked = marked

    async def history(self, store: IChatStore, room: str, count: int) -> list[RoomMessage]:
        return await store.history(room, count, await self.marked)

    def close(self) -> None:
        pass


class ClusterCut:
    """
    A cluster node's cut, by message ids: C{origin} is this node's last
    message id's origin at the entry; L{saw} is told of every message
    another node's user said in these C{rooms} that members here received
    since.
    """

    def __init__(self, replays: EntryReplays, rooms: set[str], origin: tuple[str, int]) -> None:
        self.replays = replays
        self.rooms = rooms
        self.prefix, self.counter = origin
        self.live: set[str] = set()
        self.firstLive: dict[str, int] = {}
        self._written: Deferred[None] | None = None

    def saw(self, event: RoomMessage) -> None:
        origin = msgidOrigin(event.msgid)
        if origin is None:
            return
        self.live.add(event.msgid)
        prefix, counter = origin
        self.firstLive[prefix] = min(counter, self.firstLive.get(prefix, counter))

    def keeps(self, event: RoomMessage) -> bool:
        """
        Whether C{event}, read from the store, was said before the entry
        (and so not received live).
        """
        origin = msgidOrigin(event.msgid)
        if origin is None:
            return True  # stored without an id: long before
        prefix, counter = origin
        if prefix == self.prefix:
            return counter <= self.counter
        first = self.firstLive.get(prefix)
        return event.msgid not in self.live and (first is None or counter < first)

    async def history(self, store: IChatStore, room: str, count: int) -> list[RoomMessage]:
        if self._written is None:  # one round for all the rooms of a login
            self._written = Deferred.fromCoroutine(othersWritten(self.replays.service))
        await self._written
        events = await store.history(room, count + SLACK)
        return [event for event in events if self.keeps(event)][-count:]

    def close(self) -> None:
        self.replays.unwatch(self)


class EntryReplays:
    """
    The cuts of the entries whose replay is under way, and those replays.
    """

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        self.service = persistence.service
        self._watching: dict[str, list[ClusterCut]] = {}

    def offered(self, participant: IParticipant) -> int:
        """
        How many of a room's last messages C{participant} is replayed on
        entering it (the daemon's count, at most what its protocol takes).
        """
        count: int = min(self.service.historyCount, participant.historyOnEnter)
        return count

    def offers(self, participant: IParticipant) -> bool:
        return self.offered(participant) > 0

    def cut(self, participant: IParticipant, rooms: list[Room]) -> Cut | None:
        """
        The cut of C{participant}'s entry into C{rooms}, taken as it
        enters them (the same reactor turn); C{None} if it is offered no
        history.
        """
        if not rooms or not self.offers(participant):
            return None
        persistence = self.persistence
        if self.service.observer is None or not persistence.sharedStore:
            return MarkCut(persistence.store.mark())
        cut = ClusterCut(
            self, {key(room.name) for room in rooms}, self.service.messages.ids.cursor()
        )
        for roomKey in cut.rooms:
            self._watching.setdefault(roomKey, []).append(cut)
        return cut

    def underWay(self) -> int:
        """
        How many entries' cluster replays are still to be read.
        """
        return len({id(cut) for cuts in self._watching.values() for cut in cuts})

    def unwatch(self, cut: ClusterCut) -> None:
        for roomKey in cut.rooms:
            cuts = self._watching.get(roomKey, [])
            if cut in cuts:
                cuts.remove(cut)
            if not cuts:
                self._watching.pop(roomKey, None)

    def arrived(self, event: RoomMessage) -> None:
        """
        The members here of C{event}'s room received it from another node.
        """
        if self._watching:
            for cut in self._watching.get(key(event.room), ()):
                cut.saw(event)

    async def putIn(
        self,
        who: IParticipant,
        rooms: list[str],
        cut: Cut | None,
        tell: bool = True,
        refused: Sequence[str] = (),
        told: type[RoomsEntered] = RoomsEntered,
    ) -> None:
        """
        Offer C{who}, who entered C{rooms} at C{cut}, their history; first
        C{tell} them which rooms they were put in (at a login, rooms they
        did not ask for: C{told}, a L{RoomsEntered}), and which of theirs
        they could not be (C{refused}).
        """
        now = self.service.clock.seconds()
        if tell and rooms:
            who.notice(told(rooms, now))
        if refused:
            who.notice(Notice("not back in " + ", ".join(refused) + ": enter it later", now))
        if cut is None:
            return
        try:
            for room in rooms:
                await self.replay(who, room, cut)
        finally:
            cut.close()

    async def replay(self, participant: IParticipant, room: str, cut: Cut) -> None:
        """
        Offer C{participant}, who entered C{room} at C{cut}, its history.
        """
        count = self.offered(participant)
        # One more than replayed: whether the room holds older ones.
        stored = await cut.history(self.persistence.store, room, count + 1)
        events = self.service.registry.ownPast(stored)
        replay = Replay(events[max(0, len(events) - count) :])
        replay.earlier = len(events) > count
        if room in self.service.roomsOf(participant):  # none: the replay's end all the same
            participant.roomHistory(room, replay)
