# -*- test-case-name: tests.test_talk,tests.test_talk_accounts -*-
"""
Talk mode's slash commands, one C{cmd_<name>} method each.

L{TalkCommands} is a mixin of L{chatd.talk.TalkProtocol}, kept apart so that
the connection's life (login, events, input) and what each command does stay
readable on their own.  Each method takes the rest of the command line,
stripped, and raises L{UsageError} (shown as the usage line) or a
L{ChatError} from the service (shown as C{*** Sorry, ...}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from twisted.internet.defer import maybeDeferred

from chatd.core import errors
from chatd.core.errors import ChatError
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_HISTORY
from chatd.core.names import key
from chatd.talkformat import (
    AGAIN_PROMPT,
    NEW_PASSWORD_PROMPT,
    actionText,
    encodeOldRoomMessage,
    helpText,
    lines,
    serverLine,
    usage,
)

if TYPE_CHECKING:
    from chatd.talk import TalkFactory
    from chatd.telnetfilter import TelnetFilter


class UsageError(ChatError):
    """
    A command was given the wrong arguments; the text is its usage line.
    """

    code = errors.InvalidArgument.code


class TalkCommands:
    """
    The commands of L{chatd.talkformat.COMMANDS}, for L{chatd.talk.TalkProtocol}.
    """

    factory: TalkFactory
    nick: str | None
    room: str | None
    telnet: TelnetFilter
    #: C{/register}'s hidden prompts: C{None} when not registering, else the
    #: passwords typed so far.
    _registering: list[str] | None = None

    @property
    def _me(self) -> IParticipant:
        # The protocol this is mixed into provides IParticipant.
        return cast(IParticipant, self)

    if TYPE_CHECKING:

        def send(self, data: bytes) -> None: ...

        def _currentRoom(self) -> str: ...

        async def _say(self, text: str) -> None: ...

        async def _enter(self, room: str, roomKey: str | None = None) -> None: ...

        def _quit(self, message: str) -> None: ...

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
        service = self.factory.service
        await maybeDeferred(service.tell, self._me, nick, (message.strip(),))
        if service.find(nick) is None:  # kept for a registered user who is away
            self.send(serverLine(f"{nick} is away; they will get it when they log in."))

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
        await maybeDeferred(self.factory.service.rename, self._me, nick)

    async def cmd_register(self, rest: str) -> None:
        if not rest:
            # Asked for without echo, twice, so it never shows on the screen.
            self._registering = []
            self.telnet.hideInput()
            self.send(NEW_PASSWORD_PROMPT.encode())
            return
        await self._register(rest)

    async def _newPassword(self, typed: str) -> None:
        """
        A line typed at C{/register}'s password prompts: the password, then
        the same again; an empty line gives up.
        """
        entered, typed = self._registering or [], typed.strip()
        if self.telnet.inputHidden():
            self.send(b"\r\n")  # the client echoed nothing, not even Enter
        if typed and not entered:
            self._registering = [typed]
            self.send(AGAIN_PROMPT.encode())
            return
        self._registering = None
        self.telnet.showInput()
        if not typed:
            self.send(serverLine("Registration cancelled."))
        elif typed != entered[0]:
            self.send(serverLine("The two passwords differ; nothing was changed."))
        else:
            try:
                await self._register(typed)
            except UsageError as error:
                self.send(serverLine(error.text))
            except ChatError as error:
                self.send(serverLine(f"Sorry, {error.text}."))

    async def _register(self, password: str) -> None:
        # No spaces: TCHAT's "LOGIN <nick> <password>" could not carry them.
        if " " in password:
            raise UsageError(usage("register") + " (4 to 256 characters, no spaces)")
        service = self.factory.service
        nick = self.nick
        assert nick is not None
        known = await maybeDeferred(service.isRegistered, nick)
        await maybeDeferred(service.register, self._me, password)
        if known:
            self.send(serverLine(f"Password changed for {nick}."))
        else:
            self.send(
                serverLine(f"{nick} is now registered: logging in as {nick} needs this password.")
            )

    async def cmd_history(self, rest: str) -> None:
        count = None
        if rest:
            if not (rest.isascii() and rest.isdecimal()) or not 0 < int(rest) <= MAX_HISTORY:
                raise UsageError(usage("history") + f" (n: 1 to {MAX_HISTORY})")
            count = int(rest)
        room = self._currentRoom()
        events = await maybeDeferred(self.factory.service.history, self._me, room, count)
        if not events:
            self.send(serverLine(f"No messages in {room} yet."))
            return
        now = self.factory.clock.seconds()
        many = "message" if len(events) == 1 else f"{len(events)} messages"
        self.send(
            serverLine(f"History of {room}, the last {many}:")
            + b"".join(encodeOldRoomMessage(event, now) for event in events)
            + serverLine("End of history.")
        )

    def cmd_list(self, rest: str) -> None:
        nicks = [user.nick for user in self.factory.service.users() if user.nick is not None]
        self.send(serverLine(f"Online ({len(nicks)}): {', '.join(nicks)}"))

    def cmd_rooms(self, rest: str) -> None:
        service = self.factory.service
        mine = {key(room) for room in service.roomsOf(self._me)}
        rows = []
        for room, count in service.roomsVisibleTo(self._me):
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
        room, _, roomKey = rest.partition(" ")
        await self._enter(self._word("join", room), self._word("join", roomKey, True) or None)

    async def cmd_leave(self, rest: str) -> None:
        room = self._word("leave", rest, optional=True) or self._currentRoom()
        left = await maybeDeferred(self.factory.service.leave, self._me, room)
        rooms = self.factory.service.roomsOf(self._me)
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
        nicks = self.factory.service.members(self._me, room)
        self.send(serverLine(f"In {room} ({len(nicks)}): {', '.join(nicks)}"))

    async def cmd_kick(self, rest: str) -> None:
        nick, _, reason = rest.partition(" ")
        if not nick:
            raise UsageError(usage("kick"))
        await maybeDeferred(self.factory.service.kick, self._me, nick, reason.strip())
        self.send(serverLine(f"{nick} has been disconnected."))

    def cmd_help(self, rest: str) -> None:
        self.send(helpText())

    def cmd_quit(self, rest: str) -> None:
        self._quit(rest)
