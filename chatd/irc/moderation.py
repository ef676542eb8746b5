# -*- test-case-name: tests.test_irc_channels -*-
"""
C{KICK} and C{INVITE}: what IRC calls channel moderation, mapped to chatd's
server-wide operators and the service's kick and invitation.
"""

from __future__ import annotations

from typing import Any

from chatd.errors import ChatError
from chatd.irc import numerics as N
from chatd.irc.channels import ChannelCommands
from chatd.irc.message import Message
from chatd.names import key


class ModerationCommands(ChannelCommands):
    """
    Kicking (operators) and inviting (members).
    """

    def irc_KICK(self, message: Message) -> Any:
        """
        chatd's kick (for operators) ends the person's session everywhere;
        the channel sees them quit with the reason.
        """
        if not self.needParams(message, 2):
            return None
        channel = message.params[0]
        reason = message.params[2] if len(message.params) > 2 else ""
        room = self.roomName(channel)
        if room is None or self.findRoom(room) is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return None
        try:
            members = {key(nick) for nick in self.service.members(self.participant, room)}
        except ChatError as error:
            self.refused(error, channel)
            return None
        if not self.service.isOperator(self.participant):
            self.numeric(N.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator")
            return None

        def kickOne(nick: str) -> Any:
            if key(nick) not in members:
                self.numeric(N.ERR_USERNOTINCHANNEL, nick, channel, "They aren't on that channel")
                return None
            return self.call(
                self.service.kick,
                self.participant,
                nick,
                reason,
                subject=nick,
                errors={12: N.ERR_CHANOPRIVSNEEDED},
            )

        return self.inTurn(message.params[1].split(","), kickOne)

    def irc_INVITE(self, message: Message) -> Any:
        if not self.needParams(message, 2):
            return None
        nick, channel = message.params[0], message.params[1]
        room = self.roomName(channel)
        if room is None or self.findRoom(room) is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return None

        if not self.inRoom(room):
            self.numeric(N.ERR_NOTONCHANNEL, channel, "You're not on that channel")
            return None
        target = self.service.find(nick)
        if target is None:
            self.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
            return None
        if key(nick) in {key(member) for member in self.service.members(self.participant, room)}:
            self.numeric(N.ERR_USERONCHANNEL, nick, channel, "is already on channel")
            return None
        return self.call(
            self.service.invite,
            self.participant,
            nick,
            room,
            subject=nick,
            onSuccess=lambda _: self.numeric(N.RPL_INVITING, nick, channel),
        )
