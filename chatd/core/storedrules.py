# -*- test-case-name: tests.unit.irc.test_irc_rulesoutage -*-
"""
Storing a room's operator settings (modes, key, masks: L{Room.savedRules})
so that a restart keeps them, even those changed while the database is away.

A room operator is answered at once, and the change holds in memory; the
write may be refused (the database restarting, SQLite busy).  So the room's
mark of what the store holds (L{Room.storedRules}) moves only once the store
confirmed a write, and a refused write is done again when the store answers
(its health recovers) or, failing that, a while later
(L{chatd.core.storeretry.nextWait}).  One writer per room writes, each time,
the room's settings as they are then: a change made meanwhile is never
overwritten by an older one's retry, and a change wakes a writer waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from twisted.internet.defer import CancelledError, Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.storeretry import nextWait

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.room import Room


class RulesWriter:
    """
    The writers of rooms' operator settings on C{persistence}'s store.
    """

    log = Logger()

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        #: The rooms being written, to what wakes each one waiting to try again.
        self._writing: dict[Room, Callable[[], None] | None] = {}

    def save(self, room: Room) -> None:
        """
        Store C{room}'s operator settings if the store does not hold them
        yet: now, or, if a write is under way, once it ended; a write
        waiting for the store tries again at once.
        """
        if room.rulesUnstored() is None:
            return
        if room in self._writing:
            wake = self._writing[room]
            if wake is not None:
                wake()
            return
        self._writing[room] = None
        done = Deferred.fromCoroutine(self._write(room))
        done.addErrback(self._failed, room)
        done.addBoth(lambda _: self._writing.pop(room, None))

    def _wanted(self, room: Room) -> bool:
        service = self.persistence.service
        return service.registry.find(room.name) is room and not room.ephemeral

    async def _write(self, room: Room) -> None:
        store, service = self.persistence.store, self.persistence.service
        waited = 0.0
        while self._wanted(room) and (rules := room.rulesUnstored()) is not None:
            try:
                await store.saveRoom(replace(room.stored(), rules=rules), service.now())
            except errors.StoreUnavailable:
                if not service.running:
                    raise  # (stopping: the store's outage is logged by it)
                waited = nextWait(waited)
                await self._wait(room, waited)
                continue
            room.rulesStored(rules)
            waited = 0.0

    async def _wait(self, room: Room, seconds: float) -> None:
        """
        Until the store's health recovers, at most C{seconds}, or until
        C{room} changes again (L{save} wakes the writer).
        """
        health = self.persistence.store.health
        woken: Deferred[None] = Deferred()

        def wake(ignored: object = None) -> None:
            if not woken.called:
                woken.callback(None)

        timer = self.persistence.service.clock.callLater(seconds, wake)
        recovered = health.whenWorks() if health.problem is not None else None
        if recovered is not None:
            recovered.addCallbacks(wake, lambda failure: failure.trap(CancelledError))
        self._writing[room] = wake
        try:
            await woken
        finally:
            self._writing[room] = None
            if timer.active():
                timer.cancel()
            if recovered is not None:
                recovered.cancel()  # (no-op once fired)

    def _failed(self, failure: Failure, room: Room) -> None:
        if not failure.check(errors.StoreUnavailable):  # the store logs outages itself
            self.log.failure("storing {room}'s modes", failure, room=room.name)
