# -*- test-case-name: tests.unit.cluster.test_cluster_deadpm,tests.unit.core.test_liveorder -*-
"""
The private messages sent live to a registered user who is logging in,
held until the ones that waited for them are handed over.

A login is welcomed on the turn after its answer, and the messages that
waited while they were away come with that welcome
(L{chatd.core.inbox.Inbox.deliver}), which may wait a while for what
other nodes of a cluster keep for them.  The person is reachable from
their admission on: a message sent to them meanwhile would reach them
before their login's answer, and before the older ones that waited.  So
from their admission until that delivery is done (at most L{LIVE_HOLD}
seconds), what is sent to them live waits here, then follows, in the
order it was sent.
"""

from __future__ import annotations

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from chatd.core.delivery import connectionsOf
from chatd.core.events import PrivateMessage
from chatd.core.interfaces import IParticipant

#: Seconds live private messages wait at most for a login's delivery.
LIVE_HOLD = 30.0


class LiveHold:
    """
    The live private messages held for connections being welcomed.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._held: dict[IParticipant, list[tuple[IParticipant, PrivateMessage]]] = {}
        self._limits: dict[IParticipant, IDelayedCall] = {}

    def hold(self, participant: IParticipant) -> None:
        """
        C{participant} is being admitted as a registered user: what is sent
        to it live waits for L{release} (or L{LIVE_HOLD} seconds).
        """
        if participant not in self._held:
            self._held[participant] = []
            self._limits[participant] = self.clock.callLater(LIVE_HOLD, self.release, participant)

    def hand(self, recipient: IParticipant, event: PrivateMessage) -> None:
        """
        Hand C{recipient} (a person, or one connection) C{event} sent live,
        or hold it behind the delivery one of its connections waits for.
        """
        for connection in connectionsOf(recipient):
            held = self._held.get(connection)
            if held is not None:
                held.append((recipient, event))
                return
        recipient.privateMessage(event)

    def release(self, participant: IParticipant) -> None:
        """
        The messages that waited for C{participant} are handed over (or it
        left): what was held for it follows, in order.
        """
        limit = self._limits.pop(participant, None)
        if limit is not None and limit.active():
            limit.cancel()
        for recipient, event in self._held.pop(participant, ()):
            self.hand(recipient, event)
