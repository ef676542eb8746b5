# -*- test-case-name: tests.unit.core.test_unheard,tests.unit.irc.test_irc_ghosts -*-
"""
The private messages a person's connections may have swallowed.

A connection whose network went away without a word (a phone in a
tunnel) stays open here until its ping timeout (up to 4 minutes on IRC),
and what the person is sent meanwhile is written to it, as delivered.  So
a new connection that joins the person (L{chatd.core.joining}) is given
the private messages the person received since its other connections were
last heard from (L{chatd.core.activity.Activity.lastHeard}): at most
L{UNHEARD_WINDOW} seconds back, and at most as many as a history request
gets (C{--history-count}), the newest, read from the account's private
history (L{chatd.core.chathistory}: who may read what).  They are handed
over as the private messages that waited while away are
(L{chatd.core.inbox.Inbox.handOver}), which every front-end shows with
the time they were sent.  Another connection heard from a moment ago
leaves next to nothing to give.  A connection that asks for what it
missed itself (C{fetchesMissed}: the web page, IRC with
C{draft/chathistory}) is given nothing: it would show them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chatd.core.chathistory import BETWEEN, HistoryQuery, Selector, historyLimit
from chatd.core.events import PrivateMessage
from chatd.core.limits import MAX_HISTORY
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.signin import welcomeJoined

if TYPE_CHECKING:
    from chatd.core.entryreplay import Cut
    from chatd.core.service import ChatService

#: How far back, in seconds, a new connection is given what the person's
#: other connections may have swallowed: longer than the longest ping
#: timeout (IRC's, 2 x 120 s by default), after which a dead one is closed.
UNHEARD_WINDOW = 5 * 60

#: What L{unheardSince} gives: from which moment to which (milliseconds,
#: both excluded).
Span = tuple[int, int]


def unheardSince(service: ChatService, others: Sequence[IParticipant]) -> Span | None:
    """
    The moments between which C{others}, the open connections of a person
    that another joins now, may have swallowed private messages: since the
    latest any of them was heard from (at most L{UNHEARD_WINDOW} ago),
    until now; C{None} without a store or without others.
    """
    if service.persistence is None or not others:
        return None
    heard = max(map(service.people.activity.lastHeard, others))
    since = max(heard, service.clock.seconds() - UNHEARD_WINDOW)
    # From the millisecond heard from, included (it may have come just after), to
    # a moment of this login's own (what comes later comes live).
    return int(since * 1000) - 1, service.messages.nowMillis()


async def welcomeBack(
    service: ChatService,
    participant: IParticipant,
    rooms: list[str],
    cut: Cut | None,
    span: Span | None,
) -> None:
    """
    Welcome C{participant}, which joined its signed-in person: its rooms
    (L{welcomeJoined}), then the private messages sent to the person in
    C{span} (L{giveUnheard}).
    """
    if rooms:
        await welcomeJoined(service, participant, rooms, cut)
    if span is not None and service.isLoggedIn(participant) and not participant.fetchesMissed:
        await giveUnheard(service, participant, span)


async def giveUnheard(service: ChatService, participant: IParticipant, span: Span) -> None:
    """
    Hand C{participant} the private messages its account received in
    C{span}, the newest L{historyLimit} of them, oldest first.
    """
    persistence = service.persistence
    owner = service.accountName(participant)
    if persistence is None or owner is None:
        return
    history = persistence.chathistory
    after, until = span
    count = historyLimit(service.historyCount)
    talked = await history.targets(participant, after, until + 2**40, MAX_HISTORY)
    received: list[PrivateMessage] = []
    for name, isRoom, _ in talked:
        if isRoom or key(name) == key(owner) or not service.isLoggedIn(participant):
            continue
        query = HistoryQuery(BETWEEN, Selector(millis=until), count, Selector(millis=after))
        for event in await history.window(participant, name, False, query):
            if isinstance(event, PrivateMessage) and key(event.sender) != key(owner):
                received.append(_copy(event))
    received.sort(key=lambda event: event.millis)
    nick = participant.nick
    if received and nick is not None and service.isLoggedIn(participant):
        await persistence.inbox.handOver(participant, nick, received[-count:])


def _copy(event: PrivateMessage) -> PrivateMessage:
    """
    C{event}, read from the store, as a new event (a store may hand out
    the one it keeps: marking it as waited must not change that).
    """
    return PrivateMessage(
        event.sender,
        event.recipient,
        event.lines,
        event.when,
        event.notice,
        event.tags,
        event.msgid,
        event.millis,
    )
