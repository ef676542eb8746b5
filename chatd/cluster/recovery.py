# -*- test-case-name: tests.unit.cluster.test_cluster_recovery -*-
"""
Room messages a node took with it, read back from the shared store.

A node killed, crashed or stopped while Redis is away takes with it the
room messages its users were answered C{OKAY!} for and that it queued for
the other nodes; with a shared database it wrote them there all the same
(its store writes every 0.1 s).  L{Recovery} notes, for each peer, the last
of its room messages received here: message ids name the process that made
them and count its messages (L{chatd.core.msgids.msgidOrigin}), and one
node's envelopes reach an inbox in order.  When the peer is lost, says
goodbye, leaves a gap it cannot fill, or is met anew, the rooms with
members here are read after that message, and what the peer said there
beyond it, while this node had members there, is handed to them late
(L{chatd.core.roles.IReplica.sayLate}), after a notice in each room that
they come late, in the peer's order across rooms and once: a copy that still arrives live
afterwards is dropped.  While the store is away the read is tried again
on the service's clock (L{chatd.core.storeretry}) until it answers, the
outage logged once, as a warning.  Without a shared store nothing is
read: nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.core.events import RoomMessage
from chatd.core.msgids import msgidOrigin
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.core.storeretry import Retries
from chatd.storage.conversations import Bound, Conversation

#: Messages read from one room's history at a time.
PAGE = 500

#: Pages read from one room at most, for one recovery.
PAGES = 20


@dataclass(slots=True)
class Mark:
    """
    The last room message of a peer's process (C{prefix}) received here:
    its count there (C{counter}, or that of C{last}, its id, if set), and
    when it was said (the peer's clock, milliseconds).  A process's ids sort
    as it made them, so a live message is checked against C{last} without
    reading its count.
    """

    prefix: str
    counter: int
    millis: int
    last: str = ""
    head: str = field(init=False)

    def __post_init__(self) -> None:
        self.head = self.prefix + "-"

    def upTo(self) -> int:
        origin = msgidOrigin(self.last) if self.last else None
        return self.counter if origin is None else max(self.counter, origin[1])


class Recovery:
    """
    One node's record of what each peer's room messages it received, and
    the late delivery of those the peer took with it.

    @ivar marks: per peer, the last of its room messages received here.
    """

    log = Logger()

    def __init__(
        self,
        service: ChatService,
        localRooms: Callable[[], set[str]],
        stored: Callable[[], Deferred[None]],
        hand: Callable[[list[RoomMessage]], None],
    ) -> None:
        """
        @param localRooms: the rooms with members on this node now.
        @param stored: fires once every other node wrote what it queued.
        @param hand: shows members here the messages read back, in their
            sender's order across rooms (L{IReplica.sayLate}), each room
            told first that they come late.
        """
        self.service = service
        self.localRooms = localRooms
        self.stored = stored
        self.hand = hand
        self.marks: dict[str, Mark] = {}
        self._watched: dict[str, int] = {}  # room key -> since when it has members here
        self._under: dict[str, list[set[int]]] = {}  # per peer, each recovery's counts seen
        self.retries = Retries(service.clock)

    def cursor(self) -> list[Any]:
        """
        This node's last message id's origin, and now: in its state, the
        others' mark of what they received from it.
        """
        prefix, counter = self.service.messages.ids.cursor()
        return [prefix, counter, int(self.service.clock.seconds() * 1000)]

    def checkpoint(self, node: str, cursor: list[Any] | None) -> None:
        """
        C{node}'s state came, with its L{cursor}: what it said before was
        sent here before the state (or never, for rooms without members here).
        """
        if not cursor:
            return
        prefix, counter, millis = cursor
        mark = self.marks.get(node)
        if mark is None or mark.prefix != prefix or mark.upTo() < counter:
            self.marks[node] = Mark(prefix, counter, millis)

    def entered(self, room: str, alone: Callable[[], bool]) -> None:
        """
        A local member entered C{room}, the first here if C{alone()}: from
        now on this node is sent the room's messages.
        """
        if key(room) not in self._watched or alone():
            self._watched[key(room)] = int(self.service.clock.seconds() * 1000)

    def fresh(self, node: str, event: RoomMessage) -> bool:
        """
        Whether C{event}, arriving live from C{node}, was not handed here
        already (read back ahead of it); noted as received if so.
        """
        msgid, mark = event.msgid, self.marks.get(node)
        if mark is not None and mark.last and msgid.startswith(mark.head):
            if msgid <= mark.last:  # this runs for every message from another node
                return False
            mark.last, mark.millis = msgid, event.millis
        else:
            origin = msgidOrigin(msgid)
            if origin is None:
                return True
            if mark is not None and mark.prefix == origin[0] and origin[1] <= mark.upTo():
                return False
            self.marks[node] = Mark(origin[0], origin[1], event.millis, msgid)
        if self._under:
            counter = self.marks[node].upTo()
            for seen in self._under.get(node, ()):
                seen.add(counter)
        return True

    def recover(self, node: str, flush: bool = False) -> Deferred[None] | None:
        """
        Hand the members here what C{node} said in their rooms after the
        last of its messages received here; after a round in which every
        node writes what it queued if C{flush} (a node still running).
        """
        persistence = self.service.persistence
        mark = self.marks.get(node)
        if persistence is None or not persistence.sharedStore or mark is None:
            return None
        seen: set[int] = set()
        self._under.setdefault(node, []).append(seen)
        since = Mark(mark.prefix, mark.upTo(), mark.millis)
        done = Deferred.fromCoroutine(self._recover(node, since, seen, flush))

        def finished(result: object) -> object:
            under = self._under.get(node, [])
            if seen in under:
                under.remove(seen)
            if not under:
                self._under.pop(node, None)
            return result

        done.addBoth(finished)
        why = "reading back node {node}'s room messages"
        done.addErrback(lambda f: self.log.failure(why, f, node=node))
        return done

    async def _recover(self, node: str, mark: Mark, seen: set[int], flush: bool) -> None:
        if flush:
            await self.stored()
        late = await self.retries.until(
            lambda: Deferred.fromCoroutine(self._readBack(mark)),
            lambda: True,  # they are shown late however late: the notice says so
            node,
            lambda error: self.log.warn(
                "node {node}'s room messages that never came could not be read back from"
                " the shared store ({why}): tried again until it answers",
                node=node,
                why=error,
            ),
        )
        here = {key(room) for room in self.localRooms()}
        shown: list[RoomMessage] = []
        for counter, event in late:
            if counter in seen or key(event.room) not in here:
                continue
            for each in self._under.get(node, ()):
                each.add(counter)  # another recovery under way hands it not again
            shown.append(event)
            now = self.marks.get(node)
            if now is None or now.prefix != mark.prefix or now.upTo() < counter:
                self.marks[node] = Mark(mark.prefix, counter, event.millis, event.msgid)
        if shown:
            self.hand(shown)  # in their sender's order, across rooms
        handed = len(shown)
        if handed:
            self.log.info(
                "{count} room messages of node {node} that never came were read back from"
                " the shared store and shown late",
                count=handed,
                node=node,
            )

    async def _readBack(self, mark: Mark) -> list[tuple[int, RoomMessage]]:
        """
        What the process of C{mark} said beyond it in the rooms with
        members here, each with its count there, in order.
        """
        late: list[tuple[int, RoomMessage]] = []
        for room in sorted(self.localRooms()):
            since = max(mark.millis, self._watched.get(key(room), mark.millis))
            for event in await self._readAfter(room, since):
                origin = msgidOrigin(event.msgid)
                if origin is not None and origin[0] == mark.prefix and origin[1] > mark.counter:
                    late.append((origin[1], event))
        late.sort(key=lambda each: each[0])
        return late

    async def _readAfter(self, room: str, since: int) -> list[RoomMessage]:
        """
        C{room}'s stored messages said at C{since} or later, oldest first.
        """
        persistence = self.service.persistence
        assert persistence is not None
        store, conversation = persistence.store, Conversation.ofRoom(room)
        found: list[RoomMessage] = []
        after: Bound | None = Bound(since - 1)
        for _ in range(PAGES):
            page = await store.window(conversation, after=after, limit=PAGE, newest=False)
            found.extend(event for event in page if isinstance(event, RoomMessage))
            if len(page) < PAGE:
                break
            after = await store.locate(conversation, page[-1].msgid)
            if after is None:
                break
        return found
