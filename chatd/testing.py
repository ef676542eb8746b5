# -*- test-case-name: tests.unit.core.test_service -*-
"""
Test doubles for code built on chatd, in the spirit of C{treq.testing}.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from zope.interface import implementer

from chatd.core.errors import ChatError
from chatd.core.events import (
    Event,
    Membership,
    Notice,
    PrivateMessage,
    Redaction,
    Rename,
    RoomMessage,
)
from chatd.core.interfaces import IParticipant
from chatd.core.interfaces import settled as settled
from chatd.core.limits import MAX_HISTORY


@implementer(IParticipant)
class RecordingParticipant:
    """
    A participant that remembers every event the service gives it.

    @ivar events: everything received, in order.
    @ivar disconnectedWith: the error given to L{disconnect}, if any.
    @ivar slow: when true, L{whenDrained} waits until L{drain} (a reader
        that has not read yet); else its output counts as handed at once.
    """

    def __init__(self, address: str = "127.0.0.1", protocolName: str = "test") -> None:
        self.nick: str | None = None
        self.address = address
        self.protocolName = protocolName
        self.events: list[Event] = []
        self.disconnectedWith: ChatError | None = None
        self.slow = False
        self._drainWaiters: list[Deferred[bool]] = []

    #: Offered as much history as the service gives on entering a room.
    historyOnEnter = MAX_HISTORY
    fetchesMissed = False

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        for event in events:
            self.roomMessage(event)

    def roomMessage(self, event: RoomMessage) -> None:
        self.events.append(event)

    def privateMessage(self, event: PrivateMessage) -> None:
        self.events.append(event)

    def membershipChanged(self, event: Membership) -> None:
        self.events.append(event)

    def renamed(self, event: Rename) -> None:
        self.events.append(event)

    def notice(self, event: Notice) -> None:
        self.events.append(event)

    def messageRedacted(self, event: Redaction) -> None:
        self.events.append(event)

    def disconnect(self, error: ChatError) -> None:
        self.disconnectedWith = error

    def whenDrained(self) -> Deferred[bool]:
        if self.disconnectedWith is not None:
            return succeed(False)
        if not self.slow:
            return succeed(True)
        waiter: Deferred[bool] = Deferred()
        self._drainWaiters.append(waiter)
        return waiter

    def drain(self, handed: bool = True) -> None:
        """
        The reader caught up (C{handed}) or the connection closed (not
        C{handed}): fire what L{whenDrained} returned so far.
        """
        waiters, self._drainWaiters = self._drainWaiters, []
        for waiter in waiters:
            waiter.callback(handed)
