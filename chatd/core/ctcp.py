# -*- test-case-name: tests.unit.irc.test_irc_ctcp,tests.unit.core.test_ctcp -*-
"""
CTCP other than actions: IRC clients' machinery (C{\\x01VERSION\\x01},
C{\\x01PING 1700000000\\x01} and their answers), not words for people.

A CTCP line is a whole message of one line, C{\\x01} first and maybe
last (L{chatd.core.text.checkCtcp}, the text rule every message passes).
An action (C{\\x01ACTION waves\\x01}, IRC's C{/me}) is a message like any
other (L{chatd.core.text.actionOf}).  Any other line that starts with
C{\\x01} makes its message machinery (L{ctcpOf}), and the rule, for every
front-end and cluster node, is:

 - it reaches only the connections that take CTCP (those with a true
   C{takesCtcp}: IRC clients, and the stand-ins of another node's users,
   whose node applies this rule to their connections); the others are
   shown nothing, as each asks L{hasText} before it shows a message;
 - it is never stored, nor kept for someone not logged in (to whom it is
   refused as to an unknown name: nobody is there to answer);
 - it does not end its sender's idle spell;
 - a request sent with C{PRIVMSG} (not a C{NOTICE}, which is never
   answered) to a person none of whose connections takes CTCP, an
   always-on person without a connection included, is answered for them by
   the service (L{answer}, sent by L{answerLater}) when it is C{VERSION}, C{PING}, C{TIME} or
   C{CLIENTINFO}, with the reply C{NOTICE} their client would have sent;
   any other goes unanswered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.utils import formatdate
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from chatd.core.absent import isAbsent
from chatd.core.delivery import connectionsOf
from chatd.core.errors import ChatError
from chatd.core.participant import IParticipant
from chatd.core.text import action

if TYPE_CHECKING:
    from chatd.core.events import PrivateMessage, RoomMessage

#: What C{CLIENTINFO} is answered for a person without IRC client: the
#: requests L{answer} answers, and C{ACTION}, which every front-end shows.
ANSWERED = ("ACTION", "CLIENTINFO", "PING", "TIME", "VERSION")


def ctcpOf(lines: Sequence[str]) -> str | None:
    """
    The verb (C{VERSION}, C{PING}, ...) of the CTCP request or reply in
    C{lines}: the first line that starts with C{\\x01} and is not an action;
    C{None} for a message of text and actions.
    """
    for line in lines:
        if line[:1] == "\x01":
            verb = line[1:].rstrip("\x01").partition(" ")[0].upper()
            if verb != "ACTION" or action(line) is None:  # only an action every front-end shows
                return verb
    return None


def hasText(event: RoomMessage | PrivateMessage) -> bool:
    """
    Whether a front-end that does not take CTCP shows C{event}: it has
    lines (not only tags, as IRC's C{TAGMSG}) and is not CTCP machinery.
    """
    return bool(event.lines) and ctcpOf(event.lines) is None


def takesCtcp(connection: IParticipant | None) -> bool:
    """
    Whether C{connection} is given CTCP machinery as it is (IRC).
    """
    return bool(getattr(connection, "takesCtcp", False))


def answer(event: PrivateMessage, person: IParticipant, now: float) -> str | None:
    """
    The reply line C{person}'s IRC client would send to the CTCP request
    C{event} (a C{PRIVMSG}), made by the service for a person without one,
    or C{None} when it answers no such request.
    """
    line = next(line for line in event.lines if ctcpOf((line,)) is not None)
    verb, _, argument = line[1:].rstrip("\x01").partition(" ")
    verb = verb.upper()
    if verb == "VERSION":
        how = "is not connected" if isAbsent(person) else f"uses {person.protocolName}, not IRC"
        text = f"chatd ({person.nick} {how}: the server answers for them)"
    elif verb == "PING":
        text = argument
    elif verb == "TIME":
        text = formatdate(now, usegmt=True)
    elif verb == "CLIENTINFO":
        text = " ".join(ANSWERED)
    else:
        return None
    return f"\x01{verb} {text}\x01" if text else f"\x01{verb}\x01"


def answerLater(
    clock: IReactorTime,
    tell: Callable[..., object],
    asker: IParticipant | None,
    recipient: IParticipant,
    event: PrivateMessage,
) -> None:
    """
    On the next turn, answer the CTCP request C{event}, given to
    C{recipient}, for them (L{answer}), as their client would: if C{asker}
    (the connection that sent it, or its stand-in) takes CTCP and none of
    C{recipient}'s connections does.  The answer is their C{NOTICE} to the
    sender, through C{tell} (the service's private message); one the
    service refuses (they left, or are muted) is not sent.
    """
    connections = connectionsOf(recipient)
    if not takesCtcp(asker) or not connections or any(map(takesCtcp, connections)):
        return
    reply = answer(event, recipient, clock.seconds())
    if reply is not None:
        clock.callLater(0, _answer, tell, connections[0], event.sender, reply)


def _answer(tell: Callable[..., object], connection: IParticipant, nick: str, reply: str) -> None:
    try:
        told = tell(connection, nick, (reply,), notice=True)
    except ChatError:
        return
    if isinstance(told, Deferred):
        told.addErrback(_refused)


def _refused(failure: Failure) -> None:
    """
    What the service refused for a reason it gives (a L{ChatError}) is
    dropped; anything else stays a failure, and is logged.
    """
    failure.trap(ChatError)
