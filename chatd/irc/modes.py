# -*- test-case-name: tests.unit.irc.test_irc_channels,tests.unit.irc.test_irc_personnames -*-
"""
C{MODE} for channels and users.

A channel's modes are its room's, kept by the service: C{+t} (only channel
operators set the topic), C{+n} (no messages from outside), C{+m} (only
voiced members and operators speak), C{+i} (only those invited by an
operator enter), C{+s} (secret: hidden from non-members' LIST, NAMES and
WHOIS), C{+l} (the room's capacity), C{+k} (the room's key), the mask
lists C{+b} (bans), C{+e} (ban exceptions) and C{+I} (invite exceptions),
and member status C{+o} and C{+v}, which the room's operators give and
take.  An approval room (set from the admin console) shows as C{+i} too.
One MODE line makes its changes in one service call, so members see them
in one MODE line, also when written as several words (L{ModeWords}); at
most L{MAX_MODES} of them with a parameter, each one past them named in a
C{400} (L{notMade}).
User modes: C{+w} (receive operators' WALLOPS), C{+B}
(a bot) and C{+i}, which hides a user from WHO masks of people sharing no
room with them: the person's (L{chatd.core.usermodes}), shared by all its
connections, each of which is shown a change.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from chatd.core import status
from chatd.core.calls import MaybeDeferred, afterHeard
from chatd.core.errors import ChatError, InvalidArgument, ListFull, NotInRoom
from chatd.core.masks import ROOM_MODES
from chatd.core.names import key
from chatd.core.operators import giveUpSessionOperator
from chatd.core.usermodes import changeUserModes, spelled
from chatd.irc import numerics as N
from chatd.irc.afterreply import keptForReply, sendAfterReply
from chatd.irc.channels import findRoom, inRoom, roomName
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget

#: Member status modes, which take a nickname (room flags: L{ROOM_MODES}).
MEMBER_MODES = "ov"
#: The mask lists: the numerics of an entry and of the end, and the end's text.
MASK_LISTS = {
    "b": (N.RPL_BANLIST, N.RPL_ENDOFBANLIST, "End of channel ban list"),
    "e": ("348", "349", "End of channel exception list"),
    "I": ("346", "347", "End of channel invite list"),
}
#: Modes that always take an argument (C{-k} too, as CHANMODES type B).
ALWAYS_ARG = "kov"
#: Modes whose setting takes an argument (C{+l}).
ARG_WHEN_SET = "l"
#: When the channel was created (after 324, when known).
RPL_CREATIONTIME = "329"
#: A mode's parameter is invalid (a capacity of 0, say).
ERR_INVALIDMODEPARAM = "696"
#: A list mode's list is full.
ERR_BANLISTFULL = "478"
#: User modes a client may set on itself: C{i} (invisible to WHO masks),
#: C{w} (receives operators' WALLOPS), C{B} (a bot: ISUPPORT C{BOT=B}, a
#: C{bot} tag on its messages, C{335} in WHOIS, C{B} in WHO).
USER_MODES = "iwB"
#: Those others see (C{WHO}, C{WHOIS}): other cluster nodes are told of them.
SHOWN_MODES = "iB"
#: At most this many mode changes with a parameter per MODE (ISUPPORT MODES).
MAX_MODES = 4


def onMode(irc: IRCSession, message: Message) -> Any:
    target = message.params[0]
    if target.startswith("#"):
        return channelMode(irc, target, message.params[1:])
    return userMode(irc, target, message.params[1:])


def channelMode(irc: IRCSession, channel: str, args: list[str]) -> Any:
    room = roomName(channel)
    found = findRoom(irc, room) if room is not None else None
    if found is None:
        irc.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
        return None
    room = found[0]
    channel = "#" + room
    if not args:
        showModes(irc, channel, room)
        return None
    changes: list[tuple[bool, str, str]] = []
    words = ModeWords(args)
    for adding, char in words.modes():
        if char in MASK_LISTS:
            mask = words.argument()
            if mask is None:
                showList(irc, channel, room, char)  # "MODE #c b" or "+b": the list
            else:
                changes.append((adding, char, mask))
        elif char in ALWAYS_ARG or (char in ARG_WHEN_SET and adding):
            argument = words.argument()
            if argument is not None:
                changes.append((adding, char, argument))
            elif char == "k" and not adding:
                changes.append((adding, char, "*"))
            else:
                irc.numeric(N.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
        elif char in ROOM_MODES or char == "l":
            changes.append((adding, char, ""))
        else:
            irc.numeric(N.ERR_UNKNOWNMODE, char, "is unknown mode char to me")
    if not changes:
        return None
    if not irc.service.isRoomOperator(irc.participant, room):
        irc.numeric(N.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator")
        return None
    wanted: list[tuple[bool, str, str]] = []
    changes, beyond = withinLimit(changes)
    for change in beyond:
        notMade(irc, channel, change)
    for change in changes:
        if change[1] in MEMBER_MODES and irc.service.find(change[2]) is None:
            irc.numeric(N.ERR_NOSUCHNICK, change[2], "No such nick/channel")
        else:
            wanted.append(change)
    return irc.call(
        irc.service.changeRoomModes,
        irc.participant,
        room,
        wanted,
        subject=channel,
        onSuccess=lambda refused: modesRefused(irc, channel, refused),
    )


class ModeWords:
    """
    The words of a C{MODE} line after its target: mode groups, each
    followed by the arguments its modes take, in order.  The first word is
    a group; so is every word after the last argument a group took
    (C{MODE #c +m -b mask}, C{MODE nick +i -w}), as ngIRCd reads them, so
    that no change written as a word of its own is lost.  A group's sign
    carries on into the next group that has none.
    """

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.next = 0

    def modes(self) -> Iterator[tuple[bool, str]]:
        """
        Each mode character, with whether it is added; the words its modes
        take as arguments (L{argument}, between two of them) are skipped.
        """
        adding = True
        while self.next < len(self.words):
            word = self.words[self.next]
            self.next += 1
            for char in word:
                if char in "+-":
                    adding = char == "+"
                else:
                    yield adding, char

    def argument(self) -> str | None:
        """
        The next word, as the argument of the mode just read, or C{None}
        when there is none left.
        """
        if self.next >= len(self.words):
            return None
        self.next += 1
        return self.words[self.next - 1]


def withinLimit(
    changes: list[tuple[bool, str, str]],
) -> tuple[list[tuple[bool, str, str]], list[tuple[bool, str, str]]]:
    """
    C{changes} split into those made: every flag (C{+imnst}, C{-l}: clients
    put many on one line) and the first L{MAX_MODES} of those that take a
    parameter (a mask, a key, a limit, a nickname), as ISUPPORT C{MODES}
    promises and as InspIRCd makes them; and those beyond, not made.
    """
    counted = 0
    kept: list[tuple[bool, str, str]] = []
    beyond: list[tuple[bool, str, str]] = []
    for change in changes:
        counted += bool(change[2])
        (beyond if change[2] and counted > MAX_MODES else kept).append(change)
    return kept, beyond


def notMade(irc: IRCSession, channel: str, change: tuple[bool, str, str]) -> None:
    """
    C{400} for a change beyond a line's L{MAX_MODES}, naming it, so that
    none is lost without a word (ngIRCd and InspIRCd drop them silently):
    the client sends it again on a line of its own.
    """
    adding, char, argument = change
    sign = "+" if adding else "-"
    irc.numeric(
        N.ERR_UNKNOWNERROR,
        "MODE",
        f"{channel} {sign}{char} {argument} not made: at most {MAX_MODES} changes with "
        f"a parameter per MODE (ISUPPORT MODES={MAX_MODES}); send it again",
    )


def modesRefused(
    irc: IRCSession, channel: str, refused: list[tuple[bool, str, str, ChatError]]
) -> None:
    """
    The numerics for the changes the service refused (the others were
    announced as one MODE line to every member, this client too).
    """
    for _, char, argument, error in refused:
        if isinstance(error, NotInRoom):
            shown = shownTarget(irc, argument)  # by the nickname they go by
            irc.numeric(N.ERR_USERNOTINCHANNEL, shown, channel, "They aren't on that channel")
        elif isinstance(error, ListFull):
            irc.numeric(ERR_BANLISTFULL, channel, char, "Channel list is full")
        elif isinstance(error, InvalidArgument):
            shown = "*" if char == "k" else argument or "*"
            irc.numeric(ERR_INVALIDMODEPARAM, channel, char, shown, error.text)
        else:
            irc.refused(error, channel)


def showList(irc: IRCSession, channel: str, room: str, mode: str) -> None:
    """
    A mask list, one numeric per mask (with who set it and when) then
    its end: C{367}/C{368} for bans, C{348}/C{349} for ban exceptions,
    C{346}/C{347} for invite exceptions.
    """
    entry, end, text = MASK_LISTS[mode]
    for mask, setter, when in irc.service.roomBans(room, mode):
        irc.numeric(entry, channel, mask, setter, str(when))
    irc.numeric(end, channel, text)


def showModes(irc: IRCSession, channel: str, room: str) -> None:
    """
    C{324 RPL_CHANNELMODEIS}: the room's modes, approval as C{i}, a
    key as C{k} (the key itself only for members) and a capacity as
    C{l}.
    """
    service: Any = irc.service
    modes = service.roomModes(room)
    if service.roomMode(room) == "approval" and "i" not in modes:
        modes = "".join(sorted("i" + modes))
    args: list[str] = []
    roomKey = service.roomKey(room)
    if roomKey is not None:
        modes += "k"
        args.append(roomKey if inRoom(irc, room) else "*")
    limit = service.capacity(room)
    if limit is not None:
        modes += "l"
        args.append(str(limit))
    irc.numeric(N.RPL_CHANNELMODEIS, channel, "+" + modes, *args)
    created = service.roomCreatedAt(room)
    if created:
        irc.numeric(RPL_CREATIONTIME, channel, str(created))


def userMode(irc: IRCSession, nick: str, args: list[str]) -> MaybeDeferred[None]:
    if irc.service.find(nick) is None:
        irc.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
        return None
    if key(nick) != key(irc.me()):
        irc.numeric(N.ERR_USERSDONTMATCH, "Can't change mode for other users")
        return None
    if not args:
        irc.numeric(N.RPL_UMODEIS, "+" + "".join(sorted(irc.userModes)))
        return None
    before = irc.userModes
    modes = set(before)
    unknown = False
    for adding, char in ModeWords(args).modes():  # user modes take no argument
        if char == "o":  # only OPER gives it; anyone may drop it
            if not adding:
                modes.discard("o")
        elif char not in USER_MODES:
            unknown = True
        else:
            (modes.add if adding else modes.discard)(char)
    named = list(dict.fromkeys("".join(args)))  # in the order asked
    added = [char for char in named if char in modes and char not in before]
    removed = [char for char in named if char in before and char not in modes]
    now = irc.factory.clock.seconds()
    changeUserModes(irc.service.people, irc.participant, "".join(added), "".join(removed), now)
    shown: list[bytes] = []  # the channels' -o, after the reply (after MODE nick -o everywhere)
    if "o" in removed:
        shown = keptForReply(irc, partial(giveUpSessionOperator, irc.service, irc.participant))
    if unknown:
        irc.numeric(N.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")
    change = spelled("".join(added), "".join(removed))

    def echo() -> None:
        if change:
            irc.sendMessage("MODE", irc.me(), change, prefix=irc.hostmask(), trailing=True)
        sendAfterReply(irc, shown)

    if not set(added + removed) & set(SHOWN_MODES + "o"):
        echo()
        return None
    status.changed(irc.service, irc.participant, status.PROFILE)
    return afterHeard(irc.service.observer, echo)  # other nodes' WHO and WHOIS show it then
