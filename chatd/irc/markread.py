# -*- test-case-name: tests.unit.irc.test_irc_markread,tests.unit.irc.test_irc_failnames,tests.unit.irc.test_irc_personnames -*-  # noqa: E501
"""
IRCv3 C{draft/read-marker}: C{MARKREAD <target> [timestamp=...]} reads or
moves the account's read marker in a channel or a private conversation
(L{chatd.core.readmarkers}, shared with the account's other connections on
any protocol), and the server sends C{MARKREAD <target> timestamp=...}
(C{*}: none known) after a JOIN and when another connection moves it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from chatd.core.errors import ChatError, NotLoggedIn, NotPermitted
from chatd.core.interfaces import IParticipant
from chatd.core.readmarkers import readMarkersOf
from chatd.irc.message import Message
from chatd.irc.servertime import serverTimeMillis
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget
from chatd.irc.wire import channelName

CAP = "draft/read-marker"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def fail(irc: IRCSession, code: str, *params: str) -> None:
    irc.sendMessage("FAIL", "MARKREAD", code, *params, trailing=True)


def parseTimestamp(text: str) -> int | None:
    """
    The milliseconds of C{timestamp=YYYY-MM-DDThh:mm:ss.sssZ}, or C{None}.
    """
    name, _, value = text.partition("=")
    if name != "timestamp" or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def conversation(target: str) -> tuple[str, bool]:
    """
    The room (for a channel) or the nickname C{target} names, and
    whether it is a room.
    """
    if target.startswith("#") and len(target) > 1:
        return target[1:], True
    return target, False


def sendMarker(irc: IRCSession, target: str, millis: int | None) -> None:
    value = "*" if millis is None else "timestamp=" + serverTimeMillis(millis)
    irc.sendMessage("MARKREAD", target, value)


def told(connection: IParticipant, name: str, isRoom: bool, millis: int) -> None:
    """
    Another connection of the account moved its marker in C{name}.
    """
    irc: Any = connection
    if CAP in irc.caps:
        sendMarker(irc, channelName(name) if isRoom else name, millis)


def follow(irc: IRCSession) -> None:
    markers = readMarkersOf(irc.service)
    if markers is not None and CAP in irc.caps:
        markers.follow(irc.participant, told)


def afterJoin(irc: IRCSession, room: str) -> None:
    """
    A client with the capability learns its marker in C{room} as it is
    shown the JOIN (C{*} for a guest, or with no marker yet).
    """
    if CAP not in irc.caps:
        return
    follow(irc)
    markers = readMarkersOf(irc.service)
    channel = channelName(room)
    if markers is None:
        sendMarker(irc, channel, None)
        return
    d = maybeDeferred(markers.get, irc.participant, room, True)
    d.addCallbacks(
        lambda millis: sendMarker(irc, channel, millis),
        lambda failure: sendMarker(irc, channel, None),
    )


def onMarkread(irc: IRCSession, message: Message) -> Any:
    params = message.params
    if not params or not params[0]:
        fail(irc, "NEED_MORE_PARAMS", "Missing parameters")
        return None
    target = params[0]
    name, isRoom = conversation(target)
    shown = shownTarget(irc, target)  # what the answer and a refusal name
    markers = readMarkersOf(irc.service)
    if markers is None:
        fail(irc, "ACCOUNT_REQUIRED", shown, "This server keeps no accounts")
        return None
    follow(irc)
    d: Deferred[Any]
    if len(params) < 2:
        d = maybeDeferred(markers.get, irc.participant, name, isRoom)
    else:
        millis = parseTimestamp(params[1])
        if millis is None:
            fail(irc, "INVALID_PARAMS", shown, "Expected timestamp=YYYY-MM-DDThh:mm:ss.sssZ")
            return None
        d = maybeDeferred(markers.mark, irc.participant, name, isRoom, millis)

    def refused(failure: Failure) -> None:
        if failure.check(NotPermitted, NotLoggedIn):
            fail(irc, "ACCOUNT_REQUIRED", shown, "Read markers are kept for accounts only")
        elif isinstance(failure.value, ChatError) and failure.value.temporary:  # try again
            fail(irc, "TEMPORARILY_UNAVAILABLE", shown, failure.getErrorMessage())
        elif failure.check(ChatError):
            fail(irc, "INVALID_PARAMS", shown, failure.getErrorMessage())
        else:
            fail(irc, "INTERNAL_ERROR", shown, "Could not read or save the marker")

    return d.addCallbacks(lambda millis: sendMarker(irc, shown, millis), refused)
