# -*- test-case-name: tests.unit.irc.test_irc_rulesoutage,tests.unit.cluster.test_cluster_settingsretry -*-  # noqa: E501
"""
Storing a room's settings (topic, capacity, founder, modes, key, masks:
L{Room.unstored}) so that a restart keeps them, even those changed while
the database is away.  Every write of a room's settings goes through here.

A change is answered at once and holds in memory; the write may be refused
(the database restarting, SQLite busy).  So the room's mark of what the
store holds (L{Room.storedSettings}) moves only once the store confirmed a
write, and a refused write is done again when the store answers (its
health recovers) or, failing that, a while later
(L{chatd.core.storeretry.nextWait}).  One writer per room writes, each time,
the room's settings as they are then: a change made meanwhile is never
overwritten by an older one's retry, and a change wakes a writer waiting.

A write a caller waits for (L{SettingsWriter.write}: a topic, a capacity,
the console's settings of a room) tells the other processes sharing the
store of the settings (C{settings}, L{chatd.core.sharing.applyChange}) as
its first try ends, stored or refused (the change holds in memory here,
and there too), and again once a retry lands: a process that re-read the
store meanwhile (its link to the cluster came back) read the old ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.storeretry import nextWait

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.room import Room
    from chatd.storage.interfaces import RoomSettings


class _Writing:
    """
    A room's writer: who waits for the outcome of its next try, whether
    the other processes are to be told once it lands, and what wakes it
    while it waits to try again.
    """

    def __init__(self) -> None:
        self.answers: list[Deferred[None]] = []
        self.announce = False
        self.wake: Callable[[], None] | None = None


class SettingsWriter:
    """
    The writers of rooms' settings on C{persistence}'s store.
    """

    log = Logger()

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        self._writing: dict[Room, _Writing] = {}

    def save(self, room: Room) -> None:
        """
        Store C{room}'s settings if the store does not hold them yet: now,
        or, if a write is under way, once it ended; a write waiting for
        the store tries again at once.  (A change of modes, key or masks
        reaches the other nodes of a cluster live: this tells them nothing.)
        """
        self._start(room, None, False)

    def write(self, room: Room) -> Deferred[None]:
        """
        L{save}, for a caller that says whether it is stored: fires once the
        store holds C{room}'s settings as they are now, or fails as the
        first try to store them did (L{errors.StoreUnavailable}: tried
        again when the store answers, all the same).  The other processes
        sharing the store are told as the first try ends, and again once
        a retry lands.
        """
        answer: Deferred[None] = Deferred()
        self._start(room, answer, True)
        return answer

    def writeOnce(self, room: Room, announce: bool = False) -> Deferred[None]:
        """
        Store C{room}'s settings once, not again if refused: a room that
        is made only if stored (L{Persistence.newRoom}: C{announce}d to the
        other processes once stored), or at start.
        """
        settings = room.unstored()
        if settings is None:
            return succeed(None)
        saved = self.persistence.store.saveRoom(settings, self.persistence.service.now())
        return saved.addCallback(lambda _: self._landed(room, settings, announce))

    def _start(self, room: Room, answer: Deferred[None] | None, announce: bool) -> None:
        writing = self._writing.get(room)
        if writing is None and room.unstored() is None:
            if announce:
                self._announce(room)
            if answer is not None:
                answer.callback(None)
            return
        if writing is not None:
            writing.announce = writing.announce or announce
            if answer is not None:
                writing.answers.append(answer)
            if writing.wake is not None:
                writing.wake()
            return
        writing = self._writing[room] = _Writing()
        writing.announce = announce
        if answer is not None:
            writing.answers.append(answer)
        done = Deferred.fromCoroutine(self._write(room, writing))
        done.addErrback(self._failed, room, writing)
        done.addBoth(lambda _: self._ended(room, writing))

    def _wanted(self, room: Room) -> bool:
        service = self.persistence.service
        return service.registry.find(room.name) is room and not room.ephemeral

    async def _write(self, room: Room, writing: _Writing) -> None:
        store, service = self.persistence.store, self.persistence.service
        waited = 0.0
        while self._wanted(room) and (settings := room.unstored()) is not None:
            answering, writing.answers = writing.answers, []
            announcing, writing.announce = writing.announce, False
            try:
                await store.saveRoom(settings, service.now())
            except errors.StoreUnavailable:
                _answer(answering, Failure())
                writing.announce = writing.announce or announcing  # told once a retry lands
                if answering:  # a first try its callers are told of: held here, and there
                    self._announce(room)
                if not service.running:
                    raise  # (stopping: the store's outage is logged by it)
                waited = nextWait(waited)
                await self._wait(writing, waited)
                continue
            except BaseException:
                writing.answers[:0] = answering  # (told by _failed)
                raise
            self._landed(room, settings, announcing)
            _answer(answering, None)
            waited = 0.0
        if writing.announce and self._wanted(room):  # asked as a try that held it landed
            self._announce(room)

    def _landed(self, room: Room, settings: RoomSettings, announce: bool) -> None:
        """
        The store confirmed it holds C{settings} (a L{Room.unstored} copy
        of C{room}'s): the room's mark moves, and, if C{announce}, the
        other processes sharing the store are told.
        """
        room.settingsStored(settings)
        if announce:
            self._announce(room)

    def _announce(self, room: Room) -> None:
        """Tell the other processes sharing the store of C{room}'s settings."""
        self.persistence.changed("settings", s=asdict(room.settings))

    async def _wait(self, writing: _Writing, seconds: float) -> None:
        """
        Until the store's health recovers, at most C{seconds}, or until
        the room changes again (L{save} wakes the writer).
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
        writing.wake = wake
        try:
            await woken
        finally:
            writing.wake = None
            if timer.active():
                timer.cancel()
            if recovered is not None:
                recovered.cancel()  # (no-op once fired)

    def _failed(self, failure: Failure, room: Room, writing: _Writing) -> None:
        """
        The writer stopped on C{failure}: whoever waits is told (and says
        it); a bug or a refused value nobody waits for is logged here (the
        store logs its outages itself).
        """
        if writing.answers:
            _answer(writing.answers, failure)
            writing.answers = []
        elif not failure.check(errors.StoreUnavailable):
            self.log.failure("storing {room}'s settings", failure, room=room.name)

    def _ended(self, room: Room, writing: _Writing) -> None:
        """The writer is done: whoever still waits finds nothing unstored."""
        del self._writing[room]
        _answer(writing.answers, None)


def _answer(answers: list[Deferred[None]], result: Failure | None) -> None:
    for answer in answers:
        if result is None:
            answer.callback(None)
        else:
            answer.errback(result)
