# -*- test-case-name: tests.unit.talk.test_talk_markers -*-
"""
Read markers in talk mode (L{chatd.core.readmarkers}): C{/join} says how
many messages came since the account last read the room (on any device;
never read: since it was last connected or entered the room, as every
front-end counts, L{chatd.core.lastseen.LastSeen.unread}), and a message
shown in a terminal is read: the account's marker there moves to it.
Guests have no markers, so neither happens for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.errors import ChatError
from chatd.core.lastseen import lastSeenOf
from chatd.core.readmarkers import readMarkersOf
from chatd.talk.format import serverLine

if TYPE_CHECKING:
    from chatd.talk.session import TalkSession

log = Logger()


def newSince(session: TalkSession, room: str) -> None:
    """
    After C{/join room}: C{N new since you last read} when others have
    spoken in the room since the account last read it (C{LastSeen.unread}).
    """
    service = session.factory.service
    lastSeen = lastSeenOf(service)
    if lastSeen is None or service.accountName(session.participant) is None:
        return

    def counted(unread: int | None) -> None:
        if unread:
            plural = "message" if unread == 1 else "messages"
            session.send(serverLine(f"{unread} new {plural} in {room} since you last read."))

    d = Deferred.fromCoroutine(lastSeen.unread(session.participant, room))
    d.addCallbacks(counted, _failed)


def shown(session: TalkSession, name: str, isRoom: bool, millis: int) -> None:
    """
    The terminal showed a message of C{name} sent at C{millis}: it is read.
    """
    markers = readMarkersOf(session.factory.service)
    if markers is None or markers.account(session.participant) is None:
        return
    maybeDeferred(markers.mark, session.participant, name, isRoom, millis).addErrback(_failed)


def _failed(failure: Failure) -> None:
    if not failure.check(ChatError):
        log.failure("read marker in talk mode", failure)
