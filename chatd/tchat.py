# -*- test-case-name: tests.unit.test_tchat,tests.unit.test_tchat_enterorder,tests.unit.cluster.test_cluster_deadpm -*-  # noqa: E501
"""
TCHAT 1, the course's line protocol: C{clt: VERB args} in, C{srv: ...} out.

Every command gets exactly one final line, C{srv: OKAY!} or C{srv: ERROR NN}
(the code of the L{chatd.core.errors.ChatError} the service raised), in the order
the commands came.  SPEAK and MSGPV are followed by a body of C{clt: <text>}
lines ended by C{clt: .}; the whole body is read before the one reply.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.core import errors
from chatd.core.calls import maybeCall
from chatd.core.ctcp import hasText
from chatd.core.errors import ChatError
from chatd.core.events import (
    KICK,
    Membership,
    Notice,
    PrivateMessage,
    Rename,
    RoomMessage,
    shownBy,
)
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_BODY_BYTES, MAX_BODY_LINES
from chatd.core.names import MAX_NAME_LENGTH, isValidRoomName, key, normalize
from chatd.core.speaking import composedLength
from chatd.lines.factory import ChatFactory
from chatd.lines.fanout import RoomFanout, TurnBatch
from chatd.lines.paced import paced, pagesFor
from chatd.lines.roomhold import RoomHold
from chatd.lines.telnetcommands import TelnetCommands
from chatd.tchatalive import TchatLiveness
from chatd.tchatbody import ALIVE, BODY_VERBS, END, PREFIX, TEXT, Body
from chatd.tchatextra import TchatExtensions
from chatd.tchatrefusals import TchatRefusals
from chatd.tchatwire import (
    ANSWERED,
    OKAY,
    encodeError,
    encodeMembership,
    encodeNotice,
    encodePrivate,
    encodeSpeak,
    speakOrNothing,
)


@implementer(IParticipant)
class TchatProtocol(TchatRefusals, TchatExtensions, TchatLiveness):
    """
    One TCHAT connection.
    """

    protocolName = "tchat"
    factory: TchatFactory
    #: The telnet commands in the input, once one came (L{dataReceived}).
    _telnet: TelnetCommands | None = None

    def connectionMade(self) -> None:
        super().connectionMade()
        self.held: RoomHold[bytes] = RoomHold(self.factory.clock, self.send)
        if self._admitted:
            self.send(b"srv: TCHAT 1\n")

    # Input

    def dataReceived(self, data: bytes) -> None:
        """
        Take out the telnet commands a telnet client mixes in (after Ctrl-C:
        C{IAC IP IAC DO TIMING-MARK}), answering its requests
        (L{chatd.lines.telnetcommands}); lines go on as sent.
        """
        if self._telnet is not None or b"\xff" in data:
            if self._telnet is None:
                self._telnet = TelnetCommands()
            data, answers = self._telnet.feed(data)
            if answers:
                self.send(answers)
        super().dataReceived(data)

    def textReceived(self, text: str) -> Any:
        if self._body is not None:
            return self._bodyLine(text)
        aliveOwed, self._aliveOwed = self._aliveOwed, False
        if not text.startswith(PREFIX):
            self.send(encodeError(errors.UnknownCommand.code))
            return None
        verb, spaced, argument = text[len(PREFIX) :].partition(" ")
        if verb in BODY_VERBS:
            self._openBody(verb, argument, aliveOwed)
            return None
        if verb == "ALIVE" and text == PREFIX + verb:
            self.aliveReceived()
            return None  # the answer to our probe: never replied to
        if verb == "ALIVE":  # an extra field, or an empty one, as for any command
            self.send(encodeError(errors.InvalidArgument.code))
            return None
        handler = getattr(self, "cmd_" + verb, None)
        if handler is None:
            self.send(encodeError(errors.UnknownCommand.code))
            return None
        if self.nick is None and verb != "LOGIN":
            self.send(encodeError(errors.NotLoggedIn.code))
            return None
        if spaced and "" in argument.split(" "):
            # Each field follows one space: a leading, trailing or doubled
            # space is an empty field, missing as no field at all is.
            self.send(encodeError(errors.InvalidArgument.code))
            return None
        return self._run(handler, argument)

    def _openBody(self, verb: str, argument: str, aliveOwed: bool) -> Body:
        command = getattr(self, "cmd_" + verb)
        self._body = Body(command, argument, aliveOwed)
        return self._body

    def _bodyLine(self, text: str) -> Any:
        body = self._body
        assert body is not None
        if text == END:
            self._body = None
            if body.refused:
                self.send(encodeError(errors.InvalidArgument.code))
                return None
            if self.nick is None:
                self.send(encodeError(errors.NotLoggedIn.code))
                return None
            return self._run(body.command, body.argument, tuple(body.lines))
        if text == ALIVE and body.aliveOwed:
            body.aliveOwed = False  # the answer to a probe that crossed the SPEAK
            self.aliveReceived()
            return None
        if not text.startswith(PREFIX):
            body.refused = True  # a malformed body is refused as a whole
            return None
        line = text[TEXT:]
        body.size += composedLength(line)
        if len(body.lines) >= self.factory.maxBodyLines or body.size > self.factory.maxBodyBytes:
            body.refused = True
        else:
            body.lines.append(line)
        return None

    def _run(self, command: Callable[..., Any], *args: Any) -> Any:
        """
        Run a command and answer it: at once when the service answered at
        once (C{SPEAK} among most), without a L{Deferred}, which costs a
        busy room more than the message's checks; else once it fires.
        """
        try:
            result = command(*args)
        except Exception:
            self._refused(Failure())
            return None
        if isinstance(result, Deferred):
            return result.addCallbacks(self._okay, self._refused)
        self._okay(result)
        return None

    def _okay(self, extra: object) -> None:
        # Commands answer with extra lines (bytes) before OKAY!, or anything else.
        if extra is not ANSWERED:
            self.send(extra + OKAY if isinstance(extra, bytes) else OKAY)

    def _refused(self, failure: Failure) -> None:
        error = failure.value
        if isinstance(error, errors.SignedInElsewhere):
            # ERROR 23 alone reads as "someone else has this name": why comes
            # first, in a notice, as IRC's 433 and the others' texts carry it.
            self.send(encodeNotice(Notice(error.text, self.factory.clock.seconds())))
        if isinstance(error, ChatError):
            self.send(encodeError(error.code))
        else:
            self.log.failure("TCHAT command failed", failure)
            self.internalError()

    # Commands: each returns extra reply lines (or None) or raises ChatError

    @staticmethod
    def _single(argument: str) -> str:
        if not argument or " " in argument:
            raise errors.InvalidArgument()
        return argument

    def cmd_LOGIN(self, argument: str) -> Any:
        nick, _, password = argument.partition(" ")
        if not nick or " " in password:
            raise errors.InvalidArgument()
        service = self.factory.service
        # The rooms it is put in talk after its OKAY! (L{RoomHold.untilAnsweredAll}).
        ask = lambda: maybeCall(service.login, self, nick, password or None)  # noqa: E731
        return self.held.untilAnsweredAll(ask, False).addCallback(self._loggedIn, nick)

    def _loggedIn(self, shown: str, typed: str) -> object:
        """
        C{OKAY!}; if the connection is not called what its LOGIN typed, a
        notice then says what it is called, and why.
        """
        if shown == normalize(typed):
            return None
        own = shown == self.factory.service.accountName(self)
        why = "name, as it was registered" if own else "nickname on its other connections"
        notice = Notice(f"you are {shown} (your account's {why})", self.factory.clock.seconds())
        self.send(OKAY + encodeNotice(notice))
        return ANSWERED

    def cmd_CREAT(self, argument: str) -> Any:
        name = self._single(argument)
        if not isValidRoomName(normalize(name), MAX_NAME_LENGTH):  # TCHAT's 16, not 49
            raise errors.InvalidGroup(
                f"a group TCHAT creates is 1 to {MAX_NAME_LENGTH} letters, digits, '_' or '-'"
            )
        return self.factory.service.createRoom(self, name)

    def cmd_ENTER(self, argument: str) -> Any:
        """
        C{ENTER <group>}, or C{ENTER <group> <key>} for a group with a key
        (a chatd extension; strict TCHAT 1 clients never send a key).
        """
        group, _, roomKey = argument.partition(" ")
        group, roomKey = self._single(group), self._single(roomKey) if roomKey else ""
        entered = maybeCall(self.factory.service.enter, self, group, roomKey or None)
        return self.held.untilAnswered(group, entered)  # the group's lines follow the OKAY!

    def cmd_LEAVE(self, argument: str) -> Any:
        return self.factory.service.leave(self, self._single(argument))

    def cmd_LSMEM(self, argument: str) -> bytes:
        room = self._single(argument)
        names = self.factory.service.members(self, room)
        room = self.factory.service.storedName(room)  # as its events name it, however typed
        lines = [f"srv: LSMEM {room} {len(names)}\n"] + [f"srv: {name}\n" for name in names]
        return "".join(lines).encode("utf-8")

    def cmd_SPEAK(self, argument: str, lines: tuple[str, ...]) -> Any:
        return self.factory.service.say(self, self._single(argument), lines)

    def cmd_MSGPV(self, argument: str, lines: tuple[str, ...]) -> Any:
        return self.factory.service.tell(self, self._single(argument), lines)

    def cmd_REGIS(self, argument: str) -> Any:
        return self.factory.service.register(self, self._single(argument))

    def cmd_HISTO(self, argument: str) -> Any:
        room, _, count = argument.partition(" ")
        if not room or (count and not (count.isascii() and count.isdigit())):
            raise errors.InvalidArgument()
        d = maybeDeferred(self.factory.service.history, self, room, int(count) if count else None)
        return d.addCallback(self._history)

    def _history(self, events: list[RoomMessage]) -> Deferred[object]:
        """
        The SPEAK lines of C{events} and C{OKAY!}, a page at a time as the
        reader takes them (L{chatd.lines.paced}): nothing else comes between.
        """
        pages = (
            b"".join(e.wire(encodeSpeak) for e in page) for page in pagesFor(self.outbox, events)
        )
        return paced(self.outbox, chain(pages, [OKAY])).addCallback(lambda _: ANSWERED)

    # Events from the service (IParticipant)

    #: None: a SPEAK line cannot say it is history, so a client written from
    #: the protocol would take a replay for live messages.  HISTO asks.
    historyOnEnter = 0
    fetchesMissed = False

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        """
        Never called: L{historyOnEnter} is 0.
        """

    def roomMessage(self, event: RoomMessage) -> None:
        """
        One room message, outside a room's fan-out (which gives runs, see
        L{roomMessages}): a message to a room's operators, or an echo to
        the sender's other connections.
        """
        outbox = self.outbox
        if outbox is not None and (data := event.wire(speakOrNothing)):
            if not self.held.keepInOrder(event.roomKey, data, outbox):
                outbox.write(data)

    @property
    def fanout(self) -> RoomFanout:
        """Where the room messages for this connection gather (L{roomMessages})."""
        return self.factory.flusher.fanout

    def roomMessages(self, batch: TurnBatch, start: int) -> None:
        """
        A run of a room's messages at once (L{chatd.lines.fanout}).
        """
        outbox = self.outbox
        if outbox is not None and (data := batch.owed(self, start, speakOrNothing)):
            held = self.held
            if not (held.holding and held.keep(batch.roomKey, data)):
                outbox.queue(data)

    def privateMessage(self, event: PrivateMessage) -> None:
        if hasText(event):  # one of tags only, or CTCP, has nothing to show here
            self.send(event.wire(encodePrivate))

    def membershipChanged(self, event: Membership) -> None:
        if event.kind == KICK and self.nick is not None and event.nickKey == key(self.nick):
            # TCHAT's LEAVE has no reason: the one removed reads who and why first.
            why = f": {event.reason}" if event.reason else ""
            text = f"you were removed from {event.room} by {shownBy(event.by)}{why}"
            self.send(encodeNotice(Notice(text, event.when)))
        elif self.held.keepInOrder(event.roomKey, event.wire(encodeMembership), self.outbox):
            return  # of a group being entered: after its OKAY!
        self.send(event.wire(encodeMembership))

    def renamed(self, event: Rename) -> None:
        # TCHAT has no rename line: members see the old name leave and the new
        # one enter, which keeps a strict client's member lists right; its
        # own person's rename (from another connection) is said first.
        if event.new == self.nick:
            self.send(encodeNotice(Notice(f"you are now {event.new}", event.when)))
        self.send(
            "".join(
                f"srv: LEAVE {room} {event.old} {event.when}\n"
                f"srv: ENTER {room} {event.new} {event.when}\n"
                for room in event.rooms
            ).encode("utf-8")
        )

    def notice(self, event: Notice) -> None:
        self.send(event.wire(encodeNotice))

    def disconnect(self, error: ChatError) -> None:
        self._admitted = False  # the service has already forgotten us
        if isinstance(error, (errors.Killed, errors.Kicked, errors.Banned)) or (
            isinstance(error, errors.NickTaken) and error.text != error.reason
        ):
            # ERROR 27, 26 and 24 say only that someone ended the session, and
            # a 23 ending one (another node took the name) nothing of why: who
            # and why come first, as IRC's ERROR and the web's bye carry them.
            self.send(encodeNotice(Notice(error.text, self.factory.clock.seconds())))
        self.send(encodeError(error.code))
        self.closeWith(error.text)


class TchatFactory(ChatFactory):
    """
    Builds TCHAT connections for one listener.

    @ivar maxBodyLines: lines in one SPEAK or MSGPV body.
    @ivar maxBodyBytes: characters in one body.
    """

    protocol = TchatProtocol

    def __init__(
        self,
        *args: Any,
        maxBodyLines: int = MAX_BODY_LINES,
        maxBodyBytes: int = MAX_BODY_BYTES,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.maxBodyLines = maxBodyLines
        self.maxBodyBytes = maxBodyBytes
