# -*- test-case-name: tests.test_irc_channels -*-
"""
C{MODE} for channels and users.

A channel's modes are its room's, kept by the service: C{+t} (only channel
operators set the topic), C{+n} (no messages from outside), C{+m} (only
voiced members and operators speak), C{+i} (only those invited by an
operator enter), C{+l} (the room's capacity) and member status C{+o} and
C{+v}, which the room's operators give and take.  An approval room (set
from the admin console) shows as C{+i} too; chatd has no channel keys
(C{+k}).  The ban, exception and invite lists clients ask for
on join are always empty.  The only user mode is C{+i}, which hides a user
from WHO masks of people sharing no room with them.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from chatd.errors import ChatError, InvalidArgument, NotInRoom
from chatd.irc import numerics as N
from chatd.irc.channels import ChannelCommands
from chatd.irc.message import Message
from chatd.names import key

#: Modes MODE may change; member status modes take a nickname.
ROOM_MODES = "imnt"
MEMBER_MODES = "ov"
#: List modes and the numeric that ends each (empty) list.
LIST_MODES = {"b": N.RPL_ENDOFBANLIST, "e": "349", "I": "347"}
LIST_NAMES = {
    "b": "End of channel ban list",
    "e": "End of channel exception list",
    "I": "End of channel invite list",
}
#: Modes that reflect the server's settings and cannot be changed by MODE.
SERVER_MODES = {
    "k": "is unknown mode char to me: chatd channels have no keys",
}
#: Modes whose setting takes an argument, which is skipped when refused.
ARG_WHEN_SET = "kl"
#: When the channel was created (after 324, when known).
RPL_CREATIONTIME = "329"
#: A mode's parameter is invalid (a capacity of 0, say).
ERR_INVALIDMODEPARAM = "696"
#: User modes a client may set on itself.
USER_MODES = "i"
#: At most this many mode changes per MODE (ISUPPORT MODES).
MAX_MODES = 4


class ModeCommands(ChannelCommands):
    """
    C{MODE} against the service's rooms and users.
    """

    def irc_MODE(self, message: Message) -> None:
        if not self.needParams(message, 1):
            return
        target = message.params[0]
        if target.startswith("#"):
            self.channelMode(target, message.params[1:])
        else:
            self.userMode(target, message.params[1:])

    def channelMode(self, channel: str, args: list[str]) -> None:
        room = self.roomName(channel)
        found = self.findRoom(room) if room is not None else None
        if found is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return
        room = found[0]
        channel = "#" + room
        if not args:
            self.showModes(channel, room)
            return
        adding = True
        changes: list[tuple[bool, str, str]] = []
        params = iter(args[1:])
        for char in args[0]:
            if char in "+-":
                adding = char == "+"
            elif char in LIST_MODES:
                if next(params, None) is None or not adding:
                    # A list query ("MODE #c b"): chatd keeps no such lists.
                    self.numeric(LIST_MODES[char], channel, LIST_NAMES[char])
                else:
                    self.numeric(N.ERR_UNKNOWNMODE, char, "chatd keeps no ban lists")
            elif char in MEMBER_MODES:
                nick = next(params, None)
                if nick is not None:
                    changes.append((adding, char, nick))
            elif char in ARG_WHEN_SET and adding:
                argument = next(params, None)
                if argument is not None:
                    changes.append((adding, char, argument))
            else:
                changes.append((adding, char, ""))
        if not changes:
            return
        if not self.service.isRoomOperator(self.participant, room):
            self.numeric(N.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator")
            return
        for adding, char, nick in changes[:MAX_MODES]:
            self.changeOne(channel, room, adding, char, nick)

    def changeOne(self, channel: str, room: str, adding: bool, char: str, nick: str) -> None:
        """
        One mode change; the service tells every member (this client too)
        what changed, as a MODE line.
        """
        if char in SERVER_MODES:
            self.numeric(N.ERR_UNKNOWNMODE, char, SERVER_MODES[char])
            return
        if char not in ROOM_MODES and char not in MEMBER_MODES and char != "l":
            self.numeric(N.ERR_UNKNOWNMODE, char, "is unknown mode char to me")
            return
        if char in MEMBER_MODES and self.service.find(nick) is None:
            self.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            return
        try:
            result = self.service.changeRoomMode(self.participant, room, adding, char, nick)
        except NotInRoom:
            self.numeric(N.ERR_USERNOTINCHANNEL, nick, channel, "They aren't on that channel")
        except InvalidArgument as error:
            self.numeric(ERR_INVALIDMODEPARAM, channel, char, nick or "*", error.text)
        except ChatError as error:
            self.refused(error, channel)
        else:
            if isinstance(result, Deferred):  # a capacity being stored
                result.addErrback(self.storeFailed, channel)

    def storeFailed(self, failure: Failure, channel: str) -> None:
        failure.trap(ChatError)
        assert isinstance(failure.value, ChatError)
        self.refused(failure.value, channel)

    def showModes(self, channel: str, room: str) -> None:
        """
        C{324 RPL_CHANNELMODEIS}: the room's modes, approval as C{i} and a
        capacity as C{l}.
        """
        service: Any = self.service
        modes = service.roomModes(room)
        if service.roomMode(room) == "approval" and "i" not in modes:
            modes = "".join(sorted("i" + modes))
        limit = service.capacity(room)
        if limit is None:
            self.numeric(N.RPL_CHANNELMODEIS, channel, "+" + modes)
        else:
            self.numeric(N.RPL_CHANNELMODEIS, channel, f"+{modes}l", str(limit))
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
        if unknown:
            self.numeric(N.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag")
        if added or removed:
            change = ("+" + "".join(added) if added else "") + (
                "-" + "".join(removed) if removed else ""
            )
            self.sendMessage("MODE", self.me(), change, prefix=self.hostmask(), trailing=True)
