# -*- test-case-name: tests.unit.core.test_alwayson -*-
"""
L{Absent}: an always-on person's stand-in while none of their connections
is open (L{chatd.core.alwayson}).  The person stays a member of their rooms
through it; what happens there meanwhile is in the rooms' history, and
private messages wait in the inbox, so events given to it are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed
from zope.interface import implementer

from chatd.core.delivery import Gathering
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.errors import ChatError
    from chatd.core.events import Membership, Notice, PrivateMessage, Rename, RoomMessage
    from chatd.core.hooks import IChatObserver

#: What others are shown as an absent person's away message (IRC's C{AWAY}).
AWAY_TEXT = "not connected (always on: messages wait for them)"


@implementer(IParticipant)
class Absent:
    """
    Nobody at the keyboard: the nickname, address and front-end of the
    person's last connection (what others see of them, bans included), and
    an away message.

    @ivar ended: called with this stand-in and a reason when the service
        ends the person's session (a kill, a ban): it logs them out.
    """

    historyOnEnter = 0
    fetchesMissed = False
    awayMessage = AWAY_TEXT

    def __init__(
        self,
        nick: str | None,
        address: str,
        protocolName: str,
        ended: Callable[[Absent, str], None],
    ) -> None:
        self.nick = nick
        self.address = address
        self.protocolName = protocolName
        self.ended = ended

    def __repr__(self) -> str:
        return f"<Absent {self.nick!r}>"

    def roomMessage(self, event: RoomMessage) -> None:
        pass

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        pass

    def privateMessage(self, event: PrivateMessage) -> None:
        pass

    def membershipChanged(self, event: Membership) -> None:
        pass

    def renamed(self, event: Rename) -> None:
        pass

    def notice(self, event: Notice) -> None:
        pass

    def disconnect(self, error: ChatError) -> None:
        self.ended(self, error.text)

    def whenDrained(self) -> Deferred[bool]:
        return succeed(False)


def isAbsent(member: IParticipant | None) -> bool:
    """
    Whether C{member} is a person none of whose connections is open.
    """
    if isinstance(member, Gathering):
        return all(isinstance(each, Absent) for each in member.connections)
    return isinstance(member, Absent)


def isAbsentAnywhere(member: IParticipant | None, observer: IChatObserver | None) -> bool:
    """
    Whether C{member} is a person none of whose connections is open, here
    or on another cluster node (as its node's profile of it says).
    """
    if member is not None and observer is not None and observer.absentElsewhere(member):
        return True
    return isAbsent(member)
