# -*- test-case-name: tests.unit.irc.test_irc_channels,tests.unit.irc.test_irc_roomnames,tests.unit.irc.test_irc_failnames,tests.unit.irc.test_irc_personnames -*-  # noqa: E501
"""
C{KICK} and C{INVITE}: what IRC calls channel moderation, mapped to the
service's kick from a room (by the room's operators) and invitation.
"""

from __future__ import annotations

from typing import Any

from chatd.core.errors import NotInRoom
from chatd.core.names import key
from chatd.core.text import shortened
from chatd.irc import numerics as N
from chatd.irc.channels import findRoom, inRoom, roomName
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget
from chatd.irc.wire import channelName


def onKick(irc: IRCSession, message: Message) -> Any:
    """
    A channel operator removes people from the channel (not from
    chatd): the service's kick from a room, which every member, the
    kicked ones included, sees as a KICK.  C{KICK #a bob,carol} kicks
    both from C{#a}; C{KICK #a,#b bob,carol} bob from C{#a} and carol from
    C{#b} (RFC 2812: as many channels as nicknames, or one).
    """
    channels = [c for c in message.params[0].split(",") if c]
    nicks = [n for n in message.params[1].split(",") if n]
    if not channels or not nicks or len(channels) not in (1, len(nicks)):
        irc.numeric(N.ERR_NEEDMOREPARAMS, "KICK", "One channel, or one for each nickname")
        return None
    reason = shortened(message.params[2]) if len(message.params) > 2 else ""
    if len(channels) == 1:  # the channel checked once, however many are kicked
        room = kickingIn(irc, channels[0])
        if room is None:
            return None
        return irc.inTurn(nicks, lambda nick: kickOne(irc, room, nick, reason))

    def step(pair: tuple[str, str]) -> Any:
        room = kickingIn(irc, pair[0])
        return None if room is None else kickOne(irc, room, pair[1], reason)

    return irc.inTurn(list(zip(channels, nicks, strict=True)), step)


def kickingIn(irc: IRCSession, channel: str) -> str | None:
    """
    The room of C{channel} if this connection may kick from it; else
    C{None}, the refusal sent (C{403}, C{442}, C{482}).
    """
    room = roomName(channel)
    found = findRoom(irc, room) if room is not None else None
    if found is None:
        irc.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
        return None
    room = found[0]
    # Who runs the room is the core's rule: a chatd operator, and its founder,
    # run it from outside too; only someone who does not is told where they are.
    if not irc.service.isRoomOperator(irc.participant, room):
        if not inRoom(irc, room):
            irc.numeric(N.ERR_NOTONCHANNEL, channelName(room), "You're not on that channel")
        else:
            irc.numeric(N.ERR_CHANOPRIVSNEEDED, channelName(room), "You're not channel operator")
        return None
    return room


def kickOne(irc: IRCSession, room: str, nick: str, reason: str) -> Any:
    """Kick C{nick} from C{room}, or say why not (C{441}, C{401})."""
    channel = channelName(room)

    def notThere() -> None:
        if irc.service.find(nick) is None:  # nobody is (or can be) called so
            irc.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
        else:
            shown = shownTarget(irc, nick)  # by the nickname they go by
            irc.numeric(N.ERR_USERNOTINCHANNEL, shown, channel, "They aren't on that channel")

    def kick(nick: str) -> Any:
        try:
            return irc.service.kickFromRoom(irc.participant, room, nick, reason)
        except NotInRoom:  # 441 names the channel as well as the nickname
            notThere()
            return None

    def kicked(shown: str | None) -> None:
        # A member sees the KICK with the channel's; one who ran it from
        # outside is shown it too, as the answer to their command.
        if shown is not None and not inRoom(irc, room):
            irc.sendMessage("KICK", channel, shown, reason, prefix=irc.hostmask(), trailing=True)

    return irc.call(
        kick,
        nick,
        subject=shownTarget(irc, nick),  # a member: by the nickname they go by
        errors={20: N.ERR_NOSUCHNICK},
    ).addCallback(kicked)


def onInvite(irc: IRCSession, message: Message) -> Any:
    nick, channel = message.params[0], message.params[1]
    room = roomName(channel)
    found = findRoom(irc, room) if room is not None else None
    if found is None:
        irc.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
        return None
    room = found[0]
    channel = channelName(room)  # as stored, in every reply
    if not inRoom(irc, room):
        irc.numeric(N.ERR_NOTONCHANNEL, channel, "You're not on that channel")
        return None
    target = irc.service.find(nick)
    if target is None:
        irc.numeric(N.ERR_NOSUCHNICK, nick, "No such nick/channel")
        return None
    shown = shownTarget(irc, nick)  # by the nickname they go by, in every reply
    if key(nick) in {key(member) for member in irc.service.members(irc.participant, room)}:
        irc.numeric(N.ERR_USERONCHANNEL, shown, channel, "is already on channel")
        return None
    if "i" in irc.service.roomModes(room) and not irc.service.isRoomOperator(irc.participant, room):
        irc.numeric(N.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator")
        return None
    return irc.call(
        irc.service.invite,
        irc.participant,
        nick,
        room,
        subject=shown,
        errors={20: N.ERR_NOSUCHNICK},
        onSuccess=lambda _: irc.numeric(N.RPL_INVITING, shown, channel),
    )
