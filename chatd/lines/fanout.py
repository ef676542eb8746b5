# -*- test-case-name: tests.unit.lines.test_fanout -*-
"""
A room's messages to line-protocol connections, joined per turn.

Giving each of a room's N members each of M messages costs N x M calls and
appends, and under load that is most of the daemon's work.  Messages that
follow one another to the same members are the same bytes for all of them
but their senders, so L{RoomFanout} keeps them (a L{TurnBatch}) until the
end of the reactor turn, when each member is handed the whole run in one
write: for most members one shared join per wire format.

Order is what the members would have seen one message at a time:

    - a batch is for one list of connections (a room's members, as the
      core gives them, a new list after any change): a message for another
      list, or after an entry or an exit, first settles the batch;
    - any other output for a connection (a reply, a private message, an
      entry in another room) first catches that connection up with the
      messages it is owed (L{chatd.lines.outbox.Outbox.write} asks);
    - each member's own messages are left out for it, as C{skip} says.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from twisted.logger import Logger

from chatd.core.events import RoomMessage

if TYPE_CHECKING:
    from chatd.lines.outbox import Outbox

log = Logger()


def _shows(pieces: list[bytes]) -> int:
    """How many of C{pieces} show anything."""
    return len(pieces) - pieces.count(b"")


class BatchedParticipant(Protocol):
    """
    A connection that takes a room's messages a run at a time.
    """

    nick: str | None
    outbox: Outbox | None

    def roomMessages(self, batch: TurnBatch, start: int) -> None:
        """
        Queue C{batch}'s messages from C{start} on (L{TurnBatch.owed}).
        """


class TurnBatch:
    """
    Consecutive messages to one room's connections, not yet handed to them.

    @ivar connections: the members' connections, the core's list.
    @ivar taken: how many messages a connection was already given, by its
        place in C{connections} (those caught up before the batch settled).
    @ivar position: while settling, the place of the connection being
        handed its messages: it and those before it are owed nothing more.
    """

    __slots__ = (
        "connections",
        "events",
        "own",
        "taken",
        "settled",
        "position",
        "failed",
        "_pieces",
        "_shared",
        "_at",
    )

    def __init__(self, connections: list[BatchedParticipant]) -> None:
        self.connections = connections
        self.events: list[RoomMessage] = []
        #: The places in C{events} of each sender's own messages, by its id.
        self.own: dict[int, list[int]] = {}
        self.taken: dict[int, int] = {}
        self.settled = False
        self.position = -1
        self.failed = False  # a front-end raised: logged once per batch
        self._pieces: dict[object, list[bytes]] = {}
        self._shared: dict[object, tuple[bytes, int]] = {}
        self._at: dict[int, int] | None = None

    @property
    def roomKey(self) -> str:
        return self.events[0].roomKey

    def owed(
        self, connection: object, start: int, encoder: Callable[[RoomMessage], bytes]
    ) -> bytes:
        """
        C{connection}'s messages from C{start} on, each C{event.wire(encoder)},
        without those it sent: once settled, the same joined bytes for every
        connection owed them all.
        """
        if not start and self.settled and (shared := self._shared.get(encoder)) is not None:
            if id(connection) not in self.own:  # the common case, once per member: no more calls
                return shared[0]
        return self.shown(connection, start, encoder)[0]

    def shown(
        self, connection: object, start: int, encoder: Callable[[RoomMessage], bytes]
    ) -> tuple[bytes, int]:
        """
        L{owed}, and how many messages it shows (those C{encoder} gives any
        bytes for): a front-end that counts what it sends counts those.
        """
        pieces = self._encoded(encoder)
        own = self.own.get(id(connection))
        if own is None:
            if start == 0 and self.settled:
                shared = self._shared.get(encoder)
                if shared is None:
                    shared = self._shared[encoder] = (b"".join(pieces), _shows(pieces))
                return shared
            chosen = pieces[start:]
        else:  # the pieces between its own messages
            chosen, at = [], start
            for mine in own[bisect_left(own, start) :]:
                chosen += pieces[at:mine]
                at = mine + 1
            chosen += pieces[at:]
        return b"".join(chosen), _shows(chosen)

    def _encoded(self, encoder: Callable[[RoomMessage], bytes]) -> list[bytes]:
        """
        Every message's C{event.wire(encoder)}, in order, made as needed.
        """
        pieces = self._pieces.get(encoder)
        if pieces is None:
            pieces = self._pieces[encoder] = []
        if len(pieces) < len(self.events):
            pieces += [e.wire(encoder) for e in self.events[len(pieces) :]]
        return pieces

    def place(self, outbox: Outbox) -> int | None:
        """
        The place in C{connections} of the one whose outbox is C{outbox}.
        """
        if self._at is None:
            self._at = {
                id(c.outbox): i for i, c in enumerate(self.connections) if c.outbox is not None
            }
        return self._at.get(id(outbox))


class RoomFanout:
    """
    The batch of one front-end's connections (one per
    L{chatd.lines.outbox.FlushScheduler}), settled when its flush runs.

    @ivar pending: whether some connection may be owed messages: what
        L{chatd.lines.outbox.Outbox.write} checks before anything else.
    """

    def __init__(self, wake: Callable[[], None]) -> None:
        """
        @param wake: makes sure a flush, and so L{settle}, runs this turn.
        """
        self._wake = wake
        self.current: TurnBatch | None = None
        self.pending = False
        self._settling: TurnBatch | None = None

    def add(self, connections: list[BatchedParticipant], event: RoomMessage, skip: object) -> None:
        """
        C{event} for every one of C{connections} but C{skip}, at the latest
        when this turn's output is flushed.
        """
        batch = self.current
        if batch is None or batch.connections is not connections:
            if batch is not None:
                self.settle()
            batch = self.current = TurnBatch(connections)
            self.pending = True
            self._wake()
        if skip is not None:
            batch.own.setdefault(id(skip), []).append(len(batch.events))
        batch.events.append(event)

    def catchUp(self, outbox: Outbox) -> None:
        """
        Give the connection whose outbox is C{outbox} the messages it is owed
        now: other output for it follows.
        """
        for batch in (self._settling, self.current):
            if batch is None:
                continue
            index = batch.place(outbox)
            if index is None or index <= batch.position:
                continue
            start, count = batch.taken.get(index, 0), len(batch.events)
            if start < count:
                batch.taken[index] = count
                _hand(batch, index, start)

    def settle(self) -> None:
        """
        Hand every connection what it is owed.  Output a delivery causes
        meanwhile (a reader cut off, its exit told to the others) first
        catches its connection up; a message it causes waits for the next
        batch, which this settles too.
        """
        if self._settling is not None:
            return
        while (batch := self.current) is not None:
            self.current = None
            self._settling = batch
            try:
                self._deliver(batch)
            finally:
                self._settling = None
        self.pending = False

    def _deliver(self, batch: TurnBatch) -> None:
        batch.settled = True
        taken, count = batch.taken, len(batch.events)
        for index in range(len(batch.connections)):
            batch.position = index
            start = taken.get(index, 0) if taken else 0
            if start < count:
                _hand(batch, index, start)


def _hand(batch: TurnBatch, index: int, start: int) -> None:
    """
    Give C{batch}'s connection at C{index} its messages from C{start} on.  A
    front-end that raises is logged, once per batch, and what follows goes
    on: the output it was being caught up for (a reply), or the members after it.
    """
    connection = batch.connections[index]
    try:
        connection.roomMessages(batch, start)
    except Exception:
        if not batch.failed:
            batch.failed = True
            log.failure(
                "delivering {count} messages to {nick} failed",
                count=len(batch.events) - start,
                nick=connection.nick,
            )
