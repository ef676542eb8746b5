# -*- test-case-name: tests.unit.core.test_service -*-
"""
L{IParticipant}: what the service calls back on a connected person, whatever
protocol they speak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from zope.interface import Attribute, Interface

if TYPE_CHECKING:
    from chatd.core.errors import ChatError
    from chatd.core.events import (
        Membership,
        Notice,
        PrivateMessage,
        Rename,
        RoomMessage,
    )

#: The reason the rooms are given when a connection ends without a quit, on
#: every front-end, however its socket ended: closed by the peer, reset, or
#: failed (the difference lies in TCP details nobody in the room can act on).
CONNECTION_CLOSED = "connection closed"


class IParticipant(Interface):
    """
    A connected person, as the service sees them.  Methods must not raise:
    they queue output for the person and return.

    A participant may also have a C{relay}: participants with the same
    relay (stand-ins that forward room messages to one place) are given
    each room message once between them (L{chatd.core.delivery}).  One with
    a C{fanout} (a L{chatd.core.delivery.Fanout}) is given a room's messages
    through it, a reactor turn's run at a time, instead of by L{roomMessage}.
    One with a true C{takesCtcp} (IRC) is given CTCP requests and replies
    other than actions as they are; the others show no such message
    (L{chatd.core.ctcp}).  One with a C{lastHeard} (a L{float}, the
    service's clock) was last heard from then: the last line or frame it
    received (L{chatd.core.activity.Activity.lastHeard}).
    """

    nick = Attribute("The logged-in nickname (a L{str}), or C{None} before login.")
    address = Attribute("Where the connection comes from: an IP address, a L{str}.")
    protocolName = Attribute("The front-end's short name: 'tchat', 'talk', 'irc', 'web'.")
    historyOnEnter = Attribute(
        "How many of a room's past messages this participant is offered on"
        " entering it (an L{int}; 0: none), capped by the service's own limit."
        " Each protocol decides, since only some can tell history from live."
    )

    fetchesMissed = Attribute(
        "Whether this participant asks for the private messages it may have"
        " missed itself (the web page's catch-up, IRC's draft/chathistory), a"
        " L{bool}: a new connection of a person is then not handed what its"
        " other connections may have swallowed (L{chatd.core.unheard})."
    )

    def roomMessage(event: RoomMessage) -> None:
        """
        Someone else spoke in a room this participant is in.
        """

    def roomHistory(room: str, events: list[RoomMessage]) -> None:
        """
        The messages sent in C{room} before this participant entered it,
        oldest first, offered once on entering (at most L{historyOnEnter});
        the front-end shows them as history, never as live messages.  Also
        called with none: the replay is over (what came live since may be
        shown after it).
        """

    def privateMessage(event: PrivateMessage) -> None:
        """
        Someone spoke to this participant privately.
        """

    def membershipChanged(event: Membership) -> None:
        """
        Someone else entered or left a room this participant is in.
        """

    def renamed(event: Rename) -> None:
        """
        Someone sharing a room with this participant (or the participant
        itself) changed nickname.
        """

    def notice(event: Notice) -> None:
        """
        A server notice for this person: an announcement or a moderation note.
        """

    def disconnect(error: ChatError) -> None:
        """
        The service ends this person's session (kick, ban, kill, shutdown):
        tell them C{error} in the protocol's own way, then close.
        """

    def whenDrained() -> Deferred[bool]:
        """
        A L{Deferred} that fires with C{True} once everything queued for
        this person so far was handed to their connection and it is ready
        for more (the reader keeps up), or with C{False} if the connection
        closed first.  The service sends output that comes in pieces (the
        private messages that waited for a user) one piece at a time with
        it, so a slow reader is not cut off for a backlog it did not cause.
        """
