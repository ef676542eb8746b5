# -*- test-case-name: tests.unit.irc.test_irc_chathistory,tests.unit.irc.test_irc_joinorder -*-
"""
A labelled C{JOIN}'s answer holds the channel's history: the service
offers it a moment after the entry (L{chatd.core.persistence}), so the
command waits for it, as Ergo answers a labelled C{JOIN} with its
C{chathistory} batch inside the C{labeled-response} batch.  It waits
L{HOLD} seconds at most, for a history that fails to come.

Meanwhile the channel's live messages wait (L{holdLive}, the web page's
and talk mode's L{chatd.lines.roomhold}): the joiner is shown its C{JOIN},
topic and names, then the history offered with them, then what was said
since, as the service's answer to the entry comes only once it is stored.
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


def holdLive(irc: IRCSession, room: str) -> None:
    """
    C{room} is being joined: its live messages wait for L{releaseLive}.
    """
    irc.held.hold(room)


def releaseLive(irc: IRCSession, room: str, entered: bool) -> None:
    """
    The C{JOIN} of C{room} is answered (C{entered}, or refused): its live
    messages follow, unless its history is still to come
    (L{chatd.irc.protocol.IRCProtocol.roomHistory} releases them then);
    a labelled answer is written once the command is over, so they
    follow on the next turn.
    """
    if not (entered and replayOffered(irc.service, irc.participant)):
        irc.factory.clock.callLater(0, irc.held.release, room)


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
