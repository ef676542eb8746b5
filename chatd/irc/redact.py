# -*- test-case-name: tests.unit.irc.test_irc_redact,tests.unit.irc.test_irc_failnames -*-
"""
IRCv3 C{draft/message-redaction}: C{REDACT <target> <msgid> [:reason]}
deletes a message of a channel or of a private conversation
(L{chatd.core.redaction}: its author for a day, the channel's operators and
chatd operators at any time).  Every connection with the capability that
may show the message receives C{:nick!user@host REDACT <target> <msgid>
[:reason]}, the one that sent it as its (labelled) reply; connections
without it receive nothing.  A refusal is C{FAIL REDACT INVALID_TARGET}, C{REDACT_FORBIDDEN}
or C{UNKNOWN_MSGID}, as the specification says.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.events import Redaction
from chatd.core.redaction import redact
from chatd.irc.markread import conversation
from chatd.irc.message import Message
from chatd.irc.servertime import serverTime
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget
from chatd.irc.wire import channelName, cleanText

CAP = "draft/message-redaction"


def fail(irc: IRCSession, code: str, *params: str) -> None:
    irc.sendMessage("FAIL", "REDACT", code, *params, trailing=True)


def redactedLine(irc: IRCSession, event: Redaction) -> None:
    """
    Show C{event} to C{irc} if it has the capability: the REDACT as its
    author would have sent it (to the channel, or to the recipient of a
    private message, as a PRIVMSG's target).
    """
    if CAP not in irc.caps:
        return
    if event.room is not None:
        target = channelName(event.room)
    else:
        assert event.recipient is not None
        target = event.recipient
    tags = {"time": serverTime(event.moment)} if "server-time" in irc.caps else None
    params = [target, event.msgid]
    if event.reason:
        params.append(cleanText(event.reason))
    irc.sendMessage(
        "REDACT",
        *params,
        prefix=irc.wire.hostmask(event.by),
        tags=tags,
        trailing=bool(event.reason),
    )


def onRedact(irc: IRCSession, message: Message) -> Deferred[Any]:
    target, msgid = message.params[0], message.params[1]
    reason = message.params[2] if len(message.params) > 2 else ""
    name, isRoom = conversation(target)
    shown = shownTarget(irc, target)  # what a refusal names

    def refused(failure: Failure) -> None:
        failure.trap(errors.ChatError)
        error = failure.value
        assert isinstance(error, errors.ChatError)
        if isinstance(error, errors.NoSuchMessage):
            fail(irc, "UNKNOWN_MSGID", shown, msgid, "This message does not exist")
        elif isinstance(error, errors.RedactForbidden):
            fail(irc, "REDACT_FORBIDDEN", shown, msgid, error.text)
        elif error.temporary:
            fail(irc, "TEMPORARILY_UNAVAILABLE", shown, error.text)
        else:  # no such channel, not in it, no store, a reason refused
            fail(irc, "INVALID_TARGET", shown, error.text)

    d = maybeDeferred(redact, irc.service, irc.participant, name, isRoom, msgid, reason)
    return d.addCallbacks(lambda event: redactedLine(irc, event), refused)
