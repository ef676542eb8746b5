# -*- test-case-name: tests.unit.irc.test_irc_chathistory,tests.unit.irc.test_irc_failnames,tests.unit.irc.test_irc_personnames -*-  # noqa: E501
"""
C{CHATHISTORY} (IRCv3 C{draft/chathistory}): C{LATEST}, C{BEFORE},
C{AFTER}, C{AROUND}, C{BETWEEN} and C{TARGETS}, with C{msgid=} and
C{timestamp=} selectors, over the service's stored history.

This module only translates: the service decides who may read what
(L{chatd.core.chathistory}); the replies are a C{chathistory} batch of the
messages as they were sent (L{chatd.irc.batch}), or C{FAIL CHATHISTORY}.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from chatd.core.chathistory import BETWEEN, KINDS, HistoryQuery, Selector
from chatd.core.errors import (
    ChatError,
    InvalidArgument,
    NoSuchGroup,
    NotLoggedIn,
    NotMember,
    NotPermitted,
)
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.limits import MAX_HISTORY
from chatd.irc.batch import newBatchId, sendHistory
from chatd.irc.channels import roomName
from chatd.irc.message import Message
from chatd.irc.servertime import serverTimeMillis
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget
from chatd.irc.wire import channelName

#: The most messages one request gets (ISUPPORT C{CHATHISTORY}).
MAX_MESSAGES = MAX_HISTORY

TARGETS = "TARGETS"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def fail(irc: IRCSession, code: str, *params: str) -> None:
    """
    An IRCv3 standard reply: C{FAIL CHATHISTORY <code> ...}.
    """
    irc.sendMessage("FAIL", "CHATHISTORY", code, *params, trailing=True)


def parseMillis(text: str) -> int | None:
    """
    The Unix time in milliseconds of an ISO 8601 C{timestamp=} value
    (C{2026-01-02T03:04:05.678Z}), or C{None} if it is not one.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def parseSelector(text: str, star: bool = False) -> Selector | None:
    """
    C{msgid=...} or C{timestamp=...} (or C{*} if C{star}: no selector) as a
    L{Selector}.

    @raise ValueError: it is neither.
    """
    if star and text == "*":
        return None
    name, _, value = text.partition("=")
    if name == "msgid" and value:
        return Selector(msgid=value)
    if name == "timestamp":
        millis = parseMillis(value)
        if millis is not None:
            return Selector(millis=millis)
    raise ValueError(text)


def parseLimit(text: str) -> int:
    """
    A request's limit, at most L{MAX_MESSAGES}.

    @raise ValueError: not a positive number.
    """
    if not text.isdigit() or int(text) < 1:
        raise ValueError(text)
    return min(int(text), MAX_MESSAGES)


def onChathistory(irc: IRCSession, message: Message) -> Any:
    params = message.params
    if not params or not params[0]:
        fail(irc, "NEED_MORE_PARAMS", "*", "Missing parameters")
        return None
    sub = params[0].upper()
    if sub != TARGETS and sub not in KINDS:
        fail(irc, "UNKNOWN_COMMAND", sub, "Unknown command")
        return None
    needed = 5 if sub == BETWEEN else 4
    if len(params) < needed or not all(params[:needed]):
        fail(irc, "NEED_MORE_PARAMS", sub, "Missing parameters")
        return None
    if sub == TARGETS:
        return targets(irc, params)
    target = params[1]
    try:
        first = parseSelector(params[2], star=sub == "LATEST")
        second = parseSelector(params[3]) if sub == BETWEEN else None
        limit = parseLimit(params[needed - 1])
    except ValueError as error:
        fail(irc, "INVALID_PARAMS", sub, str(error), "Invalid parameters")
        return None
    query = HistoryQuery(sub, first, limit, second)
    room = roomName(target)
    d = maybeDeferred(
        irc.service.historyWindow,
        irc.participant,
        room if room is not None else target,
        room is not None,
        query,
    )
    named = shownTarget(irc, target)  # the answer and a refusal alike
    return d.addCallbacks(
        lambda events: sendWindow(irc, named, events), failed, errbackArgs=(irc, sub, named)
    )


def failed(failure: Failure, irc: IRCSession, sub: str, target: str) -> None:
    """
    The service's refusal as C{FAIL CHATHISTORY}, naming C{target} as
    every reply does (L{shownTarget}).
    """
    failure.trap(ChatError)
    error = failure.value
    assert isinstance(error, ChatError)
    if isinstance(error, NoSuchGroup | NotMember | NotPermitted | NotLoggedIn):
        fail(irc, "INVALID_TARGET", sub, target, "Messages could not be retrieved")
    elif isinstance(error, InvalidArgument):
        fail(irc, "INVALID_PARAMS", sub, error.text)
    elif error.temporary:  # try again later
        fail(irc, "TEMPORARILY_UNAVAILABLE", sub, target, error.text)
    else:
        fail(irc, "MESSAGE_ERROR", sub, target, error.text)


def sendWindow(
    irc: IRCSession, target: str, events: list[RoomMessage | PrivateMessage]
) -> Deferred[bool]:
    """
    The messages found, in a C{chathistory} batch named as every reply
    names its target (L{shownTarget}: the room's own name, the nickname a
    person signed in goes by); fires once it is all sent.
    """
    if events and isinstance(events[0], RoomMessage):
        target = channelName(events[0].room)
    return sendHistory(irc, target, events)


def targets(irc: IRCSession, params: list[str]) -> Any:
    """
    C{CHATHISTORY TARGETS timestamp=a timestamp=b limit}: the channels and
    people with history between two moments, in a
    C{draft/chathistory-targets} batch.
    """
    try:
        bounds = [parseSelector(params[1]), parseSelector(params[2])]
        limit = parseLimit(params[3])
    except ValueError as error:
        fail(irc, "INVALID_PARAMS", TARGETS, str(error), "Invalid parameters")
        return None
    moments = [b.millis for b in bounds if b is not None and b.millis is not None]
    if len(moments) != 2:
        fail(irc, "INVALID_PARAMS", TARGETS, "Give two timestamps")
        return None
    after, before = sorted(moments)
    d = maybeDeferred(irc.service.historyTargets, irc.participant, after, before, limit)
    return d.addCallbacks(
        lambda found: sendTargets(irc, found), failed, errbackArgs=(irc, TARGETS, "*")
    )


def sendTargets(irc: IRCSession, found: list[tuple[str, bool, int]]) -> None:
    batch = None
    if "batch" in irc.caps:
        batch = newBatchId()
        irc.sendMessage("BATCH", "+" + batch, "draft/chathistory-targets")
    tags = {"batch": batch} if batch is not None else None
    for name, isRoom, millis in found:
        shown = channelName(name) if isRoom else name
        irc.sendMessage("CHATHISTORY", "TARGETS", shown, serverTimeMillis(millis), tags=tags)
    if batch is not None:
        irc.sendMessage("BATCH", "-" + batch)
