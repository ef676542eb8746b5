# -*- test-case-name: tests.unit.irc.test_irc_chathistory -*-
"""
A labelled C{JOIN}'s answer holds the channel's history: the service
offers it a moment after the entry (L{chatd.core.persistence}), so the
command waits for it, as Ergo answers a labelled C{JOIN} with its
C{chathistory} batch inside the C{labeled-response} batch.  It waits
L{HOLD} seconds at most, for a history that fails to come.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from chatd.core.names import key
from chatd.irc.labels import Held
from chatd.irc.session import IRCSession
from chatd.lines.roomhold import HOLD, replayOffered


def awaitHistory(irc: IRCSession, room: str) -> Deferred[None] | None:
    """
    What a labelled C{JOIN} of C{room} waits for: the room's history
    (L{historyAnswers}), if the client is offered one in a batch.
    """
    held = irc.labelled
    if not isinstance(held, Held) or "batch" not in irc.caps:
        return None
    if not replayOffered(irc.service, irc.participant):
        return None
    waiting: Deferred[None] = Deferred()
    held.histories[key(room)] = waiting
    timeout = irc.factory.clock.callLater(HOLD, giveUp, held, room)

    def done(result: None) -> None:
        if timeout.active():
            timeout.cancel()

    return waiting.addCallback(done)


def giveUp(held: Held, room: str) -> None:
    """
    C{room}'s history did not come in time: the C{JOIN} answers without it.
    """
    waiting = held.histories.pop(key(room), None)
    if waiting is not None:
        waiting.callback(None)


def historyAnswers(irc: IRCSession, room: str) -> Deferred[None] | None:
    """
    Whether C{room}'s history is the answer of the labelled C{JOIN} that
    waits for it: the L{Deferred} to fire once it is sent; C{None}: it is
    a delivery.
    """
    held = irc.labelled
    if not isinstance(held, Held):
        return None
    return held.histories.pop(key(room), None)
