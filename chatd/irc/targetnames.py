# -*- test-case-name: tests.unit.irc.test_irc_roomnames,tests.unit.irc.test_irc_failnames,tests.unit.irc.test_irc_personnames -*-  # noqa: E501
"""
The name a reply gives the channel or person it is about, whatever case or
accents the client typed: an existing room by its own name (C{#Général}
for C{#general}), as Ergo and InspIRCd name a channel; an existing person
by the nickname they go by (C{Zoé} for C{zoe}), unless the client's own
C{CASEMAPPING} already takes what it typed for that nickname (C{ZOÉ},
C{FOO} for C{foo}: echoed as typed, as Ergo does and irctest expects);
anything else as typed,
a registered person who is not signed in too: how their account is
spelled is the store's to say, and a reply does not wait on the database
for it (a message kept for them is answered with the account's name the
service gives back, L{chatd.core.inbox.Kept}).  The numerics, the
C{FAIL} replies, C{MARKREAD} and a C{chathistory} batch ask it alike, so
a client matching a reply to a window by name finds the one the C{JOIN}
or the person's messages opened.
"""

from __future__ import annotations

from unicodedata import normalize

from chatd.core.names import roomOfChannel
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName


def shownChannel(irc: IRCSession, channel: str, room: str) -> str:
    """
    The channel a reply about C{channel} (the service's C{room}) names:
    the room as stored (C{#Général} for C{#general}), as Ergo and InspIRCd
    name a channel; C{channel} as typed when there is no such room.
    """
    stored = irc.service.storedName(room)
    return channel if stored == room else channelName(stored)


def shownTarget(irc: IRCSession, target: str) -> str:
    """
    The name a reply about C{target}, a channel or a nickname as the
    client sent it, gives it: a channel as L{shownChannel} names it, a
    person signed in by the nickname they go by, a name that is nobody's
    as typed.
    """
    room = roomOfChannel(target)
    if room is not None:
        return shownChannel(irc, target, room)
    person = irc.service.find(target)
    nick: str | None = person.nick if person is not None else None
    if nick is None or sameUnderCasemapping(target, nick):
        return target  # (the client matches it to their window itself, as irctest expects)
    return nick


def sameUnderCasemapping(typed: str, nick: str) -> bool:
    """
    Whether a client comparing names by the C{CASEMAPPING} chatd announces
    (C{rfc8265}: Unicode case folding of the composed form) takes C{typed}
    for C{nick}: C{ZOÉ} for C{Zoé}, not C{zoe}, which only chatd's own
    rule (accents, look-alikes) makes the same person.
    """
    return normalize("NFC", typed).casefold() == normalize("NFC", nick).casefold()
