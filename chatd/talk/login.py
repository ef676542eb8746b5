# -*- test-case-name: tests.unit.talk.test_talk,tests.unit.talk.test_talk_accounts,tests.unit.talk.test_talk_typeahead,tests.unit.talk.test_talk_passwordretry,tests.unit.talk.test_talk_joinorder -*-  # noqa: E501
"""
A talk newcomer's way in: the nickname prompt, the password prompt of a
registered name (typed unechoed, and asked again after a wrong one, so a
password retyped is never a nickname), what a newcomer who did not log in
in time is told (the deadline is the service's: L{chatd.core.logindeadline}),
and the welcome that lands them in their rooms.  The connection
(L{chatd.talk.protocol.TalkProtocol}) hands it the lines typed until the
service gave a name; what follows is the commands' (L{chatd.talk.commands}).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from twisted.internet.defer import maybeDeferred

from chatd.core import errors
from chatd.core.errors import ChatError
from chatd.core.names import normalize
from chatd.lines.roomhold import replayOffered
from chatd.talk.commands import COMMANDS, helpText
from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT, serverLine
from chatd.talk.rooms import land

if TYPE_CHECKING:
    from chatd.talk.protocol import TalkProtocol

#: Passwords a registered nickname is asked before the nickname prompt comes back.
PASSWORD_TRIES = 3


class TalkLogin:
    """
    One connection's login.

    @ivar passwordFor: the registered nickname whose password is asked, or
        C{None} when no password prompt waits.
    @ivar wrongPasswords: the wrong passwords typed for C{passwordFor} so far.
    @ivar welcomeNotice: the service's login notice, not shown twice (the
        welcome says which rooms better).
    """

    passwordFor: str | None = None
    wrongPasswords = 0
    welcomeNotice: str | None = None

    def __init__(self, connection: TalkProtocol) -> None:
        self.connection = connection

    def timedOut(self) -> str:
        """
        What a newcomer who did not log in within the service's
        C{--login-timeout} is told, at the prompt it left unanswered.
        """
        if self.passwordFor is not None:
            return "No password given in time: goodbye."
        return "No nickname chosen in time: goodbye."

    def interrupted(self) -> bool:
        """
        ^C typed (telnet's C{IAC IP}, or the byte 0x03 in character mode):
        at the password prompt, cancel it, what was typed of the password
        forgotten, and go back to the nickname prompt.  Anywhere else it is
        not taken (C{False}).
        """
        if self.passwordFor is None:
            return False
        self.connection.discardTypedAhead(rest=False)
        self.askNickAgain(serverLine(f"Cancelled: no password for {self.passwordFor}."))
        return True

    async def nickTyped(self, text: str) -> None:
        """
        A line typed at the nickname prompt: the name to log in as, or one of
        the commands that need no login.
        """
        connection = self.connection
        if text.startswith("/"):
            words = text[1:].split()
            command = COMMANDS.find(words[0].lower()) if words else None
            if command is not None and not command.needsLogin:
                # Nobody has seen this person yet: no parting message.
                await command.run(connection, "")
                return
            connection.send(serverLine("Pick a nickname first.") + NICK_PROMPT.encode())
            return
        await self._logIn(text, None)

    async def passwordTyped(self, typed: str) -> None:
        """
        The line typed at the password prompt: log in with it, or go back to
        the nickname prompt on an empty line.  Echo stays off while the
        password is checked (what is typed meanwhile, a password typed again
        often, does not show), and after a wrong one, which asks again: only
        a login, or the nickname prompt, turns it back on.
        """
        nick, self.passwordFor = self.passwordFor, None
        assert nick is not None
        if self.connection.telnet.inputHidden():
            self.connection.send(b"\r\n")  # the client echoed nothing, not even Enter
        if not typed.strip():
            self.askNickAgain(b"")
            return
        await self._logIn(nick, typed.strip())

    def passwordPrompt(self) -> bytes:
        """
        The password prompt that waits: the first one, or the one asking
        again after a wrong password.
        """
        if not self.wrongPasswords:
            return PASSWORD_PROMPT.encode()
        return (
            f"Password for {self.passwordFor} (or just Enter to pick another nickname): ".encode()
        )

    async def _logIn(self, nick: str, password: str | None) -> None:
        """
        Ask the service for C{nick}; a registered one first needs its
        password (the service answers L{errors.BadPassword} without one).
        What is said in the rooms the login puts the user in follows the
        welcome and its rooms (L{chatd.lines.roomhold.RoomHold.holdAll}),
        and their history, if any.
        """
        held = self.connection.held
        replayed = replayOffered(self.connection.factory.service, self.connection)
        held.holdAll()
        answered = False
        try:
            answered = await self._answer(nick, password)
        finally:
            held.releaseAll(replayed and answered)

    async def _answer(self, nick: str, password: str | None) -> bool:
        """
        L{_logIn}'s answer: whether the user is logged in and welcomed.
        """
        connection = self.connection
        service = connection.factory.service
        try:
            await maybeDeferred(service.login, connection, nick, password)
        except errors.BadPassword as refused:
            if password is None:
                self.passwordFor = normalize(nick)
                self.wrongPasswords = 0
                connection.send(serverLine(f"{self.passwordFor} is a registered nickname."))
                connection.telnet.hideInput()  # IAC WILL ECHO: the client stops echoing
                connection.send(self.passwordPrompt())
            else:
                self._wrongPassword(nick, refused.wait)
            return False
        except ChatError as error:
            self.askNickAgain(serverLine(f"Sorry, {error.text}."))
            return False
        unseen = b"" if password is None else self._dropped(None)
        connection.telnet.showInput()
        connection.send(serverLine(f"Welcome, {connection.nick}!") + unseen)
        already = service.roomsOf(connection)
        if already:
            # The service says the same in a notice; land says it better.
            self.welcomeNotice = "you are in " + ", ".join(already)
        await land(connection, connection.factory.defaultRoom, already)
        connection.send(helpText())
        return True

    def _wrongPassword(self, nick: str, wait: float) -> None:
        """
        A wrong password for C{nick}: its prompt again, echo still off (a
        password retyped after a typo is a password, never a nickname), up
        to L{PASSWORD_TRIES} tries; then the nickname prompt.  The password
        gate's back-off, if any, is said.
        """
        self.wrongPasswords += 1
        left = PASSWORD_TRIES - self.wrongPasswords
        seconds = math.ceil(wait)
        backoff = (
            serverLine(
                "Too many wrong passwords lately: the next one is checked in"
                f" {seconds} second{'s' if seconds != 1 else ''}."
            )
            if seconds > 0
            else b""
        )
        if left <= 0:
            self.askNickAgain(
                serverLine(
                    f"Sorry, wrong password ({PASSWORD_TRIES} tries). What you type shows"
                    " again: it is a nickname now, not a password."
                )
                + backoff
            )
            return
        self.passwordFor = nick
        refusal = serverLine(
            f"Sorry, wrong password: try again ({left} {'tries' if left != 1 else 'try'} left)."
        )
        self.connection.send(
            refusal + self._dropped("the password") + backoff + self.passwordPrompt()
        )

    def askNickAgain(self, refusal: bytes) -> None:
        """
        After C{refusal} of a nickname (or of its password), the nickname
        prompt again, with echo on.  What was typed while the name was
        checked is dropped, and the person told: typed for a prompt that
        never came (a password, often), it is never taken as the next
        nickname.
        """
        self.passwordFor = None
        self.wrongPasswords = 0
        self.connection.telnet.showInput()
        self.connection.send(refusal + self._dropped("a nickname") + NICK_PROMPT.encode())

    def _dropped(self, taken: str | None) -> bytes:
        """
        Drop what was typed ahead of the prompt that comes next (C{taken}:
        only what is typed at it is taken as that), or, C{None}, typed
        unseen while a right password was checked: what to tell the person.
        """
        dropped = self.connection.discardTypedAhead()
        if not dropped:
            return b""
        what = (
            "1 line you typed ahead was"
            if dropped == 1
            else f"{dropped} lines you typed ahead were"
        )
        if taken is None:
            return serverLine(
                f"{what} ignored, not said: typed while your password was checked,"
                " it did not show, and might be a password."
            )
        return serverLine(f"{what} ignored: only what you type at this prompt is taken as {taken}.")
