# -*- test-case-name: tests.unit.lines.test_roomhold,tests.unit.talk.test_talk_paced,tests.unit.talk.test_talk_joinorder,tests.unit.web.test_web_joinorder -*-  # noqa: E501
"""
First the answer, then the past: a person entering a busy room is answered
once the service has stored the entry (and the other cluster nodes know
it), then sent its history, paced as their client reads, while the room
goes on talking.  Its live messages wait here until that answer and that
history are written, then follow them in order, so nothing said after the
entry shows above them (web page, talk mode, IRC; TCHAT, which replays no
history, until its C{OKAY!}).  Bounded: L{HOLD} seconds, L{MAX_HELD} items.

The rooms a login or a registration puts a connection in (a registered
user's rooms from last time, the C{--autojoin} ones, those flagged
autojoin) are known to it only from the answer: every room's live output
waits while that answer comes (L{RoomHold.untilAnsweredAll}), as an
entry's does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.lines.outbox import Outbox

#: Seconds a room's live messages wait at most for the history replayed
#: on entering it (one that fails to come, or comes late in a cluster).
HOLD = 3.0

#: Live items a room holds at most: past that, what was held follows at
#: once, and so does what comes next.
MAX_HELD = 500

Held = TypeVar("Held")
T = TypeVar("T")


def replayOffered(service: IChatService, participant: IParticipant) -> bool:
    """
    Whether C{participant} is sent a room's history on entering it: only
    then is there anything to wait for.
    """
    persistence = service.persistence
    return persistence is not None and persistence.replays.offers(participant)


class RoomHold(Generic[Held]):
    """
    The live output of the rooms one connection is entering, held until
    their history is sent; C{write} sends one held item.
    """

    __slots__ = ("_clock", "_write", "_rooms", "_limits", "_every", "holding")

    def __init__(self, clock: IReactorTime, write: Callable[[Held], None]) -> None:
        self._clock = clock
        self._write = write
        self._rooms: dict[str, list[Held]] = {}
        self._limits: dict[str, IDelayedCall] = {}
        # While a login's answer comes (any room is held, once): the rooms
        # held for it, and those released since.
        self._every: set[str] | None = None
        #: Whether any room's output is held now: if not, L{keep} keeps
        #: nothing, and a room message need not ask it.
        self.holding = False

    def hold(self, room: str) -> None:
        """
        C{room} is being entered: its live output waits for its history, at
        most L{HOLD} seconds, should none come.
        """
        if key(room) not in self._rooms:
            self._rooms[key(room)] = []
            self._limits[key(room)] = self._clock.callLater(HOLD, self.release, room)
            self.holding = True

    def keep(self, roomKey: str, item: Held) -> bool:
        """
        Keep C{item}, live output of the room whose key is C{roomKey}, if
        that room is held (and holds fewer than L{MAX_HELD}); whether it
        was kept.
        """
        if self._every is not None and roomKey not in self._every and roomKey not in self._rooms:
            self._every.add(roomKey)
            self.hold(roomKey)
        held = self._rooms.get(roomKey)
        if held is None:
            return False
        if len(held) >= MAX_HELD:
            self.release(roomKey)
            return False
        held.append(item)
        return True

    def keepInOrder(self, roomKey: str, item: Held, outbox: Outbox | None) -> bool:
        """
        L{keep} for output outside the room's fan-out (a member entering or
        leaving, an echo): the room messages this connection is owed this
        turn go first, as L{chatd.lines.outbox.Outbox.write} sends them.
        """
        holds = roomKey in self._rooms or self._every is not None
        if holds and outbox is not None and outbox.scheduler.fanout.pending:
            outbox.scheduler.fanout.catchUp(outbox)
        return self.keep(roomKey, item)

    def untilAnswered(self, room: str, answer: Deferred[T]) -> Deferred[T]:
        """
        Hold C{room}'s live output until C{answer}, the answer to entering
        it, has come and been written: on the turn after it comes, as a
        command's answer is written by the callbacks added after this one.
        """
        self.hold(room)

        def answered(result: T) -> T:
            self._clock.callLater(0, self.release, room)
            return result

        return answer.addBoth(answered)

    def untilAnsweredAll(self, ask: Callable[[], Deferred[T]], replayed: bool) -> Deferred[T]:
        """
        Hold the live output of every room while the answer C{ask} gives,
        a login's or a registration's, comes (the rooms it put the
        connection in, which the answer names): L{releaseAll} on the turn
        after it, once it is written (C{replayed}: their history follows).
        """
        self.holdAll()
        try:
            answer = ask()
        except BaseException:
            self.releaseAll()
            raise

        def answered(result: T) -> T:
            self._clock.callLater(0, self.releaseAll, replayed and not isinstance(result, Failure))
            return result

        return answer.addBoth(answered)

    def holdAll(self) -> None:
        """
        From now until L{releaseAll}, every room's live output is held, as
        that of a room being entered (L{hold}), until it is released.
        """
        self._every = self._every if self._every is not None else set()
        self.holding = True

    def releaseAll(self, replayed: bool = False) -> None:
        """
        The answer that L{holdAll} waited for is written: the rooms held
        since follow it, unless their history is C{replayed} (which
        releases each, L{release}, or L{HOLD} seconds do).
        """
        caught, self._every = self._every or set(), None
        self.holding = bool(self._rooms)
        if not replayed:
            for roomKey in caught:
                self.release(roomKey)

    def release(self, room: str) -> None:
        """
        C{room}'s history is sent (or never came): what was held follows.
        """
        if self._every is not None:  # (not held again for the answer)
            self._every.add(key(room))
        limit = self._limits.pop(key(room), None)
        if limit is not None and limit.active():
            limit.cancel()  # (the closed connection is not kept for it)
        items = self._rooms.pop(key(room), ())
        self.holding = bool(self._rooms) or self._every is not None
        for item in items:
            self._write(item)
