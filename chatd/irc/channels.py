# -*- test-case-name: tests.unit.irc.test_irc_channels,tests.unit.irc.test_irc_idlestate,tests.unit.irc.test_irc_roomnames,tests.unit.irc.test_irc_welcomejoin,tests.unit.irc.test_irc_creatorjoin -*-  # noqa: E501
"""
Channel commands: C{JOIN}, C{PART}, C{NAMES}, C{LIST} and C{TOPIC}, and
keeping the channels a client is shown in step with the service's rooms.

A channel C{#name} is the service's room C{name}; joining a room that does
not exist creates it with the joiner in it, opped, as IRC users expect (the
service's C{enterOrCreate}).  The room look-ups here
(L{roomName}, L{findRoom}, L{inRoom}) serve the other channel commands too.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.python.failure import Failure

from chatd.core.errors import (
    AlreadyMember,
    BadRoomKey,
    BannedFromRoom,
    ChatError,
    InviteOnly,
    PendingApproval,
)
from chatd.core.events import Administrator, Membership
from chatd.core.masks import globMatch
from chatd.core.names import hasInvisible, key, roomOfChannel
from chatd.core.roomqueries import inUse
from chatd.core.speaking import heardReason, partingWords
from chatd.core.text import ircText, shortened
from chatd.irc import markread
from chatd.irc import numerics as N
from chatd.irc.identity import sendOwnJoin, withOwnAccount
from chatd.irc.joinhistory import awaitHistory, holdLive, releaseLive
from chatd.irc.listreply import groups
from chatd.irc.message import Message
from chatd.irc.prefixes import statusPrefix
from chatd.irc.servertime import serverTime
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownChannel
from chatd.irc.wire import channelName

#: Who set the topic, and when.
RPL_TOPICWHOTIME = "333"


def timeTags(irc: IRCSession, when: float | None = None) -> dict[str, str] | None:
    """
    The tags for a line this client is shown now, of what happened at
    C{when} (now if C{None}).
    """
    if "server-time" in irc.caps:
        return {"time": serverTime(irc.factory.clock.seconds() if when is None else when)}
    return None


def roomName(channel: str) -> str | None:
    """
    The service room for C{channel}, or C{None} if the name is not a
    channel (it does not start with C{#}): the core's L{roomOfChannel}.
    """
    return roomOfChannel(channel)


def findRoom(irc: IRCSession, room: str) -> tuple[str, int] | None:
    """
    The display name and member count of C{room}, if it exists for this
    client: a secret room it is not in does not, as for C{LIST} (the
    service's C{canSee}); nor does a name with an invisible character,
    though its key may match a room's.
    """
    if hasInvisible(room):
        return None
    wanted = key(room)
    for name, count in irc.service.roomsVisibleTo(irc.participant):
        if key(name) == wanted:
            return name, count
    return None


def inRoom(irc: IRCSession, room: str) -> bool:
    wanted = key(room)
    return any(key(name) == wanted for name in irc.service.roomsOf(irc.participant))


# JOIN / PART


def onJoin(irc: IRCSession, message: Message) -> Any:
    """
    C{JOIN #a,#b key1,key2}: the keys go with the channels in order;
    a channel without a key of its own is joined without one.
    """
    if message.params[0] == "0":
        return partAll(irc)
    channels = [c for c in message.params[0].split(",") if c]
    keys = message.params[1].split(",") if len(message.params) > 1 else []
    pairs = [(channel, keys[i] if i < len(keys) else "") for i, channel in enumerate(channels)]
    return irc.inTurn(pairs, lambda pair: joinOne(irc, *pair))


def joinOne(irc: IRCSession, channel: str, roomKey: str = "") -> Deferred[Any]:
    room = roomName(channel)
    if room is None:
        irc.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
        return succeed(None)
    service = irc.service
    now = irc.factory.clock.seconds()  # the entry's moment, for everyone told of it

    def refused(failure: Failure) -> None:
        releaseLive(irc, room, False)
        error = failure.trap(ChatError) and failure.value
        shown = shownChannel(irc, channel, room)
        if isinstance(error, AlreadyMember):
            found = findRoom(irc, room)
            if found is not None:
                joined(irc, found[0], service.enteredAt(irc.participant, found[0]))
        elif isinstance(error, InviteOnly):
            irc.numeric(N.ERR_INVITEONLYCHAN, shown, "Cannot join channel (+i)")
        elif isinstance(error, BadRoomKey):
            irc.numeric(N.ERR_BADCHANNELKEY, shown, "Cannot join channel (+k)")
        elif isinstance(error, BannedFromRoom):
            irc.numeric(N.ERR_BANNEDFROMCHAN, shown, "Cannot join channel (+b)")
        elif isinstance(error, PendingApproval) and error.room:
            irc.refused(error, channelName(error.room))  # the room as stored
        elif isinstance(error, ChatError):
            irc.refused(error, shown)

    def entered(name: str) -> Deferred[None] | None:
        joined(irc, name, now)
        releaseLive(irc, room, True)
        return awaitHistory(irc, name)  # a labelled JOIN's answer holds it

    holdLive(irc, room)  # what is said there waits for the answer
    # The core enters it, or makes it with us in it as its operator.
    d = maybeDeferred(service.enterOrCreate, irc.participant, room, roomKey or None, now)
    return d.addCallbacks(entered, refused)


def joined(irc: IRCSession, room: str, when: float | None = None) -> None:
    """
    Show the client it is in C{room} (JOIN at C{when}, then NAMES), once.
    """
    if key(room) in irc.shownRooms:
        return
    shown = irc.shownRooms if isinstance(irc.shownRooms, dict) else {}
    shown[key(room)] = room
    irc.shownRooms = shown
    channel = channelName(room)
    sendOwnJoin(irc, channel, timeTags(irc, when))
    sendTopic(irc, channel, room)
    markread.afterJoin(irc, room)
    sendNames(irc, channel, room)


def unshow(irc: IRCSession, roomKey: str) -> str | None:
    """
    Forget that the client was shown it is in the room C{roomKey}; its
    name as shown, if it was.
    """
    shown = irc.shownRooms
    return shown.pop(roomKey, None) if isinstance(shown, dict) else None


def syncChannels(irc: IRCSession) -> None:
    """
    Make the channels the client believes it is in match the rooms the
    service has it in.  The service may put a user in rooms on its own
    (rooms restored at login, automatic rooms, an approval granted
    later) or take it out; an IRC client must see JOIN or PART for it.
    """
    if not irc.registered:
        return
    current = {key(room): room for room in irc.service.roomsOf(irc.participant)}
    for roomKey, room in current.items():
        if roomKey not in irc.shownRooms:  # its JOIN at the entry's moment, as others saw it
            joined(irc, room, irc.service.enteredAt(irc.participant, room))
    for roomKey in [k for k in irc.shownRooms if k not in current]:
        room = unshow(irc, roomKey) or roomKey
        tags = withOwnAccount(irc, timeTags(irc))
        irc.sendMessage("PART", channelName(room), prefix=irc.hostmask(), tags=tags)


def ownMove(irc: IRCSession, event: Membership) -> None:
    """
    Another connection of ours entered or left a room: C{JOIN} or C{PART}
    as everyone else is shown it (its reason, its moment), then whatever
    else changed (L{syncChannels}).
    """
    if irc.registered and event.joined and event.roomKey not in irc.shownRooms:
        if event.roomKey in {key(room) for room in irc.service.roomsOf(irc.participant)}:
            joined(irc, event.room, event.moment)
    elif irc.registered and not event.joined and event.roomKey in irc.shownRooms:
        room = unshow(irc, event.roomKey) or event.room
        sendPart(irc, room, event.reason, event.moment)
    syncChannels(irc)


def sendPart(irc: IRCSession, room: str, reason: str, when: float) -> None:
    params = [channelName(room)] + ([ircText(reason)] if reason else [])
    tags = withOwnAccount(irc, timeTags(irc, when))
    irc.sendMessage("PART", *params, prefix=irc.hostmask(), tags=tags, trailing=bool(reason))


def partAll(irc: IRCSession) -> Any:
    rooms = irc.service.roomsOf(irc.participant)
    return irc.inTurn([channelName(room) for room in rooms], lambda channel: partOne(irc, channel))


def onPart(irc: IRCSession, message: Message) -> Any:
    # Cut to the advertised length, as IRC servers do (and TOPIC, KICK here).
    reason = shortened(message.params[1]) if len(message.params) > 1 else ""
    channels = [c for c in message.params[0].split(",") if c]
    return irc.inTurn(channels, lambda channel: partOne(irc, channel, reason))


def partOne(irc: IRCSession, channel: str, reason: str = "") -> Deferred[Any]:
    room = roomName(channel)
    if room is None:
        irc.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
        return succeed(None)

    now = irc.factory.clock.seconds()  # the exit's moment, for everyone told of it

    def left(name: str) -> None:
        unshow(irc, key(name))
        # as the others read it: cleaned, and nothing while muted
        sendPart(irc, name, heardReason(irc.service, irc.participant, partingWords(reason)), now)

    return irc.call(
        irc.service.leave,
        irc.participant,
        room,
        reason,
        now,
        subject=shownChannel(irc, channel, room),
        onSuccess=left,
    )


# NAMES / LIST / TOPIC


def sendNames(irc: IRCSession, channel: str, room: str, end: str | None = None) -> None:
    """
    C{353 RPL_NAMREPLY} lines for C{room} (operators marked C{@},
    voiced members C{+}), then C{366 RPL_ENDOFNAMES} naming C{end} (by
    default C{channel}; C{""}: none, a C{NAMES} of several channels ends
    once).
    """
    try:
        members = irc.service.shownMembers(irc.participant, room)  # the core's rule
    except ChatError:
        members = []
    multi = "multi-prefix" in irc.caps
    prefixes = {status: statusPrefix(status, multi) for status in ("", "o", "v", "ov")}
    if "userhost-in-names" in irc.caps:
        hostmask = irc.wire.hostmask
        names = [prefixes[status] + hostmask(nick) for nick, status in members]
    else:
        names = [prefixes[status] + nick for nick, status in members]
    symbol = "@" if "s" in irc.service.roomModes(room) else "="  # secret
    for group in groups(irc, N.RPL_NAMREPLY, symbol, channel, items=names):
        irc.numeric(N.RPL_NAMREPLY, symbol, channel, " ".join(group))
    if end != "":
        irc.numeric(N.RPL_ENDOFNAMES, end or channel, "End of /NAMES list.")


def onNames(irc: IRCSession, message: Message) -> None:
    """
    C{NAMES #a,#b}: the C{353} lines of each channel found, then one
    C{366} naming what was asked (Modern IRC's form for several channels;
    one channel's C{366} names the channel as the room is called).
    """
    if not message.params:
        irc.numeric(N.RPL_ENDOFNAMES, "*", "End of /NAMES list.")
        return
    asked = message.params[0].split(",")
    for channel in asked:
        room = roomName(channel)
        found = findRoom(irc, room) if room is not None else None
        if found is not None:
            sendNames(irc, channelName(found[0]), found[0], end=None if len(asked) == 1 else "")
        elif len(asked) == 1:
            irc.numeric(N.RPL_ENDOFNAMES, channel, "End of /NAMES list.")
    if len(asked) > 1:
        irc.numeric(N.RPL_ENDOFNAMES, message.params[0], "End of /NAMES list.")


def onList(irc: IRCSession, message: Message) -> None:
    """
    C{LIST} names the channels that exist on IRC's terms, the rooms in use
    (the core's L{inUse}, which C{LUSERS} counts too: a room nobody is in,
    such as one a fresh data directory is seeded with, is left out, as a
    real server has no such channel);
    C{LIST #a,#b} names the rooms asked for, empty or not.  C{ELIST=M}:
    C{LIST #g*} (C{*} and C{?}, compared as names are, L{key}) keeps the
    channels with members whose name the mask matches.  C{ELIST=U}:
    C{LIST >n} and C{LIST <n} keep the channels with more or fewer than
    C{n} members.
    """
    wanted: set[str] | None = None
    masks: list[str] = []
    above, below = -1, None
    for param in message.params[0].split(",") if message.params and message.params[0] else []:
        if param[:1] == ">" and param[1:].isdigit():
            above = max(above, int(param[1:]))
        elif param[:1] == "<" and param[1:].isdigit():
            below = int(param[1:]) if below is None else min(below, int(param[1:]))
        elif "*" in param or "?" in param:
            masks.append(key(param))
        else:
            wanted = (wanted or set()) | {key(roomName(param) or "")}
    irc.numeric(N.RPL_LISTSTART, "Channel", "Users  Name")
    for name, count in irc.service.roomsVisibleTo(irc.participant):
        if wanted is None and not masks:
            shown = inUse(count)
        else:
            matched = inUse(count) and any(globMatch(m, key(channelName(name))) for m in masks)
            shown = matched or (wanted is not None and key(name) in wanted)
        if shown and count > above and (below is None or count < below):
            irc.numeric(N.RPL_LIST, channelName(name), str(count), irc.service.topic(name))
    irc.numeric(N.RPL_LISTEND, "End of /LIST")


def onTopic(irc: IRCSession, message: Message) -> Any:
    """
    A room's topic is one of its settings in the service; under C{+t}
    only the room's operators may change it, otherwise any member.
    Every member, the setter included, sees the service's TOPIC.
    """
    channel = message.params[0]
    room = roomName(channel)
    found = findRoom(irc, room) if room is not None else None
    if found is None:
        irc.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
        return None
    channel = channelName(found[0])
    if len(message.params) == 1:
        sendTopic(irc, channel, found[0], always=True)
        return None
    if not inRoom(irc, found[0]):
        irc.numeric(N.ERR_NOTONCHANNEL, channel, "You're not on that channel")
        return None
    text = shortened(message.params[1])
    return irc.call(irc.service.setTopic, irc.participant, found[0], text, subject=channel)


def sendTopic(irc: IRCSession, channel: str, room: str, always: bool = False) -> None:
    """
    C{332 RPL_TOPIC} for a room with a topic (and C{333
    RPL_TOPICWHOTIME} when the service knows who set it and when);
    C{331 RPL_NOTOPIC} for
    one without when C{always} (a TOPIC query; a JOIN says nothing).
    """
    topic = irc.service.topic(room)
    if topic:
        irc.numeric(N.RPL_TOPIC, channel, topic)
        setter = irc.service.topicSetter(room)
        if setter is not None:
            by = irc.factory.servicesName if isinstance(setter[0], Administrator) else setter[0]
            irc.numeric(RPL_TOPICWHOTIME, channel, by, str(setter[1]))
    elif always:
        irc.numeric(N.RPL_NOTOPIC, channel, "No topic is set")
