# -*- test-case-name: tests.unit.core.test_delivery,tests.unit.core.test_multiconnection -*-
"""
Giving one event to many participants: a member that stands for several
connections (a L{Gathering}: one person signed in from several devices) is
given it on each of them; a member whose front-end raises (a bug, or a
connection in a bad state) is logged, and the others still get the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from twisted.logger import Logger

from chatd.core.participant import IParticipant

log = Logger()


class Gathering:
    """
    Several connections the rooms see as one member
    (L{chatd.core.people.Person}).

    @ivar connections: the connections, the first one's nickname, address
        and protocol standing for all.
    """

    connections: list[IParticipant]


def connectionsOf(member: IParticipant | None) -> Sequence[IParticipant]:
    """
    The connections C{member} stands for: a L{Gathering}'s, or itself
    (none for C{None}, what looking up a free nickname gives).
    """
    if isinstance(member, Gathering):
        return member.connections
    return () if member is None else (member,)


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
                    log.failure(
                        "delivering {event!r} to {nick} failed", event=event, nick=connection.nick
                    )
