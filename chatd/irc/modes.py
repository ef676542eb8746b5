# -*- test-case-name: tests.test_irc_channels -*-
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
in one MODE line.  User modes: C{+w} (receive operators' WALLOPS) and C{+i},
which hides a user from WHO masks of people sharing no room with them.
"""

from __future__ import annotations

from typing import Any

from chatd.core.errors import ChatError, InvalidArgument, ListFull, NotInRoom
from chatd.core.masks import ROOM_MODES
from chatd.core.names import key
from chatd.irc import numerics as N
from chatd.irc.channels import ChannelCommands
from chatd.irc.message import Message

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
#: C{w} (receives operators' WALLOPS).
USER_MODES = "iw"
#: At most this many mode changes per MODE (ISUPPORT MODES).
MAX_MODES = 4


class ModeCommands(ChannelCommands):
    """
    C{MODE} against the service's rooms and users.
    """

    def irc_MODE(self, message: Message) -> Any:
        if not self.needParams(message, 1):
            return None
        target = message.params[0]
        if target.startswith("#"):
            return self.channelMode(target, message.params[1:])
        self.userMode(target, message.params[1:])
        return None

    def channelMode(self, channel: str, args: list[str]) -> Any:
        room = self.roomName(channel)
        found = self.findRoom(room) if room is not None else None
        if found is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return None
        room = found[0]
        channel = "#" + room
        if not args:
            self.showModes(channel, room)
            return None
        adding = True
        changes: list[tuple[bool, str, str]] = []
        params = iter(args[1:])
        for char in args[0]:
            if char in "+-":
                adding = char == "+"
            elif char in MASK_LISTS:
                mask = next(params, None)
                if mask is None:
                    self.showList(channel, room, char)  # "MODE #c b" or "+b": the list
                else:
                    changes.append((adding, char, mask))
            elif char in ALWAYS_ARG or (char in ARG_WHEN_SET and adding):
                argument = next(params, None)
                if argument is not None:
                    changes.append((adding, char, argument))
                elif char == "k" and not adding:
                    changes.append((adding, char, "*"))
                else:
                    self.numeric(N.ERR_NEEDMOREPARAMS, "MODE", "Not enough parameters")
            elif char in ROOM_MODES or char == "l":
                changes.append((adding, char, ""))
            else:
                self.numeric(N.ERR_UNKNOWNMODE, char, "is unknown mode char to me")
        if not changes:
            return None
        if not self.service.isRoomOperator(self.participant, room):
            self.numeric(N.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator")
            return None
        wanted: list[tuple[bool, str, str]] = []
        for change in changes[:MAX_MODES]:
            if change[1] in MEMBER_MODES and self.service.find(change[2]) is None:
                self.numeric(N.ERR_NOSUCHNICK, change[2], "No such nick/channel")
            else:
                wanted.append(change)
        return self.call(
            self.service.changeRoomModes,
            self.participant,
            room,
            wanted,
            subject=channel,
            onSuccess=lambda refused: self.modesRefused(channel, refused),
        )

    def modesRefused(self, channel: str, refused: list[tuple[bool, str, str, ChatError]]) -> None:
        """
        The numerics for the changes the service refused (the others were
        announced as one MODE line to every member, this client too).
        """
        for _, char, argument, error in refused:
            if isinstance(error, NotInRoom):
                self.numeric(
                    N.ERR_USERNOTINCHANNEL, argument, channel, "They aren't on that channel"
                )
            elif isinstance(error, ListFull):
                self.numeric(ERR_BANLISTFULL, channel, char, "Channel list is full")
            elif isinstance(error, InvalidArgument):
                shown = "*" if char == "k" else argument or "*"
                self.numeric(ERR_INVALIDMODEPARAM, channel, char, shown, error.text)
            else:
                self.refused(error, channel)

    def showList(self, channel: str, room: str, mode: str) -> None:
        """
        A mask list, one numeric per mask (with who set it and when) then
        its end: C{367}/C{368} for bans, C{348}/C{349} for ban exceptions,
        C{346}/C{347} for invite exceptions.
        """
        entry, end, text = MASK_LISTS[mode]
        for mask, setter, when in self.service.roomBans(room, mode):
            self.numeric(entry, channel, mask, setter, str(when))
        self.numeric(end, channel, text)

    def showModes(self, channel: str, room: str) -> None:
        """
        C{324 RPL_CHANNELMODEIS}: the room's modes, approval as C{i}, a
        key as C{k} (the key itself only for members) and a capacity as
        C{l}.
        """
        service: Any = self.service
        modes = service.roomModes(room)
        if service.roomMode(room) == "approval" and "i" not in modes:
            modes = "".join(sorted("i" + modes))
        args: list[str] = []
        roomKey = service.roomKey(room)
        if roomKey is not None:
            modes += "k"
            args.append(roomKey if self.inRoom(room) else "*")
        limit = service.capacity(room)
        if limit is not None:
            modes += "l"
            args.append(str(limit))
        self.numeric(N.RPL_CHANNELMODEIS, channel, "+" + modes, *args)
        created = service.roomCreatedAt(room)
        if created:
            self.numeric(RPL_CREATIONTIME, channel, str(created))

    def userMode(self, nick: str, args: list[str]) -> None:
        if self.service.find(nick) is None:
            self.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            return
        if key(nick) != key(self.me()):
            self.numeric(N.ERR_USERSDONTMATCH, "Can't change mode for other users")
            return
        if not args:
            self.numeric(N.RPL_UMODEIS, "+" + "".join(sorted(self.userModes)))
            return
        adding = True
        added: list[str] = []
        removed: list[str] = []
        unknown = False
        for char in args[0]:
            if char in "+-":
                adding = char == "+"
            elif char not in USER_MODES:
                unknown = True
            elif adding and char not in self.userModes:
                self.userModes.add(char)
                added.append(char)
            elif not adding and char in self.userModes:
                self.userModes.discard(char)
                removed.append(char)
            if char == "w" and (char in added or char in removed):
                self.service.receiveWallops(self.participant, adding)
        if unknown:
            self.numeric(N.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")
        if added or removed:
            change = ("+" + "".join(added) if added else "") + (
                "-" + "".join(removed) if removed else ""
            )
            self.sendMessage("MODE", self.me(), change, prefix=self.hostmask(), trailing=True)
