# -*- test-case-name: tests.unit.irc.test_irc_channels,tests.unit.irc.test_irc_refusals,tests.unit.irc.test_irc_personnames -*-  # noqa: E501
"""
Messages: C{PRIVMSG}, C{NOTICE} and C{TAGMSG} to channels and nicknames,
and their echo to the sender (C{echo-message}).

A message to C{#name} is said in the service's room C{name}; one to a
nickname is told to that person, whatever protocol they use; one to
NickServ is a command to it (L{chatd.irc.nickserv}), and goes nowhere else.
A message refused is answered by a numeric naming its target first
(L{chatd.irc.refusals}), which clients show where the message was typed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.inbox import Kept
from chatd.core.names import key, normalize
from chatd.core.status import awayOf
from chatd.core.statusmsg import PREFIXES, sayToOperators
from chatd.irc import nickserv
from chatd.irc import numerics as N
from chatd.irc.channels import findRoom, roomName, timeTags
from chatd.irc.message import Message, fittedToRelay
from chatd.irc.refusals import messageRefused
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget
from chatd.irc.wire import channelName

#: The tag on every message of a client in bot mode (user mode C{+B}).
BOT_TAG = (("bot", ""),)


def clientTags(message: Message) -> tuple[tuple[str, str], ...]:
    """
    The client-only tags (C{+name}) of C{message}, which are relayed; other
    tags a client sends are the server's business and dropped.
    """
    return tuple((name, value) for name, value in message.tags.items() if name.startswith("+"))


#: At most this many targets in one PRIVMSG or NOTICE (ISUPPORT TARGMAX).
MAX_TARGETS = 4


def targetsOf(irc: IRCSession, message: Message, quiet: bool) -> list[str]:
    """
    The targets of C{message} (its first parameter, comma-separated), each
    once: a channel (with its status prefix) or a nickname named again, in
    any case or look-alike spelling, is left out.  Past L{MAX_TARGETS}
    distinct targets the rest are left out too and, unless C{quiet}, the
    client is told C{407 ERR_TOOMANYTARGETS} with the first of them, as
    solanum does.
    """
    seen: set[tuple[str, str]] = set()
    targets: list[str] = []
    for target in message.params[0].split(","):
        status = target[:1] if target[:1] in PREFIXES and target[1:2] == "#" else ""
        room = roomName(target[len(status) :])
        identity = (status + "#", key(room)) if room is not None else ("", key(target))
        if target and identity not in seen:
            seen.add(identity)
            targets.append(target)
    if len(targets) > MAX_TARGETS and not quiet:
        irc.numeric(N.ERR_TOOMANYTARGETS, targets[MAX_TARGETS], "Too many recipients")
    return targets[:MAX_TARGETS]


def onPrivmsg(irc: IRCSession, message: Message) -> Any:
    return sendText(irc, message, quiet=False)


def onNotice(irc: IRCSession, message: Message) -> Any:
    return sendText(irc, message, quiet=True)


def sendText(irc: IRCSession, message: Message, quiet: bool) -> Any:
    """
    C{PRIVMSG}/C{NOTICE} to channels and nicknames.  A NOTICE reaches
    IRC users as a NOTICE (the service marks it) and others as a
    message; as IRC requires, a NOTICE is never answered with an error.
    """
    if not message.params or not message.params[0]:
        if not quiet:
            irc.numeric(N.ERR_NORECIPIENT, f"No recipient given ({message.command})")
        return None
    if len(message.params) < 2 or not message.params[1]:
        if not quiet:
            irc.numeric(N.ERR_NOTEXTTOSEND, "No text to send")
        return None
    text = message.params[1]
    targets = targetsOf(irc, message, quiet)
    tags = clientTags(message) + (BOT_TAG if "B" in irc.userModes else ())
    return irc.inTurn(
        targets, lambda target: sendOne(irc, message.command, target, (text,), quiet, tags)
    )


def onTagmsg(irc: IRCSession, message: Message) -> Any:
    """
    A message of client-only tags (C{+typing}, C{+draft/react}): the
    service relays it to IRC clients with C{message-tags}; others show
    nothing.  Like NOTICE, never answered with an error.
    """
    tags = clientTags(message)
    if not message.params or not tags:
        return None
    targets = targetsOf(irc, message, quiet=True)
    return irc.inTurn(targets, lambda target: sendOne(irc, "TAGMSG", target, (), True, tags))


def sendOne(
    irc: IRCSession,
    command: str,
    target: str,
    lines: tuple[str, ...],
    quiet: bool,
    tags: tuple[tuple[str, str], ...] = (),
    checkLength: bool = True,
) -> Deferred[Any]:
    """
    C{lines} to one C{target}, a channel or a nickname.

    @param checkLength: whether each line is cut to fit in one relayed IRC
        line (L{fittedToRelay}); a C{draft/multiline} batch's lines are not,
        as they are relayed split (L{chatd.irc.wire.ircLines}).
    """
    if nickserv.isNickServ(irc, target):  # a command, never a message to anyone
        return nickserv.received(irc, command, lines)
    service = irc.service
    status = target[:1] if target[:1] in PREFIXES and target[1:2] == "#" else ""
    room = roomName(target[len(status) :])
    if room is not None:
        shown = irc.shownRooms.get(key(room)) or (findRoom(irc, room) or (room,))[0]
        if checkLength:
            lines = fitted(irc, command, status + channelName(shown), lines)
        say = partial(sayToOperators, service) if status else service.say
        said = maybeDeferred(say, irc.participant, room, lines, command == "NOTICE", tags)
        said.addCallback(lambda event: echo(irc, command, target, lines, event))
        named = status + channelName(shown)  # a refusal names the channel as stored
        return said.addErrback(messageRefused, irc, named, lines, quiet)
    recipient = service.find(target)
    shownNick = recipient.nick if recipient else normalize(target)
    if checkLength:
        lines = fitted(irc, command, shownNick, lines)
    away = awayOf(recipient)

    def sent(event: object) -> None:
        if away and not quiet:
            irc.numeric(N.RPL_AWAY, shownTarget(irc, target), away)
        elif isinstance(event, Kept) and not quiet:  # waits for their next login
            irc.numeric(N.RPL_AWAY, event.recipient, event.reason)  # the account, as registered
        echo(irc, command, recipient.nick if recipient else target, lines, event)

    told = maybeDeferred(service.tell, irc.participant, target, lines, command == "NOTICE", tags)
    told.addCallback(sent)
    return told.addErrback(messageRefused, irc, target, lines, quiet)


def fitted(irc: IRCSession, command: str, target: str, lines: tuple[str, ...]) -> tuple[str, ...]:
    """
    C{lines} each cut to be relayed as a line of at most 512 bytes, as
    C{:nick!user@host COMMAND target :text} with C{target} as the service
    names it (L{fittedToRelay}).
    """
    prefix = irc.hostmask()
    return tuple(fittedToRelay(command, prefix, target, line) for line in lines)


def echo(irc: IRCSession, command: str, target: str, lines: tuple[str, ...], event: object) -> None:
    """
    With C{echo-message}, show the client its own message as the others
    see it: the service's event (same C{msgid}), also for a message kept
    for an offline user.
    """
    if "echo-message" not in irc.caps:
        return
    if isinstance(event, Kept) and event.event is not None:
        event = event.event
    if isinstance(event, RoomMessage):
        irc.send(event.wire(irc.wire.roomEncoder))
    elif isinstance(event, PrivateMessage):
        irc.send(event.wire(irc.wire.privateMessage))
    elif lines:
        irc.send(irc.wire.textLines(command, irc.hostmask(), target, lines, timeTags(irc)))
