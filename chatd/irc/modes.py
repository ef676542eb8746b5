# -*- test-case-name: tests.test_irc_channels -*-
"""
C{MODE} for channels and users.

chatd rooms have no per-room settings in the service today, so every
channel is C{+nt}: no messages from outside (the service only lets members
speak) and only operators may set the topic (nobody can); with a room
capacity (C{--max-group-size}), also C{+l} with that number.  The ban,
exception and invite lists clients ask for on join are always empty.  The
only user mode is C{+i}, which changes nothing but is accepted because
clients set it on connect.
"""

from __future__ import annotations

from chatd.irc import numerics as N
from chatd.irc.channels import ChannelCommands
from chatd.irc.message import Message
from chatd.names import key

#: Modes every chatd channel has.
CHANNEL_MODES = "nt"
#: List modes and the numeric that ends each (empty) list.
LIST_MODES = {"b": N.RPL_ENDOFBANLIST, "e": "349", "I": "347"}
LIST_NAMES = {
    "b": "End of channel ban list",
    "e": "End of channel exception list",
    "I": "End of channel invite list",
}
#: Modes that reflect the server's settings and cannot be changed by MODE.
SERVER_MODES = {
    "i": "is a room setting, changed from the admin console (approval rooms)",
    "l": "is a room setting, changed from the admin console (capacity)",
    "n": "is always set on chatd rooms",
    "t": "is always set on chatd rooms",
}
#: User modes a client may set on itself.
USER_MODES = "i"


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
        channel = "#" + found[0]
        if not args:
            modes = CHANNEL_MODES
            if self.service.roomMode(found[0]) == "approval":
                modes = "i" + modes
            limit = self.service.capacity(found[0])
            if limit is None:
                self.numeric(N.RPL_CHANNELMODEIS, channel, "+" + modes)
            else:
                self.numeric(N.RPL_CHANNELMODEIS, channel, f"+{modes}l", str(limit))
            return
        adding = True
        changes: list[str] = []
        for char in args[0]:
            if char in "+-":
                adding = char == "+"
            elif char in LIST_MODES and (len(args) < 2 or not adding):
                # A list query ("MODE #c b"): chatd keeps no such lists here.
                self.numeric(LIST_MODES[char], channel, LIST_NAMES[char])
            else:
                changes.append(("+" if adding else "-") + char)
        if not changes:
            return
        if not self.service.isOperator(self.participant):
            self.numeric(N.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator")
            return
        for change in changes:
            if change[1] in CHANNEL_MODES and change[0] == "+":
                continue  # already set
            if change[1] in SERVER_MODES:
                self.numeric(N.ERR_UNKNOWNMODE, change[1], SERVER_MODES[change[1]])
            else:
                self.numeric(N.ERR_UNKNOWNMODE, change[1], "is unknown mode char to me")

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
