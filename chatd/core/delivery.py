# -*- test-case-name: tests.unit.core.test_delivery,tests.unit.core.test_multiconnection -*-
"""
Giving one event to many participants: a member that stands for several
connections (a L{Gathering}: one person signed in from several devices) is
given it on each of them; a member whose front-end raises (a bug, or a
connection in a bad state) is logged, and the others still get the event.

A room's members (L{Members}) keep their connections flattened into one
list, made again only after a member or a gathering's connections
changed, so a room message costs one call per connection and nothing per
member (L{deliverToAll}).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from twisted.logger import Logger

from chatd.core.participant import IParticipant

log = Logger()


class Fanout(Protocol):
    """
    Where a front-end's connections take a room's messages a run at a time
    (L{chatd.lines.fanout.RoomFanout}): each connection with a C{fanout}
    gets every room message through it, in order, without its own.
    """

    def add(self, connections: list[Any], event: Any, skip: IParticipant | None) -> None: ...


class Gathering:
    """
    Several connections the rooms see as one member
    (L{chatd.core.person.Person}).

    @ivar connections: the connections, the first one's nickname, address
        and protocol standing for all; changed only through L{addConnection}
        and L{removeConnection}.
    """

    __slots__ = ()  # a Person's are its own

    connections: list[IParticipant]
    #: How many times any gathering's connections changed: a flattened list
    #: of connections (L{Members.connections}) made before the last is stale.
    changes = 0

    def addConnection(self, connection: IParticipant) -> None:
        self.connections.append(connection)
        Gathering.changes += 1

    def removeConnection(self, connection: IParticipant) -> None:
        self.connections.remove(connection)
        Gathering.changes += 1


def connectionsOf(member: IParticipant | None) -> Sequence[IParticipant]:
    """
    The connections C{member} stands for: a L{Gathering}'s, or itself
    (none for C{None}, what looking up a free nickname gives).
    """
    if isinstance(member, Gathering):
        return member.connections
    return () if member is None else (member,)


def connectionsOnce(
    members: Iterable[IParticipant | None], skip: IParticipant | None = None
) -> list[IParticipant]:
    """
    The connections of C{members} (L{connectionsOf}), each once though a
    member be named several times, but C{skip}.
    """
    seen: dict[int, IParticipant] = {}
    for member in members:
        for connection in connectionsOf(member):
            if connection is not skip:
                seen.setdefault(id(connection), connection)
    return list(seen.values())


class Members(dict[str, IParticipant]):
    """
    A room's members by nick key, in the order they entered, and all their
    connections in that order (L{connections}), flattened once per change.
    Only C{m[k] = v} and C{del m[k]} change it.
    """

    __slots__ = ("_flat", "_changes", "_messages", "_seen", "_relays", "_groupedFrom", "_groups")

    def __init__(self, members: Iterable[tuple[str, IParticipant]] = ()) -> None:
        super().__init__(members)
        self._flat: list[IParticipant] | None = None
        self._changes = 0
        self._messages: list[IParticipant] = []
        self._seen = 0  # connections of the flat list looked at for _messages
        self._relays: set[object] = set()
        self._groupedFrom: list[IParticipant] | None = None
        self._groups: tuple[list[IParticipant], list[tuple[Fanout, list[Any]]]] = ([], [])

    def __setitem__(self, nick: str, member: IParticipant) -> None:
        flat = self._flat
        if flat is not None and nick not in self and self._changes == Gathering.changes:
            # A newcomer goes last, in the dict as in the list: a new list
            # (one being delivered to stays as it was) copied in C, where
            # flattening again would walk every member in Python: a join to
            # a room of thousands is then cheap.
            super().__setitem__(nick, member)
            self._flat = [*flat, *connectionsOf(member)]
            return
        self._flat = None
        super().__setitem__(nick, member)

    def __delitem__(self, nick: str) -> None:
        self._flat = None
        super().__delitem__(nick)

    def connections(self) -> list[IParticipant]:
        """Every connection of every member, the same list until a change."""
        if self._flat is None or self._changes != Gathering.changes:
            self._changes = Gathering.changes
            self._flat = [each for member in self.values() for each in connectionsOf(member)]
            self._messages, self._seen, self._relays = [], 0, set()
        return self._flat

    def messageConnections(self) -> list[IParticipant]:
        """
        L{connections}, but only the first of those with the same C{relay}
        (stand-ins that forward a room message to one place, as a cluster
        node's stand-ins for the users of another node do): one call where
        they need one.  Brought up to date with newcomers only, as they
        come; the same list as L{connections} while no connection relays.
        """
        flat = self.connections()
        if self._seen == len(flat):
            return self._messages
        added = []
        for connection in flat[self._seen :]:
            relay = getattr(connection, "relay", None)
            if relay is None:
                added.append(connection)
            elif relay not in self._relays:
                self._relays.add(relay)
                added.append(connection)
        # a new list: one being delivered to stays as it was
        self._messages = flat if not self._relays else [*self._messages, *added]
        self._seen = len(flat)
        return self._messages

    def messageGroups(self) -> tuple[list[IParticipant], list[tuple[Fanout, list[Any]]]]:
        """
        L{messageConnections} split in two: those given each message at
        once, and, by their C{fanout}, those that take a room's messages a
        run at a time (L{Fanout}).  Each group is a new list after any
        change, which is what tells a fan-out that the members changed.
        """
        messages = self.messageConnections()
        if self._groupedFrom is not messages:
            immediate: list[IParticipant] = []
            grouped: dict[Fanout, list[Any]] = {}
            for connection in messages:
                fanout = getattr(connection, "fanout", None)
                if fanout is None:
                    immediate.append(connection)
                else:
                    grouped.setdefault(fanout, []).append(connection)
            self._groups = (immediate, list(grouped.items()))
            self._groupedFrom = messages
        return self._groups


def deliverToAll(
    members: Members, method: str, event: Any, skip: IParticipant | None = None
) -> None:
    """
    L{deliver} to a room's members, through their flattened connections:
    no work per member, and a room message's call spelled out (no
    C{getattr}), as this runs once per recipient of every message.
    """
    if isinstance(skip, Gathering):  # a whole person left out: rare
        deliver(members.values(), method, event, skip)
        return
    if method == "roomMessage":
        immediate, grouped = members.messageGroups()
        for fanout, group in grouped:
            fanout.add(group, event, skip)
        connections = iter(immediate)
    else:
        connections = iter(members.connections())
    connection = None
    failed = False
    while True:
        try:
            if method == "roomMessage":
                for connection in connections:
                    if connection is not skip:
                        connection.roomMessage(event)
            else:
                for connection in connections:
                    if connection is not skip:
                        getattr(connection, method)(event)
            return
        except Exception:  # the loop goes on after the one that raised
            if not failed:
                failed = True
                _logFailure(event, connection)


def deliver(
    members: Iterable[IParticipant], method: str, event: object, skip: IParticipant | None = None
) -> None:
    """
    Call C{connection.<method>(event)} for every connection of every member
    (L{connectionsOf}) but C{skip} (a connection, or a whole member).  The
    first exception is logged with its traceback (once per event, however
    many members fail); delivery goes on to the rest.
    """
    failed = False
    for member in members:
        if member is skip:
            continue
        for connection in member.connections if isinstance(member, Gathering) else (member,):
            if connection is skip:
                continue
            try:
                getattr(connection, method)(event)
            except Exception:
                if not failed:
                    failed = True
                    _logFailure(event, connection)


def _logFailure(event: object, connection: IParticipant | None) -> None:
    nick = None if connection is None else connection.nick
    log.failure("delivering {event!r} to {nick} failed", event=event, nick=nick)
