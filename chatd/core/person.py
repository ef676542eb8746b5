# -*- test-case-name: tests.unit.core.test_multiconnection,tests.unit.irc.test_irc_multiclient -*-
"""
L{Person}: one signed-in person, the connections that share its nickname,
as rooms and other people see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from zope.interface import implementer

from chatd.core.delivery import Gathering, deliver
from chatd.core.interfaces import IParticipant

if TYPE_CHECKING:
    from chatd.core.errors import ChatError
    from chatd.core.events import Membership, Notice, PrivateMessage, Rename, RoomMessage


@implementer(IParticipant)
class Person(Gathering):
    """
    One signed-in person, as rooms, nicknames and other people see them:
    the connections (participants) signed in under one nickname, first
    one first.  A guest has one; a registered account up to
    L{People.maxConnections}, on any protocols.  An event for the person
    goes to each connection; the first one stands for the rest in what
    others see of them (address, protocol, and front-end details such as
    an IRC client's ident, read through it), but for the user name it
    shows (L{ident}), which is the one of the connection that made it.
    """

    # One per signed-in person: slots, not a dict (weakly referenced, as participants are).
    __slots__ = ("connections", "_keptIdent", "__weakref__")

    def __init__(self, connection: IParticipant) -> None:
        self.connections = [connection]
        #: The user name of the connection that made the person, once it closed.
        self._keptIdent: tuple[str | None] | None = None

    @property
    def ident(self) -> str | None:
        """
        The user name others see in its mask (IRC's C{USER}, L{None}
        elsewhere): the connection's that made the person, kept after it
        closes, so its mask, and a ban matching it, stay as long as the
        person does.
        """
        if self._keptIdent is not None:
            return self._keptIdent[0]
        ident: str | None = getattr(self.connections[0], "ident", None)
        return ident

    def removeConnection(self, connection: IParticipant) -> None:
        if self._keptIdent is None and connection is self.connections[0]:
            self._keptIdent = (getattr(connection, "ident", None),)
        super().removeConnection(connection)

    def __getattr__(self, name: str) -> Any:
        if name == "connections":  # not yet set: never look it up below
            raise AttributeError(name)
        return getattr(self.connections[0], name)

    def __repr__(self) -> str:
        return f"<Person {self.nick!r} on {len(self.connections)} connection(s)>"

    @property
    def nick(self) -> str | None:
        nick: str | None = self.connections[0].nick
        return nick

    @nick.setter
    def nick(self, nick: str | None) -> None:
        for connection in self.connections:
            connection.nick = nick

    @property
    def address(self) -> str:
        address: str = self.connections[0].address
        return address

    @property
    def protocolName(self) -> str:
        name: str = self.connections[0].protocolName
        return name

    @property
    def historyOnEnter(self) -> int:
        count: int = self.connections[0].historyOnEnter
        return count

    @property
    def userModes(self) -> Any:
        """
        An IRC client's user modes (an C{AttributeError} for other
        front-ends, as through L{__getattr__}): spelled out because IRC's
        LUSERS asks it of everyone online on every login, and a lookup that
        first fails here costs several times more.
        """
        first: Any = self.connections[0]
        return first.userModes

    def roomMessage(self, event: RoomMessage) -> None:
        deliver(self.connections, "roomMessage", event)

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        for connection in self.connections:
            connection.roomHistory(room, events)

    def privateMessage(self, event: PrivateMessage) -> None:
        deliver(self.connections, "privateMessage", event)

    def membershipChanged(self, event: Membership) -> None:
        deliver(self.connections, "membershipChanged", event)

    def renamed(self, event: Rename) -> None:
        deliver(self.connections, "renamed", event)

    def notice(self, event: Notice) -> None:
        deliver(self.connections, "notice", event)

    def disconnect(self, error: ChatError) -> None:
        """Every connection is ended (a kick, a ban, a kill: the person's)."""
        deliver(list(self.connections), "disconnect", error)

    def whenDrained(self) -> Deferred[bool]:
        drained: Deferred[bool] = self.connections[0].whenDrained()
        return drained
