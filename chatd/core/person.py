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

#: The user modes of a person who set none (shared: replaced, never changed).
NO_MODES: frozenset[str] = frozenset()

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
    shows (L{ident}) and its real name (L{realName}), which are the ones
    of the connection that made it: another connection joining the person
    changes neither.
    """

    # One per signed-in person: slots, not a dict (weakly referenced, as participants are).
    __slots__ = (
        "connections",
        "_keptIdent",
        "_realName",
        "userModes",
        "keptUserhost",
        "__weakref__",
    )

    #: A person here has no host told by another node (L{chatd.core.hosts}):
    #: said here, so asking it never goes through L{__getattr__}.
    shownHost: str | None = None

    def __init__(self, connection: IParticipant) -> None:
        self.connections = [connection]
        #: The user name of the connection that made the person, once it closed.
        self._keptIdent: tuple[str | None] | None = None
        #: The real name, once set (IRC's C{SETNAME}) or kept when the
        #: connection that made the person closed; until then its own.
        self._realName: str | None = None
        #: The person's user modes, whichever connection set them (L{chatd.core.usermodes}).
        self.userModes: frozenset[str] = NO_MODES
        #: Its C{user@host} and what it was worked out from
        #: (L{chatd.core.hosts.Hosts.userhostOf}); dropped when a connection
        #: goes (the first one's address and user name stand for it).
        self.keptUserhost: tuple[tuple[object, ...], str] | None = None

    @property
    def realName(self) -> str:
        """
        The real name others see (IRC's C{USER} text, C{""} where the
        protocol has none): the first one a connection of the person gave
        (the one that made it, else the first to join with one), kept
        after that connection closes, until the person sets another
        (L{realName} set).  A connection that joins a person who has a
        real name (another device) does not change it with its own.
        """
        if self._realName is not None:
            return self._realName
        return next(filter(None, map(_realNameOf, self.connections)), "")

    @realName.setter
    def realName(self, name: str) -> None:
        self._realName = name

    def namedBy(self, connection: IParticipant) -> bool:
        """
        Whether the person's real name is C{connection}'s own: the first
        given by its connections, and no other name was set since.
        """
        if self._realName is not None or not _realNameOf(connection):
            return False
        return next(filter(_realNameOf, self.connections), None) is connection

    @property
    def ident(self) -> str | None:
        """
        The user name others see in its mask (IRC's C{USER}, L{None}
        elsewhere): the connection's that made the person, kept after it
        closes, so its mask, and a ban matching it, stay as long as the
        person does; a person made by a connection without one (TCHAT)
        shows its first connection's.
        """
        if self._keptIdent is not None:
            return self._keptIdent[0]
        ident: str | None = getattr(self.connections[0], "ident", None)
        return ident

    def profile(self) -> tuple[str, str | None, str]:
        """
        What others see of the person that one of its connections gives:
        its real name, user name and protocol.
        """
        return self.realName, self.ident, self.protocolName

    def removeConnection(self, connection: IParticipant) -> None:
        self.keptUserhost = None
        if self._realName is None and self.namedBy(connection):
            self._realName = _realNameOf(connection)
        if connection is self.connections[0] and self._keptIdent is None:
            ident = getattr(connection, "ident", None)
            if ident is not None:
                self._keptIdent = (ident,)
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
    def fetchesMissed(self) -> bool:
        fetches: bool = self.connections[0].fetchesMissed
        return fetches

    @property
    def historyOnEnter(self) -> int:
        count: int = self.connections[0].historyOnEnter
        return count

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


def _realNameOf(connection: IParticipant) -> str:
    name: str = getattr(connection, "realName", "") or ""
    return name


def setRealName(member: IParticipant, name: str) -> None:
    """
    C{member} chose the real name C{name} (IRC's C{SETNAME}), from any of
    its connections: it is the person's from now on.
    """
    if isinstance(member, Person):
        member.realName = name
