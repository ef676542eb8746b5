# -*- test-case-name: tests.unit.talk.test_talk,tests.unit.talk.test_talk_accounts,tests.unit.talk.test_talk_paced -*-  # noqa: E501
"""
Talk mode: a chat room for people on plain C{telnet}, with slash commands.

A newcomer is greeted, picks a nickname (and types its password, unechoed,
if the name is registered: L{chatd.talk.login}) and lands in the default
room, as well as in any room the service put them in (L{chatd.talk.rooms});
every plain line is said in their current room and C{/commands} do the
rest: this module looks them up in the table of L{chatd.talk.commands}.
Telnet negotiation is stripped below the line receiver by
L{chatd.talk.telnet.TelnetFilter}; what people see is formatted by
L{chatd.talk.format}.  All state lives in the service: a TCHAT user in group
C{lobby} and a talk user in C{lobby} see each other.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.core.ctcp import hasText
from chatd.core.errors import ChatError, InvalidArgument, LoginTimedOut
from chatd.core.events import Membership, Notice, PrivateMessage, Redaction, Rename, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_HISTORY
from chatd.core.names import key
from chatd.core.speaking import heardReason
from chatd.lines.factory import ChatFactory
from chatd.lines.lineproto import ChatLineReceiver
from chatd.lines.overlong import ENDLESS_LINE
from chatd.lines.paced import paced, pagesFor
from chatd.lines.roomhold import RoomHold
from chatd.talk import reading
from chatd.talk.commands import COMMANDS
from chatd.talk.format import (
    AGAIN_PROMPT,
    GREETING,
    NICK_PROMPT,
    connectionRefusal,
    encodeLiveRoomMessage,
    encodeMembership,
    encodeNotice,
    encodeOldPrivateMessage,
    encodeOwnPrivateMessage,
    encodePrivateMessage,
    encodeRedaction,
    encodeRename,
    historyPieces,
    inputRefusal,
    lines,
    newPasswordPrompt,
    serverLine,
)
from chatd.talk.liveness import TelnetLiveness
from chatd.talk.login import TalkLogin
from chatd.talk.registration import newPassword
from chatd.talk.rooms import leftRoom, say
from chatd.talk.session import UsageError
from chatd.talk.telnet import TelnetFilter, editLine


@implementer(IParticipant)
class TalkProtocol(TelnetLiveness):
    """
    One person on telnet; a L{chatd.talk.session.TalkSession} for the
    commands.

    @ivar room: the room plain lines go to, or C{None} when in no room.
    @ivar registering: C{/register}'s hidden prompts: C{None} when not
        registering, else the passwords typed so far.
    """

    protocolName = "talk"
    factory: TalkFactory
    telnet: TelnetFilter
    held: RoomHold[bytes]
    room: str | None = None
    registering: list[str] | None = None
    signIn: TalkLogin
    _prompt = b""  # the prompt that waits, unanswered, on the terminal's last line
    # Bytes read since a read that brought text (telnet commands only), and
    # whether this read did.
    _unended = 0
    _ended = False

    @property
    def participant(self) -> IParticipant:
        """
        This connection, as the service knows it.
        """
        return self

    def connectionMade(self) -> None:
        self.signIn = TalkLogin(self)
        self.held = RoomHold(self.factory.clock, self.send)
        self.telnet = TelnetFilter(
            self._lineData,
            self.send,
            self.transport,  # type: ignore[arg-type]
            lambda: self.factory.maxLineLength,
        )
        self.telnet.probeAnswered = self.probeAnswered
        self.telnet.interrupted = self.signIn.interrupted
        self.telnet.echo = self._echo
        self.telnet.endlessNegotiation = self._endless
        super().connectionMade()
        if self._admitted:
            if self.factory.aliveAfter is not None:
                self.telnet.probe()  # does this client answer probes?
            self.telnet.start()  # 8-bit data both ways: UTF-8 typed intact
            self.send(lines(*GREETING) + NICK_PROMPT.encode("utf-8"))

    def dataReceived(self, data: bytes) -> None:
        self.heard()  # telnet answers count, though they carry no line
        if self._closeCall is not None:
            return  # closing: nothing more is read (L{closeWith})
        self._unended += len(data)
        self._ended = False
        self.telnet.dataReceived(data)
        if self._ended:
            self._unended = 0
        elif self._unended > self.factory.floodBacklog + self.factory.maxLineLength:
            # Bytes that never reach the line layer, past what it may hold
            # back: telnet commands that carry no text (a line too long is
            # the line layer's, which drops it as it comes and keeps the
            # connection: chatd.lines.overlong).  The telnet parser is
            # bounded by this.
            self._endless()

    def _endless(self) -> None:
        """
        The client sent telnet commands without end (past the bound above,
        or one subnegotiation past the telnet parser's): it is told, as of
        every other input limit, and the connection closes.
        """
        if self._closeCall is None:
            self.floodRefused(InvalidArgument(ENDLESS_LINE))
            self.closeWith("flooding")

    def _lineData(self, data: bytes) -> None:
        self._ended = True  # text: the line layer bounds what it keeps of it
        ChatLineReceiver.dataReceived(self, data)

    # What the line layer reports

    def inputRefused(self, error: ChatError) -> None:
        if not self.telnet.inputHidden():
            self._prompt = b""  # the line's Enter was echoed: on a new line
        self.send(
            serverLine(inputRefusal(error, self.factory.maxLineLength)) + self._waitingPrompt()
        )

    def floodRefused(self, error: ChatError) -> None:
        refusal = inputRefusal(error, self.factory.maxLineLength)
        self.send(serverLine(refusal))  # closing: no prompt again

    def _waitingPrompt(self) -> bytes:
        """
        The prompt a refused line was typed at: its answer is still awaited.
        """
        if self.signIn.passwordFor is not None:
            return self.signIn.passwordPrompt()
        if self.nick is None:
            return NICK_PROMPT.encode()
        if self.registering is not None:
            rules = self.factory.service.passwordRules
            return (AGAIN_PROMPT if self.registering else newPasswordPrompt(rules)).encode()
        return b""

    def internalError(self) -> None:
        self.send(serverLine("Sorry, something went wrong on the server. Please try again."))

    def refuseConnection(self, error: ChatError) -> None:
        self.send(lines(connectionRefusal(error)))

    # Input

    def send(self, data: bytes) -> None:
        # What comes while a prompt waits on its line starts a line of its
        # own, and the prompt follows it again; so does what the person has
        # typed so far, when chatd echoes it (character mode): it is still
        # being typed.  Telnet commands are no text.
        if data[:1] != b"\xff":
            typed = self.telnet.typed()
            if (self._prompt or typed) and not data.startswith(b"\r\n"):
                data = b"\r\n" + data + (self._prompt if data.endswith(b"\n") else b"")
            self._prompt = data.rpartition(b"\n")[2]
            data += typed
        super().send(data)

    def _echo(self, data: bytes) -> None:
        # What chatd shows of what is typed, in character mode: it goes on
        # the line being typed, after any prompt.
        super().send(data)

    def textReceived(self, text: str) -> Any:
        self._prompt = b""  # Enter: the terminal is on a new line
        typed = editLine(text).rstrip()
        if self.signIn.passwordFor is not None:
            return self._secret(self.signIn.passwordTyped(typed))
        if self.registering is not None:
            return self._secret(newPassword(self, typed))
        if not typed.strip():  # an empty line (a person pressing Enter) says nothing
            if self.nick is None:
                self.send(NICK_PROMPT.encode())  # the prompt, on the line Enter made
            return None
        if typed.lstrip().lower().startswith("/register"):
            return self._secret(self._handle(typed))
        return Deferred.fromCoroutine(self._handle(typed))

    def _secret(self, work: Coroutine[Any, Any, None]) -> Deferred[None]:
        """
        Handle a line that holds a password: a bug met on the way is logged
        without the line (the line layer would log it whole), and the person
        gets the usual apology.
        """

        def failed(failure: Failure) -> None:
            self.log.failure("unexpected error handling a line with a password", failure)
            self.internalError()
            if self.nick is None:
                self.signIn.askNickAgain(b"")

        return Deferred.fromCoroutine(work).addErrback(failed)

    async def _handle(self, typed: str) -> None:
        text = typed.lstrip()
        try:
            if self.nick is None:
                await self.signIn.nickTyped(text)
            elif text.startswith("//"):
                await say(self, text[1:])
            elif text.startswith("/"):
                await self._command(text)
            else:
                await say(self, typed)  # indentation (pasted code) is kept
        except UsageError as error:
            self.send(serverLine(error.text))
        except ChatError as error:
            self.send(serverLine(f"Sorry, {error.text}."))

    async def _command(self, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        command = COMMANDS.find(name.lower())
        if command is None:
            self.send(serverLine(f"Unknown command /{name.lower()}; type /help for the list."))
            return
        await command.run(self, rest.strip())

    def quit(self, message: str) -> None:
        """Say goodbye, tell the rooms at once, close once the goodbye is sent."""
        message = heardReason(self.factory.service, self, message)  # not a muted person's
        reason = f"quit: {message}" if message else "quit"
        self.send(serverLine(f"Goodbye{', ' + self.nick if self.nick else ''}!"))
        if self._admitted:
            self._admitted = False
            self.factory.service.disconnect(self, reason)
        self.closeWith(reason)

    # Events from the service (IParticipant)

    #: Offered as much history as the service gives on entering a room.
    historyOnEnter = MAX_HISTORY
    fetchesMissed = False

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        pieces = historyPieces(room, events, self.factory.clock.seconds(), self.pages)
        paced(self.outbox, pieces).addBoth(lambda _: self.held.release(room))

    def pages(self, events: list[RoomMessage]) -> Iterator[list[RoomMessage]]:
        return pagesFor(self.outbox, events)

    def roomMessage(self, event: RoomMessage) -> None:
        if hasText(event):  # one of tags only (IRC's TAGMSG), or CTCP, has nothing to show
            data = encodeLiveRoomMessage(event, self.factory.clock.seconds())
            if not self.held.keep(event.roomKey, data):
                self.send(data)
            reading.shown(self, event.room, True, event.millis)

    def privateMessage(self, event: PrivateMessage) -> None:
        if not hasText(event):
            return
        if event.waited:  # kept while we were away
            self.send(encodeOldPrivateMessage(event, self.factory.clock.seconds()))
        elif event.sender == self.nick != event.recipient:  # said from another connection
            self.send(event.wire(encodeOwnPrivateMessage))
        else:
            self.send(event.wire(encodePrivateMessage))

    def membershipChanged(self, event: Membership) -> None:
        if not event.joined and self.nick is not None and event.nickKey == key(self.nick):
            leftRoom(self, event)  # kicked, or left from another connection: "You ..."
        else:
            self.send(event.wire(encodeMembership))

    def renamed(self, event: Rename) -> None:
        if event.new == self.nick:
            self.send(serverLine(f"You are now known as {event.new}."))
        else:
            self.send(event.wire(encodeRename))

    def notice(self, event: Notice) -> None:
        if self.signIn.welcomeNotice is not None and event.text == self.signIn.welcomeNotice:
            self.signIn.welcomeNotice = None  # land has already said which rooms
            return
        self.send(event.wire(encodeNotice))

    def messageRedacted(self, event: Redaction) -> None:
        self.send(event.wire(encodeRedaction))

    def disconnect(self, error: ChatError) -> None:
        self._admitted = False  # the service has already forgotten us
        if isinstance(error, LoginTimedOut):  # at the prompt it left unanswered
            self.send(b"\r\n" + serverLine(self.signIn.timedOut()))
        else:
            self.send(serverLine(f"You have been disconnected: {error.text}."))
        self.closeWith(error.text)


class TalkFactory(ChatFactory):
    """
    Builds talk-mode connections for one listener.

    @ivar defaultRoom: where everyone lands after picking a nickname; created
        on first use if it does not exist.
    @ivar aliveAfter: seconds of silence before a TIMING-MARK probe (C{None},
        the default here: none; the daemon's C{--talk-alive-after} is 60).
    """

    protocol = TalkProtocol

    def __init__(
        self,
        *args: Any,
        defaultRoom: str = "lobby",
        **kw: Any,
    ) -> None:
        # People read silently for long stretches: the probe, if any
        # (aliveAfter), is one a telnet client answers unseen.
        kw.setdefault("aliveAfter", None)
        super().__init__(*args, **kw)
        self.defaultRoom = defaultRoom
