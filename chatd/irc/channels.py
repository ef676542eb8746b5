# -*- test-case-name: tests.test_irc_channels -*-
"""
Channel and message commands: C{JOIN}, C{PART}, C{PRIVMSG}, C{NOTICE},
C{NAMES}, C{LIST} and C{TOPIC}.

A channel C{#name} is the service's room C{name}; joining a room that does
not exist creates it, as IRC users expect.
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
    NoSuchGroup,
)
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key, normalize
from chatd.irc import numerics as N
from chatd.irc.connection import IRCConnection
from chatd.irc.isupport import TEXT_LENGTH
from chatd.irc.message import MAX_LINE, Message, formatLine, relayFits
from chatd.irc.wire import channelName, messageLines, serverTime

#: Who set the topic, and when.
RPL_TOPICWHOTIME = "333"


def clientTags(message: Message) -> tuple[tuple[str, str], ...]:
    """
    The client-only tags (C{+name}) of C{message}, which are relayed; other
    tags a client sends are the server's business and dropped.
    """
    return tuple((name, value) for name, value in message.tags.items() if name.startswith("+"))


#: At most this many targets in one PRIVMSG or NOTICE (ISUPPORT TARGMAX).
MAX_TARGETS = 4


class ChannelCommands(IRCConnection):
    """
    What an IRC client does in and with channels.
    """

    def timeTags(self) -> dict[str, str] | None:
        """
        The tags for a line this client is shown now.
        """
        if "server-time" in self.caps:
            return {"time": serverTime(self.factory.clock.seconds())}
        return None

    def roomName(self, channel: str) -> str | None:
        """
        The service room for C{channel}, or C{None} if the name is not a
        channel (it does not start with C{#}).
        """
        return channel[1:] if channel.startswith("#") and len(channel) > 1 else None

    def findRoom(self, room: str) -> tuple[str, int] | None:
        """
        The display name and member count of C{room}, if it exists.
        """
        wanted = key(room)
        for name, count in self.service.rooms():
            if key(name) == wanted:
                return name, count
        return None

    def inRoom(self, room: str) -> bool:
        wanted = key(room)
        return any(key(name) == wanted for name in self.service.roomsOf(self.participant))

    # JOIN / PART

    def irc_JOIN(self, message: Message) -> Any:
        """
        C{JOIN #a,#b key1,key2}: the keys go with the channels in order;
        a channel without a key of its own is joined without one.
        """
        if not self.needParams(message, 1):
            return None
        if message.params[0] == "0":
            return self.partAll()
        channels = [c for c in message.params[0].split(",") if c]
        keys = message.params[1].split(",") if len(message.params) > 1 else []
        pairs = [(channel, keys[i] if i < len(keys) else "") for i, channel in enumerate(channels)]
        return self.inTurn(pairs, lambda pair: self.joinOne(*pair))

    def joinOne(self, channel: str, roomKey: str = "") -> Deferred[Any]:
        room = self.roomName(channel)
        if room is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return succeed(None)
        service = self.service

        def create(failure: Failure) -> Deferred[str]:
            failure.trap(NoSuchGroup)
            d = maybeDeferred(service.createRoom, self.participant, room)
            return d.addCallback(lambda _: maybeDeferred(service.enter, self.participant, room))

        def refused(failure: Failure) -> None:
            error = failure.trap(ChatError) and failure.value
            if isinstance(error, AlreadyMember):
                found = self.findRoom(room)
                if found is not None:
                    self.joined(found[0])  # shown once, if the client missed it
            elif isinstance(error, InviteOnly):
                self.numeric(N.ERR_INVITEONLYCHAN, channel, "Cannot join channel (+i)")
            elif isinstance(error, BadRoomKey):
                self.numeric(N.ERR_BADCHANNELKEY, channel, "Cannot join channel (+k)")
            elif isinstance(error, BannedFromRoom):
                self.numeric(N.ERR_BANNEDFROMCHAN, channel, "Cannot join channel (+b)")
            elif isinstance(error, ChatError):
                self.refused(error, channel)

        d = maybeDeferred(service.enter, self.participant, room, roomKey or None)
        d.addErrback(create)
        return d.addCallbacks(self.joined, refused)

    def joined(self, room: str) -> None:
        """
        Show the client it is in C{room} (JOIN, then NAMES), once.
        """
        if key(room) in self.shownRooms:
            return
        self.shownRooms[key(room)] = room
        channel = channelName(room)
        self.sendMessage("JOIN", channel, prefix=self.hostmask(), tags=self.timeTags())
        self.sendTopic(channel, room)
        self.sendNames(channel, room)

    def syncChannels(self) -> None:
        """
        Make the channels the client believes it is in match the rooms the
        service has it in.  The service may put a user in rooms on its own
        (rooms restored at login, automatic rooms, an approval granted
        later) or take it out; an IRC client must see JOIN or PART for it.
        """
        if not self.registered:
            return
        current = {key(room): room for room in self.service.roomsOf(self.participant)}
        for roomKey, room in current.items():
            if roomKey not in self.shownRooms:
                self.joined(room)
        for roomKey in [k for k in self.shownRooms if k not in current]:
            room = self.shownRooms.pop(roomKey)
            self.sendMessage(
                "PART", channelName(room), prefix=self.hostmask(), tags=self.timeTags()
            )

    def partAll(self) -> Any:
        rooms = self.service.roomsOf(self.participant)
        return self.inTurn([channelName(room) for room in rooms], self.partOne)

    def irc_PART(self, message: Message) -> Any:
        if not self.needParams(message, 1):
            return None
        reason = message.params[1] if len(message.params) > 1 else ""
        channels = [c for c in message.params[0].split(",") if c]
        return self.inTurn(channels, lambda channel: self.partOne(channel, reason))

    def partOne(self, channel: str, reason: str = "") -> Deferred[Any]:
        room = self.roomName(channel)
        if room is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return succeed(None)

        def left(name: str) -> None:
            self.shownRooms.pop(key(name), None)
            params = [channelName(name)] + ([reason] if reason else [])
            self.sendMessage("PART", *params, prefix=self.hostmask(), tags=self.timeTags())

        return self.call(
            self.service.leave, self.participant, room, reason, subject=channel, onSuccess=left
        )

    # NAMES / LIST / TOPIC

    def sendNames(self, channel: str, room: str) -> None:
        """
        C{353 RPL_NAMREPLY} lines for C{room} (operators marked C{@},
        voiced members C{+}), then C{366 RPL_ENDOFNAMES}.
        """
        try:
            nicks = self.service.members(self.participant, room)
        except ChatError:
            nicks = []  # not a member: chatd shows members to members only
        names: list[str] = []
        full = "userhost-in-names" in self.caps
        for nick in nicks:
            prefix = self.statusPrefix(room, nick)
            names.append(prefix + (self.wire.hostmask(nick) if full else nick))
        symbol = "@" if "s" in self.service.roomModes(room) else "="  # secret
        head = formatLine(N.RPL_NAMREPLY, self.me(), symbol, channel, "x", prefix=self.server)
        budget = MAX_LINE - 2 - len(head.encode("utf-8")) + 1
        line: list[str] = []
        used = 0
        for name in names:
            size = len(name.encode("utf-8")) + 1
            if line and used + size > budget:
                self.numeric(N.RPL_NAMREPLY, symbol, channel, " ".join(line))
                line, used = [], 0
            line.append(name)
            used += size
        if line:
            self.numeric(N.RPL_NAMREPLY, symbol, channel, " ".join(line))
        self.numeric(N.RPL_ENDOFNAMES, channel, "End of /NAMES list.")

    def irc_NAMES(self, message: Message) -> None:
        if not message.params:
            self.numeric(N.RPL_ENDOFNAMES, "*", "End of /NAMES list.")
            return
        for channel in message.params[0].split(","):
            room = self.roomName(channel)
            found = self.findRoom(room) if room is not None else None
            if found is None:
                self.numeric(N.RPL_ENDOFNAMES, channel, "End of /NAMES list.")
            else:
                self.sendNames(channelName(found[0]), found[0])

    def irc_LIST(self, message: Message) -> None:
        wanted: set[str] | None = None
        if message.params and message.params[0]:
            wanted = {key(self.roomName(c) or "") for c in message.params[0].split(",")}
        self.numeric(N.RPL_LISTSTART, "Channel", "Users  Name")
        for name, count in self.service.roomsVisibleTo(self.participant):
            if wanted is None or key(name) in wanted:
                self.numeric(N.RPL_LIST, channelName(name), str(count), self.service.topic(name))
        self.numeric(N.RPL_LISTEND, "End of /LIST")

    def irc_TOPIC(self, message: Message) -> Any:
        """
        A room's topic is one of its settings in the service; under C{+t}
        only the room's operators may change it, otherwise any member.
        Every member, the setter included, sees the service's TOPIC.
        """
        if not self.needParams(message, 1):
            return None
        channel = message.params[0]
        room = self.roomName(channel)
        found = self.findRoom(room) if room is not None else None
        if found is None:
            self.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel")
            return None
        channel = channelName(found[0])
        if len(message.params) == 1:
            self.sendTopic(channel, found[0], always=True)
            return None
        if not self.inRoom(found[0]):
            self.numeric(N.ERR_NOTONCHANNEL, channel, "You're not on that channel")
            return None
        text = message.params[1][:TEXT_LENGTH]
        return self.call(self.service.setTopic, self.participant, found[0], text, subject=channel)

    def sendTopic(self, channel: str, room: str, always: bool = False) -> None:
        """
        C{332 RPL_TOPIC} for a room with a topic (and C{333
        RPL_TOPICWHOTIME} when the service knows who set it and when);
        C{331 RPL_NOTOPIC} for
        one without when C{always} (a TOPIC query; a JOIN says nothing).
        """
        topic = self.service.topic(room)
        if topic:
            self.numeric(N.RPL_TOPIC, channel, topic)
            setter = self.service.topicSetter(room)
            if setter is not None:
                self.numeric(RPL_TOPICWHOTIME, channel, setter[0], str(setter[1]))
        elif always:
            self.numeric(N.RPL_NOTOPIC, channel, "No topic is set")

    # Messages

    def irc_PRIVMSG(self, message: Message) -> Any:
        return self.sendText(message, quiet=False)

    def irc_NOTICE(self, message: Message) -> Any:
        return self.sendText(message, quiet=True)

    def sendText(self, message: Message, quiet: bool) -> Any:
        """
        C{PRIVMSG}/C{NOTICE} to channels and nicknames.  A NOTICE reaches
        IRC users as a NOTICE (the service marks it) and others as a
        message; as IRC requires, a NOTICE is never answered with an error.
        """
        if not message.params or not message.params[0]:
            if not quiet:
                self.numeric(N.ERR_NORECIPIENT, f"No recipient given ({message.command})")
            return None
        if len(message.params) < 2 or not message.params[1]:
            if not quiet:
                self.numeric(N.ERR_NOTEXTTOSEND, "No text to send")
            return None
        text = message.params[1]
        self.lastSpoke = self.factory.clock.seconds()
        targets = [t for t in message.params[0].split(",") if t][:MAX_TARGETS]
        tags = clientTags(message)
        return self.inTurn(
            targets, lambda target: self.sendOne(message.command, target, (text,), quiet, tags)
        )

    def irc_TAGMSG(self, message: Message) -> Any:
        """
        A message of client-only tags (C{+typing}, C{+draft/react}): the
        service relays it to IRC clients with C{message-tags}; others show
        nothing.  Like NOTICE, never answered with an error.
        """
        tags = clientTags(message)
        if not message.params or not tags:
            return None
        targets = [t for t in message.params[0].split(",") if t][:MAX_TARGETS]
        return self.inTurn(targets, lambda target: self.sendOne("TAGMSG", target, (), True, tags))

    def sendOne(
        self,
        command: str,
        target: str,
        lines: tuple[str, ...],
        quiet: bool,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> Deferred[Any]:
        service = self.service
        room = self.roomName(target)
        if room is not None:
            shown = self.shownRooms.get(key(room)) or (self.findRoom(room) or (room,))[0]
            if not self.fitsRelay(command, channelName(shown), lines):
                return succeed(None)
            call = self.call(
                service.say,
                self.participant,
                room,
                lines,
                command == "NOTICE",
                tags,
                subject=target,
                errors={
                    34: N.ERR_CANNOTSENDTOCHAN,
                    12: N.ERR_CANNOTSENDTOCHAN,
                    39: N.ERR_CANNOTSENDTOCHAN,
                },
                quiet=quiet,
                onSuccess=lambda event: self.echo(command, target, lines, event),
            )
            return call
        recipient = service.find(target)
        if not self.fitsRelay(command, recipient.nick if recipient else normalize(target), lines):
            return succeed(None)
        away = getattr(recipient, "awayMessage", None)

        def sent(event: object) -> None:
            if away and not quiet:
                self.numeric(N.RPL_AWAY, target, away)
            self.echo(command, recipient.nick if recipient else target, lines, event)

        return self.call(
            service.tell,
            self.participant,
            target,
            lines,
            command == "NOTICE",
            tags,
            subject=target,
            quiet=quiet,
            onSuccess=sent,
        )

    def fitsRelay(self, command: str, target: str, lines: tuple[str, ...]) -> bool:
        """
        Whether C{lines} would be relayed as lines of at most 512 bytes, as
        C{:nick!user@host COMMAND target :text} with C{target} as the
        service names it; if not, the client is told C{417
        ERR_INPUTTOOLONG} (even for a NOTICE: it answers the line's length,
        as for any overlong line) and nothing is relayed.
        """
        prefix = self.hostmask()
        if all(relayFits(command, prefix, target, line) for line in lines):
            return True
        self.numeric(N.ERR_INPUTTOOLONG, "Input line was too long")
        return False

    def echo(self, command: str, target: str, lines: tuple[str, ...], event: object) -> None:
        """
        With C{echo-message}, show the client its own message as the others
        see it: the service's event (same C{msgid}), or, for a message kept
        for an offline user, the text.
        """
        if "echo-message" not in self.caps:
            return
        if isinstance(event, RoomMessage):
            self.send(event.wire(self.wire.roomMessage))
        elif isinstance(event, PrivateMessage):
            self.send(event.wire(self.wire.privateMessage))
        elif lines:
            self.send(messageLines(command, self.hostmask(), target, lines, self.timeTags()))
