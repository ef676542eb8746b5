# -*- test-case-name: tests.test_delivery -*-
"""
Giving one event to many participants: a member whose front-end raises
(a bug, or a connection in a bad state) is logged, and the others still
get the event.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.logger import Logger

from chatd.core.interfaces import IParticipant

log = Logger()


def deliver(
    members: Iterable[IParticipant], method: str, event: object, skip: IParticipant | None = None
) -> None:
    """
    Call C{member.<method>(event)} for every member but C{skip}.  The first
    exception is logged with its traceback (once per event, however many
    members fail); delivery goes on to the rest.
    """
    failed = False
    for member in members:
        if member is skip:
            continue
        try:
            getattr(member, method)(event)
        except Exception:
            if not failed:
                failed = True
                log.failure("delivering {event!r} to {nick} failed", event=event, nick=member.nick)
