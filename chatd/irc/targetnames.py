# -*- test-case-name: tests.unit.irc.test_irc_roomnames,tests.unit.irc.test_irc_failnames,tests.unit.irc.test_irc_personnames -*-  # noqa: E501
"""
The name a reply gives the channel or person it is about, whatever case or
accents the client typed: an existing room by its own name (C{#Général}
for C{#general}), as Ergo and InspIRCd name a channel; an existing person
by the nickname they go by (C{Zoé} for C{zoe}); anything else as typed,
a registered person who is not signed in too: how their account is
spelled is the store's to say, and a reply does not wait on the database
for it (a message kept for them is answered with the account's name the
service gives back, L{chatd.core.inbox.Kept}).  The numerics, the
C{FAIL} replies, C{MARKREAD} and a C{chathistory} batch ask it alike, so
a client matching a reply to a window by name finds the one the C{JOIN}
or the person's messages opened.
"""

from __future__ import annotations

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
    return (person.nick if person is not None else None) or target
