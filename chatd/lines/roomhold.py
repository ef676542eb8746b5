# -*- test-case-name: tests.unit.talk.test_talk_paced,tests.unit.web.test_web_paced -*-
"""
First the past: a person entering a busy room is sent its history, paced
as their client reads, while the room goes on talking.  Its live messages
wait here until that history is sent, then follow it in order, so nothing
said after the entry shows above the history (web page and talk mode).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from twisted.internet.interfaces import IReactorTime

from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.names import key

#: Seconds a room's live messages wait at most for the history replayed
#: on entering it (one that fails to come, or comes late in a cluster).
HOLD = 3.0

Held = TypeVar("Held")


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

    __slots__ = ("_clock", "_write", "_rooms")

    def __init__(self, clock: IReactorTime, write: Callable[[Held], None]) -> None:
        self._clock = clock
        self._write = write
        self._rooms: dict[str, list[Held]] = {}

    def hold(self, room: str) -> None:
        """
        C{room} is being entered: its live output waits for its history, at
        most L{HOLD} seconds, should none come.
        """
        if key(room) not in self._rooms:
            self._rooms[key(room)] = []
            self._clock.callLater(HOLD, self.release, room)

    def keep(self, roomKey: str, item: Held) -> bool:
        """
        Keep C{item}, live output of the room whose key is C{roomKey}, if
        that room is held; whether it was kept.
        """
        held = self._rooms.get(roomKey)
        if held is None:
            return False
        held.append(item)
        return True

    def release(self, room: str) -> None:
        """
        C{room}'s history is sent (or never came): what was held follows.
        """
        for item in self._rooms.pop(key(room), ()):
            self._write(item)
