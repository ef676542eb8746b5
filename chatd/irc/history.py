# -*- test-case-name: tests.test_irc_accounts -*-
"""
C{CHATHISTORY LATEST} (IRCv3 C{draft/chathistory}) over the service's stored
room history, in a C{chathistory} batch when the client has C{batch}.

Only C{LATEST} with C{*} is served: the service keeps "the last N messages
of a room", which is exactly that question; the other subcommands get
C{FAIL CHATHISTORY UNKNOWN_COMMAND}.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.python.failure import Failure

from chatd.core.errors import ChatError, NoSuchGroup, NotMember, StoreUnavailable
from chatd.core.events import RoomMessage
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName, messageLines, serverTime

#: The most messages one request may ask for (the service's own limit).
MAX_MESSAGES = 1000

_batchIds = count(1)


def fail(irc: IRCSession, code: str, *params: str) -> None:
    """
    An IRCv3 standard reply: C{FAIL CHATHISTORY <code> ...}.
    """
    irc.sendMessage("FAIL", "CHATHISTORY", code, *params)


def onChathistory(irc: IRCSession, message: Message) -> Any:
    params = message.params
    if len(params) < 4:
        fail(irc, "NEED_MORE_PARAMS", "Missing parameters")
        return None
    sub, target, reference, limit = params[0].upper(), params[1], params[2], params[3]
    if sub != "LATEST" or reference != "*":
        fail(irc, "UNKNOWN_COMMAND", sub, "Only CHATHISTORY LATEST <channel> * <limit>")
        return None
    if len(target) < 2 or not target.startswith("#") or not limit.isdigit() or limit == "0":
        fail(irc, "INVALID_PARAMS", sub, "Give a channel and a limit of at least 1")
        return None
    wanted = min(int(limit), MAX_MESSAGES)

    def failed(failure: Failure) -> None:
        failure.trap(ChatError)
        error = failure.value
        assert isinstance(error, ChatError)
        if isinstance(error, NoSuchGroup | NotMember):
            code = "INVALID_TARGET"
        elif isinstance(error, StoreUnavailable):
            code = "TEMPORARILY_UNAVAILABLE"
        else:
            code = "MESSAGE_ERROR"
        fail(irc, code, sub, target, error.text)

    d = maybeDeferred(irc.service.history, irc.participant, target[1:], wanted)
    return d.addCallbacks(lambda events: sendHistory(irc, target, events), failed)


def sendHistory(irc: IRCSession, target: str, events: list[RoomMessage]) -> None:
    """
    C{events} as the PRIVMSGs they were, with their original time.
    """
    batch = None
    if "batch" in irc.caps:
        batch = str(next(_batchIds))
        channel = channelName(events[0].room) if events else target
        irc.sendMessage("BATCH", "+" + batch, "chathistory", channel)
    for event in events:
        tags: dict[str, str] = {}
        if batch is not None:
            tags["batch"] = batch
        if "server-time" in irc.caps:
            tags["time"] = serverTime(event.when)
        prefix = irc.wire.hostmask(event.sender)
        target = channelName(event.room)
        irc.send(messageLines("PRIVMSG", prefix, target, event.lines, tags or None))
    if batch is not None:
        irc.sendMessage("BATCH", "-" + batch)
