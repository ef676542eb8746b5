# -*- test-case-name: tests.integration.test_admin_account_commands,tests.unit.admin.test_admin_erasure,tests.unit.admin.test_admin_conversation -*-  # noqa: E501
"""
The console's commands about registered chat accounts: C{add account}
makes one (where guests may not log in, C{--guests off}, nobody can
register one), C{account password} sets a forgotten password, C{account
delete} removes an account (and with C{--erase}, every message sent under
its name: L{chatd.core.erasure}), and C{erase} removes those messages of
any name, such as one whose account is gone; C{conversation} shows the
private messages between two people, for a report, audited
(L{chatd.admin.export}).  They go
through the core (L{chatd.core.accountadmin}), which applies the account
rules and tells every cluster node; each is audited, never with the
password.

The new password is the last word of the line; a terminal console (telnet,
SSH) asks for it twice without echo when it is left out
(L{chatd.admin.shell}, L{askedPassword}).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from chatd.admin import sessions as ends
from chatd.admin.export import exportRows, parseTimes
from chatd.admin.sanctioncommands import SanctionCommands
from chatd.admin.timespec import formatTime
from chatd.admin.views import Usage
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.admin.commands import AdminConsole
    from chatd.core.erasure import Erased

#: The flag of C{account password} that ends the account's sessions.
SIGN_OUT = "--sign-out"
#: The flag of C{account delete} that erases every message sent under the name.
ERASE = "--erase"
#: The command whose secret a terminal console asks for.
PASSWORD_COMMAND = "account password"
#: The command that makes an account, whose password is asked the same way.
ADD_COMMAND = "add account"


def askedPassword(line: str) -> tuple[str, str] | None:
    """
    If C{line} is C{account password <name> [--sign-out]} or C{add account
    <name>} without the password: the account's name as typed and the line
    to run once the password is appended; else C{None} (any other line, run
    as it is).
    """
    words = line.split()
    command = " ".join(words[:2]).lower()
    if len(words) < 3 or command not in (PASSWORD_COMMAND, ADD_COMMAND):
        return None
    rest = words[2:]
    if command == ADD_COMMAND:
        return (rest[0], " ".join([ADD_COMMAND, *rest])) if len(rest) == 1 else None
    if len(rest) == 1 or (len(rest) == 2 and SIGN_OUT in rest and rest[0] != rest[1]):
        name = next(word for word in rest if word != SIGN_OUT)
        return name, " ".join([PASSWORD_COMMAND, *rest])
    return None


#: Why a command with a password of several words is refused.
NO_SPACE = "a password has no spaces (a space ends it)"


class AccountCommands(SanctionCommands):
    """
    The account commands of L{chatd.admin.commands.AdminConsole} (listed in
    L{chatd.admin.views.COMMANDS}).
    """

    passwords: Path | None
    sessions: set[AdminConsole]
    close: Callable[[], object] | None

    async def cmd_add_account(self, rest: str) -> str:
        words = rest.split()
        if len(words) != 2:
            raise Usage(
                "the password is the last word; a telnet or SSH console asks for it,"
                " hidden, when it is left out"
                if len(words) == 1
                else NO_SPACE
                if len(words) > 2
                else ""
            )
        account = await self.service.createAccount(words[0], words[1])
        self._audit(f"add account {account}")
        return f"account {account} created: it logs in with that password"

    async def cmd_account_password(self, rest: str) -> str:
        name, *others = rest.split() or [""]
        signOut = SIGN_OUT in others
        if signOut:
            others.remove(SIGN_OUT)
        if len(others) != 1:
            raise Usage(
                "the new password is the last word; a telnet or SSH console asks for it,"
                " hidden, when it is left out"
                if name and not others
                else NO_SPACE
                if len(others) > 1
                else ""
            )
        nick = self._nick(name)
        done = await self.service.setAccountPassword(nick, others[0], self.shown, signOut)
        self._audit(f"account password {done.account}" + (f" {SIGN_OUT}" if signOut else ""))
        if signOut:
            return f"new password set for {done.account}; {done.signedOut} session(s) signed out"
        return (
            f"new password set for {done.account}; {done.told} session(s) stay signed in"
            f" (told; add {SIGN_OUT} to end them)"
        )

    async def cmd_account_delete(self, rest: str) -> str:
        text, reason = self._split(rest, 1, "optional")
        nick = self._nick(text)
        erasing = reason.split(None, 1)[:1] == [ERASE]
        reason = reason.strip().removeprefix(ERASE).strip() if erasing else reason.strip()
        persistence = self.service.persistence
        flagged = persistence is not None and key(nick) in map(
            key, await persistence.store.admins()
        )
        done = await self.service.deleteAccount(nick, self.shown, reason, erasing)
        flag = f" {ERASE}" if erasing else ""
        self._audit(f"account delete {done.account}{flag} {reason}".rstrip())
        reply = f"deleted the account {done.account}; {done.ended} session(s) ended"
        if done.erased is not None:
            reply += "; " + self._erased(done.erased)
        if done.founded:
            reply += f"; no longer the founder of {', '.join(done.founded)}"
        if flagged:  # its administrator sessions end, as for admin revoke
            closed = ends.endSessions(self.sessions, self.passwords, done.account, sparing=self)
            ends.endOperators(self.service, self.passwords, done.account, self.shown)
            tellPeers = getattr(self.service.observer, "moderate", None)
            if tellPeers is not None:
                tellPeers(ends.REVOKE_ADMIN, nick=done.account)
            reply += f"; it was an administrator: {closed} open console session(s) closed"
        return reply

    async def cmd_conversation(self, rest: str) -> str:
        words = rest.split()
        if len(words) < 3:
            raise Usage("")
        nick, other = self._nick(words[0]), self._nick(words[1])
        try:
            since, until = parseTimes(words[2:], self._now())
        except ValueError as problem:
            raise Usage(str(problem)) from None
        exported = await self.service.exportConversation(nick, other, since, until)
        end = "" if until is None else f" to {formatTime(until)}"
        count = len(exported.messages)
        self._audit(
            f"conversation {nick} {other} from {formatTime(since)}{end}: {count} message(s)"
        )
        rows = exportRows(exported, f"conversation {nick} {other}", until)
        return rows or f"no private message between {nick} and {other} in that span"

    async def cmd_erase(self, rest: str) -> str:
        (text,) = self._split(rest, 1)
        return self._erased(await self.service.eraseMessages(self._nick(text)))

    def _erased(self, erased: Erased) -> str:
        """
        Audit an erasure (its counts, never a message's text), and say what
        it did.
        """
        counts = f"{erased.rooms} room message(s), {erased.private} private message(s)"
        self._audit(f"erase {erased.name}: {counts}")
        return f"erased {counts} sent as {erased.name}"
