# -*- test-case-name: tests.unit.core.test_events -*-
"""
What the service tells participants about.

An event is built once per occurrence and handed to every recipient.  Each
front-end turns it into bytes through C{event.wire(encoder)}, which caches the
result per encoder: a message to a room of N members is formatted and encoded
once per wire format, not N times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chatd.core.ctcp import hasText
from chatd.core.names import key

E = TypeVar("E", bound="Event")


class Administrator(str):
    """
    The name of an administrator acting from the console (C{by} of a room
    change or of a room's deletion): front-ends that show who did something
    as a user (IRC's prefix) show the server's services instead, so that a
    user who took the same nickname cannot pass for them.
    """

    __slots__ = ()
    #: What a sentence says before the name (L{shownBy}).
    sentencePrefix = "the administrator "


class Sender(str):
    """
    The name of a stored message's sender (read back from a store), with
    the C{user@host} its lines showed when it said it
    (L{chatd.core.hosts.Hosts.userhostOf}): front-ends that show who said
    something as a mask (IRC's prefix) show that one, the same as live,
    whoever holds the name now.

    @ivar userhost: C{user@host}, or C{""} when the store does not know it
        (a message stored before it kept them).
    """

    userhost: str

    def __new__(cls, name: str, userhost: str = "") -> Sender:
        sender = super().__new__(cls, name)
        sender.userhost = userhost
        return sender


def shownBy(by: str) -> str:
    """
    Who did something, as a sentence names them: an administrator as such.
    """
    return f"{by.sentencePrefix}{by}" if isinstance(by, Administrator) else by


class Event:
    """
    Something that happened at C{when} (Unix time, whole seconds).

    @ivar encoded: what L{wire} computed, by encoder.  A fan-out hot path may
        look its encoder up here first (C{event.encoded[encoder]}, falling
        back to L{wire} on C{KeyError}): that saves a Python call per
        recipient, a measurable share of a delivery.
    """

    __slots__ = ("when", "encoded")

    def __init__(self, when: int) -> None:
        self.when = when
        self.encoded: dict[object, bytes] = {}

    def wire(self: E, encoder: Callable[[E], bytes]) -> bytes:
        """
        C{encoder(self)}, computed once per encoder and then reused.  Most
        calls are an event's first for their encoder: C{dict.get} costs
        them a fifth of a raised C{KeyError}.
        """
        data = self.encoded.get(encoder)
        if data is None:
            data = self.encoded[encoder] = encoder(self)
        return data


def textOnly(encoder: Callable[[RoomMessage], bytes]) -> Callable[[RoomMessage], bytes]:
    """
    For a front-end that shows no tags and takes no CTCP: C{encoder}'s bytes
    for a room message with text, nothing for one of tags only (IRC's
    C{TAGMSG}) or CTCP machinery (L{chatd.core.ctcp.hasText}).  Made once per
    front-end, as the result is what L{Event.wire} caches under.
    """

    def shown(event: RoomMessage) -> bytes:
        return event.wire(encoder) if hasText(event) else b""

    return shown


class RoomMessage(Event):
    """
    C{sender} said C{lines} (one or more lines of text) in C{room}.

    @ivar notice: the sender asked for no automatic reply (IRC's C{NOTICE});
        front-ends without that distinction show it as a normal message.
    @ivar tags: the sender's annotations, C{(name, value)} pairs the service
        relays untouched (IRC's client-only tags, C{+name}).  A message with
        tags and no C{lines} carries only them (IRC's C{TAGMSG}): front-ends
        that show no tags show nothing.
    @ivar msgid: the service's unique id for the message (C{""}: none).
    @ivar millis: when, in milliseconds (C{when} is whole seconds): what
        tells apart, and orders by time, messages sent in one second.
    @ivar status: C{"@"} for a message to the room's operators only (IRC's
        C{STATUSMSG}, L{chatd.core.statusmsg}), else C{""}.
    @ivar roomKey: the room's L{key}, computed once per message for the
        recipients that look rooms up by it.
    """

    __slots__ = (
        "room",
        "roomKey",
        "sender",
        "lines",
        "notice",
        "tags",
        "msgid",
        "millis",
        "status",
    )

    def __init__(
        self,
        room: str,
        sender: str,
        lines: tuple[str, ...],
        when: int,
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
        msgid: str = "",
        millis: int = 0,
        status: str = "",
    ) -> None:
        super().__init__(when)
        self.room, self.sender, self.lines, self.notice = room, sender, lines, notice
        self.roomKey = key(room)
        self.tags, self.msgid = tags, msgid
        self.millis = millis or when * 1000
        self.status = status


class PrivateMessage(Event):
    """
    C{sender} told C{recipient} C{lines}; C{notice}, C{tags}, C{msgid} and
    C{millis} as for L{RoomMessage}.

    @ivar waited: the message was kept for its recipient while they were
        away and is delivered now (set by L{chatd.core.inbox}), so a
        front-end can show it as such without guessing from its age.
    """

    __slots__ = ("sender", "recipient", "lines", "notice", "tags", "msgid", "millis", "waited")

    def __init__(
        self,
        sender: str,
        recipient: str,
        lines: tuple[str, ...],
        when: int,
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
        msgid: str = "",
        millis: int = 0,
    ) -> None:
        super().__init__(when)
        self.sender, self.recipient, self.lines, self.notice = sender, recipient, lines, notice
        self.tags, self.msgid = tags, msgid
        self.waited = False
        self.millis = millis or when * 1000


#: How someone left a room (L{Membership.kind}).
PART, QUIT, KICK = "part", "quit", "kick"


class Membership(Event):
    """
    C{nick} entered (C{joined} true) or left C{room}, with a C{reason}.

    @ivar kind: how it left: L{PART} (by choice; C{reason} is its own
        parting words), L{QUIT} (it disconnected) or L{KICK} (a room
        operator, C{by}, removed it from the room).  Without a kind, a
        reason means L{QUIT}, as before kinds existed.
    @ivar by: who kicked it, for L{KICK}.
    @ivar requester: the connection whose request this event answers (the
        kicker's, L{answers}), else C{None}.
    @ivar roomKey: the L{key} of C{room}, and C{nickKey} of C{nick}, computed
        once per event for the recipients that compare by them.
    """

    __slots__ = (
        "room",
        "nick",
        "joined",
        "reason",
        "kind",
        "by",
        "requester",
        "roomKey",
        "nickKey",
        "moment",
    )

    def __init__(
        self,
        room: str,
        nick: str,
        joined: bool,
        when: float,
        reason: str = "",
        kind: str | None = None,
        by: str = "",
        requester: object = None,
    ) -> None:
        super().__init__(int(when))
        self.moment = when  # to the millisecond when given so (IRC's server-time)
        self.room, self.nick, self.joined, self.reason = room, nick, joined, reason
        self.kind = kind if kind is not None else (QUIT if reason else PART)
        self.by, self.requester = by, requester
        self.roomKey, self.nickKey = key(room), key(nick)


class Rename(Event):
    """
    C{old} is now called C{new}; C{rooms} are the rooms the recipient shares
    with them.
    """

    __slots__ = ("old", "new", "rooms", "moment")

    def __init__(self, old: str, new: str, rooms: tuple[str, ...], when: float) -> None:
        super().__init__(int(when))
        self.moment = when  # to the millisecond when given so (IRC's server-time)
        self.old, self.new, self.rooms = old, new, rooms


class Notice(Event):
    """A server notice (an announcement, a moderation message) for a person."""

    __slots__ = ("text", "moment")

    def __init__(self, text: str, when: float) -> None:
        super().__init__(int(when))
        self.text = text
        self.moment = when  # to the millisecond when given so (IRC's server-time)


class RoomChange(Notice):
    """
    C{by} changed C{room}'s settings: its C{topic} (C{modes} empty) or its
    modes, e.g. C{"+o"} with C{args} C{("alice",)}, C{"+m"}, C{"-v"}.

    It is a L{Notice}, so front-ends that know nothing of modes show its
    C{text}, a sentence; IRC shows C{MODE} or C{TOPIC}.

    @ivar requester: the connection whose request made the change, else
        C{None} (L{answers}).
    """

    __slots__ = ("room", "by", "modes", "args", "topic", "requester")

    def __init__(
        self,
        room: str,
        by: str,
        when: float,
        modes: str = "",
        args: tuple[str, ...] = (),
        topic: str | None = None,
        requester: object = None,
    ) -> None:
        who = shownBy(by)
        if topic == "":
            text = f"{who} cleared the topic of {room}"
        elif topic is not None:
            text = f"{who} set the topic of {room}: {topic}"
        else:
            text = f"{who} set mode {' '.join((modes, *args))} on {room}"
        super().__init__(text, when)
        self.room, self.by, self.modes, self.args, self.topic = room, by, modes, args, topic
        self.requester = requester


def answers(event: object, connection: object) -> bool:
    """
    Whether C{event}, told to a room's every member, is also C{connection}'s
    answer to its own request (a mode, a topic, a kick it asked for): a
    front-end that ties answers to requests (IRC's labelled responses)
    treats it as one rather than as something that happened meanwhile.
    """
    return isinstance(event, (RoomChange, Membership)) and event.requester is connection


class Wallops(Notice):
    """
    A chatd operator's message C{text} to everyone who asked for operators'
    messages (IRC's C{WALLOPS}, to users with mode C{+w}), from C{by}.
    """

    __slots__ = ("by", "message")

    def __init__(self, by: str, message: str, when: float) -> None:
        super().__init__(f"operator message from {by}: {message}", when)
        self.by, self.message = by, message


class Invitation(Notice):
    """
    C{by} invites the recipient, C{nick}, to C{room}: a L{Notice} whose
    C{text} says so, for front-ends with no invitation of their own.
    """

    __slots__ = ("room", "by", "nick")

    def __init__(self, room: str, by: str, nick: str, when: float) -> None:
        super().__init__(f"{by} invites you to join {room}", when)
        self.room, self.by, self.nick = room, by, nick


class OperatorRightsEnded(Notice):
    """
    The recipient connection's chatd operator rights (IRC's C{OPER}) were
    taken away: a L{Notice} whose C{text} says by whom, which IRC also shows
    as user mode C{-o}, so that the client stops showing it as an operator.
    """

    __slots__ = ()


class AlwaysOnChange(Notice):
    """
    The recipient's account was made always on (C{on}), or not, from
    another of its connections: a L{Notice} whose C{text} says so, which
    front-ends with a setting of their own (IRC's C{ALWAYSON}, the web
    page's box) show as that.
    """

    __slots__ = ("on",)

    def __init__(self, on: bool, when: float) -> None:
        state = "on: you stay in your rooms" if on else "off: you leave your rooms"
        super().__init__(f"always on is now {state} when your last connection closes", when)
        self.on = on


class Redaction(Event):
    """
    C{by} deleted the message C{msgid} that C{sender} said in C{room}, or
    told C{recipient} (then C{room} is C{None}), giving C{reason} (may be
    empty).  Front-ends that show deletions have a C{messageRedacted}
    method (L{chatd.core.redaction}); the others hear nothing.
    """

    __slots__ = ("msgid", "by", "reason", "room", "sender", "recipient", "moment")

    def __init__(
        self,
        msgid: str,
        by: str,
        reason: str,
        when: float,
        room: str | None,
        sender: str,
        recipient: str | None = None,
    ) -> None:
        super().__init__(int(when))
        self.moment = when  # to the millisecond when given so (IRC's server-time)
        self.msgid, self.by, self.reason = msgid, by, reason
        self.room, self.sender, self.recipient = room, sender, recipient


class ComposedLines(tuple[str, ...]):
    """
    A message's lines as the service takes them, which remember how their
    sender composed each (C{pieces}: a line's pieces, which IRC's
    C{draft/multiline} joins with C{draft/multiline-concat}), so that IRC
    clients, on every cluster node, are shown the sender's own composition,
    as the specification asks.  For the service and every other front-end
    it is the tuple of lines.
    """

    pieces: tuple[tuple[str, ...], ...]

    def __new__(cls, pieces: tuple[tuple[str, ...], ...]) -> ComposedLines:
        self = super().__new__(cls, ("".join(line) for line in pieces))
        self.pieces = pieces
        return self
