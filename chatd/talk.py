# -*- test-case-name: tests.test_talk -*-
"""
Talk mode: a chat room for people on plain C{telnet}, with slash commands.

A newcomer is greeted, picks a nickname and lands in the default room; every
plain line is said in their current room and C{/commands} do the rest (see
L{chatd.talkformat.COMMANDS}).  Telnet negotiation is stripped below the line
receiver by L{chatd.telnetfilter.TelnetFilter}; what people see is formatted
by L{chatd.talkformat}.  All state lives in the service: a TCHAT user in
group C{lobby} and a talk user in C{lobby} see each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IDelayedCall
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd import errors
from chatd.errors import ChatError
from chatd.events import Membership, Notice, PrivateMessage, Rename, RoomMessage
from chatd.interfaces import IParticipant
from chatd.lineproto import ChatFactory, ChatLineReceiver
from chatd.names import isValidName, key, normalize
from chatd.talkformat import (
    ALIASES,
    COMMANDS,
    GREETING,
    NICK_PROMPT,
    actionText,
    encodeMembership,
    encodeNotice,
    encodePrivateMessage,
    encodeRename,
    encodeRoomMessage,
    helpText,
    lines,
    serverLine,
    usage,
)
from chatd.telnetfilter import TelnetFilter, editLine

#: Friendlier words for the refusals the line layer reports.
_INPUT_REFUSALS = {
    "line too long": "Your line was too long and was ignored.",
    "invalid UTF-8": (
        "Your line was not valid UTF-8 and was ignored; please set your terminal to UTF-8."
    ),
    "flooding: too many lines too fast": "You are sending too fast: disconnecting.",
}


class UsageError(ChatError):
    """
    A command was given the wrong arguments; the text is its usage line.
    """

    code = errors.InvalidArgument.code


@implementer(IParticipant)
class TalkProtocol(ChatLineReceiver):
    """
    One person on telnet.

    @ivar room: the room plain lines go to, or C{None} when in no room.
    """

    protocolName = "talk"
    factory: TalkFactory
    room: str | None = None
    _loginCall: IDelayedCall | None = None

    def connectionMade(self) -> None:
        self.telnet = TelnetFilter(
            self._lineData,
            self.send,
            self.transport,  # type: ignore[arg-type]
        )
        super().connectionMade()
        if self._admitted:
            self.send(lines(*GREETING) + NICK_PROMPT.encode("utf-8"))
            timeout = self.factory.loginTimeout
            if timeout is not None:
                self._loginCall = self.factory.clock.callLater(timeout, self._loginTimedOut)

    def _loginTimedOut(self) -> None:
        # Someone who never picks a name must not hold a --max-clients slot.
        self._loginCall = None
        self.send(b"\r\n" + serverLine("No nickname chosen in time: goodbye."))
        self.closeWith("no nickname chosen")

    def dataReceived(self, data: bytes) -> None:
        self.telnet.dataReceived(data)

    def _lineData(self, data: bytes) -> None:
        ChatLineReceiver.dataReceived(self, data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        if self.closeReason == ChatLineReceiver.closeReason and (
            reason is not None and not reason.check(ConnectionDone)
        ):
            self.closeReason = "connection lost"
        if self._loginCall is not None and self._loginCall.active():
            self._loginCall.cancel()
        self._loginCall = None
        super().connectionLost(reason)

    # What the line layer reports

    def inputRefused(self, error: ChatError) -> None:
        self.send(serverLine(_INPUT_REFUSALS.get(error.text, f"Sorry, {error.text}.")))

    def internalError(self) -> None:
        self.send(serverLine("Sorry, something went wrong on the server. Please try again."))

    def refuseConnection(self, error: ChatError) -> None:
        if isinstance(error, errors.ServerFull):
            text = "Sorry, the chat is full right now. Please try again in a little while."
        else:
            text = f"Sorry, {error.text}."
        self.send(lines(text))

    # Input

    def textReceived(self, text: str) -> Any:
        typed = editLine(text).rstrip()
        if not typed.strip():
            return None  # an empty line (a person pressing Enter) says nothing
        return Deferred.fromCoroutine(self._handle(typed))

    async def _handle(self, typed: str) -> None:
        text = typed.lstrip()
        try:
            if self.nick is None:
                await self._login(text)
            elif text.startswith("//"):
                await self._say(text[1:])
            elif text.startswith("/"):
                await self._command(text)
            else:
                await self._say(typed)  # indentation (pasted code) is kept
        except UsageError as error:
            self.send(serverLine(error.text))
        except ChatError as error:
            self.send(serverLine(f"Sorry, {error.text}."))

    async def _login(self, text: str) -> None:
        if text.startswith("/"):
            name = text[1:].split()[0].lower() if text[1:].split() else ""
            if ALIASES.get(name, name) == "quit":
                self._quit("")
                return
            self.send(serverLine("Pick a nickname first.") + NICK_PROMPT.encode())
            return
        service = self.factory.service
        try:
            await maybeDeferred(service.login, self, text)
        except ChatError as error:
            self.send(serverLine(f"Sorry, {error.text}.") + NICK_PROMPT.encode())
            return
        if self._loginCall is not None and self._loginCall.active():
            self._loginCall.cancel()
        self._loginCall = None
        self.send(serverLine(f"Welcome, {self.nick}!"))
        room = self.factory.defaultRoom
        try:
            await self._enter(room)
        except ChatError as error:
            self.send(serverLine(f"Could not enter {room}: {error.text}. /rooms lists the others."))
        self.send(helpText())

    async def _enter(self, room: str) -> None:
        """
        Enter C{room}, creating it if it does not exist, and talk there.
        """
        service = self.factory.service
        try:
            name = await maybeDeferred(service.enter, self, room)
        except errors.NoSuchGroup:
            await maybeDeferred(service.createRoom, self, room)
            name = await maybeDeferred(service.enter, self, room)
        except errors.AlreadyMember:
            name = next(r for r in service.roomsOf(self) if key(r) == key(room))
            self.room = name
            self.send(serverLine(f"You are now talking in {name}."))
            return
        self.room = name
        others = [nick for nick in service.members(self, name) if nick != self.nick]
        if others:
            self.send(serverLine(f"You joined {name}, with {', '.join(others)}."))
        else:
            self.send(serverLine(f"You joined {name}; nobody else is here yet."))

    def _currentRoom(self) -> str:
        """
        The room plain lines go to; if the service no longer has us there,
        the room we joined last.

        @raise ChatError: we are in no room at all.
        """
        rooms = self.factory.service.roomsOf(self)
        keys = {key(room): room for room in rooms}
        if self.room is not None and key(self.room) in keys:
            return keys[key(self.room)]
        self.room = rooms[-1] if rooms else None
        if self.room is None:
            raise UsageError("You are not in any room: /join <room> first.")
        return self.room

    async def _say(self, text: str) -> None:
        await maybeDeferred(self.factory.service.say, self, self._currentRoom(), (text,))

    async def _command(self, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        name = name.lower()
        name = ALIASES.get(name, name)
        handler: Callable[[str], Any] | None = getattr(self, "cmd_" + name, None)
        if name not in COMMANDS or handler is None:
            self.send(serverLine(f"Unknown command /{name}; type /help for the list."))
            return
        result = handler(rest.strip())
        if result is not None:
            await result

    # Commands: each takes the rest of the line, stripped

    @staticmethod
    def _word(command: str, rest: str, optional: bool = False) -> str:
        """
        The single word C{command} takes.

        @raise UsageError: there is none (unless C{optional}), or more than one.
        """
        if (not rest and not optional) or " " in rest:
            raise UsageError(usage(command))
        return rest

    async def cmd_pm(self, rest: str) -> None:
        nick, _, message = rest.partition(" ")
        if not nick or not message.strip():
            raise UsageError(usage("pm"))
        await maybeDeferred(self.factory.service.tell, self, nick, (message.strip(),))

    async def cmd_me(self, rest: str) -> None:
        if not rest:
            raise UsageError(usage("me"))
        assert self.nick is not None
        await self._say(actionText(self.nick, rest))

    async def cmd_name(self, rest: str) -> None:
        nick = self._word("name", rest)
        if nick == self.nick:
            self.send(serverLine(f"You are already called {nick}."))
            return
        # The service tells everyone, us included (see renamed).
        await maybeDeferred(self.factory.service.rename, self, nick)

    def cmd_list(self, rest: str) -> None:
        nicks = [user.nick for user in self.factory.service.users() if user.nick is not None]
        self.send(serverLine(f"Online ({len(nicks)}): {', '.join(nicks)}"))

    def cmd_rooms(self, rest: str) -> None:
        service = self.factory.service
        mine = {key(room) for room in service.roomsOf(self)}
        rows = []
        for room, count in service.rooms():
            where = ""
            if self.room is not None and key(room) == key(self.room):
                where = "  <- you talk here"
            elif key(room) in mine:
                where = "  (joined)"
            people = "person" if count == 1 else "people"
            rows.append(f"  {room} ({count} {people}){where}")
        if not rows:
            self.send(serverLine("There are no rooms yet: /join <room> creates one."))
            return
        self.send(serverLine(f"Rooms ({len(rows)}):") + lines(*rows))

    async def cmd_join(self, rest: str) -> None:
        await self._enter(self._word("join", rest))

    async def cmd_leave(self, rest: str) -> None:
        room = self._word("leave", rest, optional=True) or self._currentRoom()
        left = await maybeDeferred(self.factory.service.leave, self, room)
        rooms = self.factory.service.roomsOf(self)
        if self.room is not None and key(self.room) == key(left):
            self.room = rooms[-1] if rooms else None
        where = (
            f"now talking in {self.room}"
            if self.room is not None
            else "you are in no room now: /join <room>"
        )
        self.send(serverLine(f"You left {left}; {where}."))

    def cmd_who(self, rest: str) -> None:
        room = self._word("who", rest, optional=True) or self._currentRoom()
        nicks = self.factory.service.members(self, room)
        self.send(serverLine(f"In {room} ({len(nicks)}): {', '.join(nicks)}"))

    async def cmd_kick(self, rest: str) -> None:
        nick, _, reason = rest.partition(" ")
        if not nick:
            raise UsageError(usage("kick"))
        await maybeDeferred(self.factory.service.kick, self, nick, reason.strip())
        self.send(serverLine(f"{nick} has been disconnected."))

    def cmd_help(self, rest: str) -> None:
        self.send(helpText())

    def cmd_quit(self, rest: str) -> None:
        self._quit(rest)

    def _quit(self, message: str) -> None:
        """
        Say goodbye, tell the rooms at once, and close once the goodbye is
        sent.
        """
        reason = f"quit: {message}" if message else "quit"
        self.send(serverLine(f"Goodbye{', ' + self.nick if self.nick else ''}!"))
        if self._admitted:
            self._admitted = False
            self.factory.service.disconnect(self, reason)
        self.closeWith(reason)

    # Events from the service (IParticipant)

    def roomMessage(self, event: RoomMessage) -> None:
        self.send(event.wire(encodeRoomMessage))

    def privateMessage(self, event: PrivateMessage) -> None:
        self.send(event.wire(encodePrivateMessage))

    def membershipChanged(self, event: Membership) -> None:
        self.send(event.wire(encodeMembership))

    def renamed(self, event: Rename) -> None:
        if event.new == self.nick:
            self.send(serverLine(f"You are now known as {event.new}."))
        else:
            self.send(event.wire(encodeRename))

    def notice(self, event: Notice) -> None:
        self.send(event.wire(encodeNotice))

    def disconnect(self, error: ChatError) -> None:
        self._admitted = False  # the service has already forgotten us
        self.send(serverLine(f"You have been disconnected: {error.text}."))
        self.closeWith(error.text)


def roomOption(value: str) -> str:
    """
    Check a C{--default-room} value at start-up rather than at every login.

    @raise ValueError: it is not a valid room name.
    """
    name = normalize(value)
    if not isValidName(name):
        raise ValueError(errors.InvalidGroup.reason)
    return name


class TalkFactory(ChatFactory):
    """
    Builds talk-mode connections for one listener.

    @ivar defaultRoom: where everyone lands after picking a nickname; created
        on first use if it does not exist.
    @ivar loginTimeout: seconds a newcomer has to pick a nickname (C{None}:
        forever).
    """

    protocol = TalkProtocol

    def __init__(
        self,
        *args: Any,
        defaultRoom: str = "lobby",
        loginTimeout: float | None = 300.0,
        **kw: Any,
    ) -> None:
        # People read silently for long stretches: no liveness probe.
        kw.setdefault("aliveAfter", None)
        super().__init__(*args, **kw)
        self.defaultRoom = defaultRoom
        self.loginTimeout = loginTimeout
