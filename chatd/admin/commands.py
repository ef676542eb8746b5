# -*- test-case-name: tests.unit.admin.test_admin_commands -*-
"""
The moderation console's commands, independent of any transport.

L{AdminConsole.execute} takes one line as an administrator typed it (the
forms of seed 004, plus mute, announce, op, whois, stats and audit) and
returns the text to show.  Telnet, SSH and the daemon's terminal only carry
lines in and out.  A malformed command gets its one-line usage; every action
that changes something is logged and kept in the audit trail.  The
read-only commands and the argument checks are in L{chatd.admin.views}, the
sanctions in L{chatd.admin.sanctioncommands}, the rooms' commands in
L{chatd.admin.roomcommands}, the accounts' in L{chatd.admin.accountcommands}.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.admin import sessions as ends
from chatd.admin.accountcommands import AccountCommands
from chatd.admin.authkeys import AuthorizedKeysFile, keyHolders
from chatd.admin.credentials import readPasswords
from chatd.admin.opgrant import announceDeop, announceOp, operatorsByName
from chatd.admin.outcome import Refusal, allStored, printable, withOutcome
from chatd.admin.views import COMMANDS, Usage
from chatd.core import errors
from chatd.core.absent import isAbsentAnywhere
from chatd.core.calls import afterHeard
from chatd.core.events import Administrator
from chatd.core.roles import IAdministration

__all__ = ["COMMANDS", "AdminConsole", "Consoles", "Usage"]


class AdminConsole(AccountCommands):
    """
    One administrator's console session.

    @ivar shutdown: stops the daemon (wired to the reactor by the tap).
    @ivar passwords: the admin password file, which C{admins} lists.
    @ivar keys: the SSH key file (C{--admin-keys}), which C{admins} lists.
    """

    log = Logger()

    def __init__(
        self,
        service: IAdministration,
        who: str,
        shutdown: Callable[[], object] | None = None,
        passwords: Path | None = None,
    ) -> None:
        super().__init__(service, who)
        self.shutdown = shutdown
        self.passwords = passwords
        self.sessions: set[AdminConsole] = set()
        self.close: Callable[[], object] | None = None
        self.keys: AuthorizedKeysFile | None = None

    def attach(self, close: Callable[[], object], address: str | None = None) -> None:
        """
        A terminal session (telnet, SSH) now shows this console: C{close}
        ends it, e.g. when the account it logged in with is revoked;
        C{address} is its client's, if known.
        """
        self.close = close
        self.address = address or self.address
        self.sessions.add(self)

    def detach(self) -> None:
        """
        The terminal session has ended.
        """
        self.close = None
        self.sessions.discard(self)

    def execute(self, line: str) -> Deferred[str]:
        """
        Run one command line; the L{Deferred} fires with the reply text
        (possibly several lines, never failing).
        """
        words = line.split(None, 2)
        if not words:
            return Deferred.fromCoroutine(self._nothing())
        name = words[0].lower()
        if len(words) > 1 and f"{name} {words[1].lower()}" in COMMANDS:
            name = f"{name} {words[1].lower()}"
            rest = words[2] if len(words) > 2 else ""
        else:
            rest = line.strip()[len(words[0]) :].strip()
        if name not in COMMANDS:
            # The first word of two-word commands ("admin", "add"): their usages.
            forms = [
                usage for command, (usage, _) in COMMANDS.items() if command.startswith(f"{name} ")
            ]
            if forms:
                return maybeDeferred(lambda: Refusal("usage: " + " | ".join(forms)))
            return maybeDeferred(lambda: Refusal(f"unknown command {words[0]!r}; try: help"))
        handler = getattr(self, "cmd_" + name.replace(" ", "_"))
        failed = self._failures()  # a write the command awaited failed if this grows
        postponed = self._postponed()  # one is done again once the database answers
        d = maybeDeferred(handler, rest)
        # The reply waits until what the command did is stored (a ban answered
        # holds after a crash), and in a cluster until every node has heard of
        # it: whoever it banned, muted or kicked is so everywhere by then.
        d.addErrback(self._failed, name)
        d.addCallback(self._stored, failed, postponed)
        d.addCallback(lambda reply: afterHeard(self.service.observer, lambda: reply))
        return d.addCallback(printable)

    def _failures(self) -> int:
        persistence = self.service.persistence
        chat: int = 0 if persistence is None else persistence.writes.failures
        return int(self.moderation.writes.failures) + chat

    def _postponed(self) -> int:
        persistence = self.service.persistence
        return 0 if persistence is None else persistence.writes.postponed

    def _stored(self, reply: str, failed: int, postponed: int) -> Deferred[str]:
        def told(stored: bool) -> str:
            stored = stored and self._failures() == failed
            later = self._postponed() != postponed
            observer = self.service.observer
            everywhere = observer is None or observer.reachesEveryone()
            return withOutcome(reply, stored, everywhere, later)

        persistence = self.service.persistence
        chat = None if persistence is None else persistence.writes
        stored: Deferred[str] = allStored(self.moderation.writes, chat).addCallback(told)
        return stored

    async def _nothing(self) -> str:
        return ""

    def _failed(self, failure: Failure, name: str) -> str:
        if failure.check(Usage):
            return Refusal(
                f"usage: {COMMANDS[name][0]}"
                + (f" ({failure.value})" if str(failure.value) else "")
            )
        if failure.check(errors.ChatError):
            return Refusal(f"refused: {failure.value}")
        self.log.failure("admin command {name!r} failed", failure, name=name)
        return Refusal("internal error (logged with its traceback)")

    # Commands that change things (each is audited)

    def cmd_announce(self, rest: str) -> str:
        if not rest.strip():
            raise Usage("")
        self.service.announce(rest.strip())
        self._audit(f"announce {rest.strip()}")
        reached = [
            user
            for user in self.service.users()
            if not isAbsentAnywhere(user, self.service.observer)
        ]
        return f"announced to {len(reached)} user(s)"

    async def cmd_op(self, rest: str) -> str:
        (typed,) = self._split(rest, 1)
        nick, shown = self._sanctioned(self._nick(typed))  # the account a nickname goes by
        with self.service.changingRights(Administrator(self.who)):  # the rooms show it
            if not self.moderation.op(nick, self.who):
                return Refusal(f"{shown} is already an operator")
            self._audit(f"op {shown}")
            reply = announceOp(self.service, nick, self.shown, shown)
        if self.service.persistence is not None and not await self.service.isRegistered(nick):
            reply += (
                f"\nnote: nobody has registered {nick}: no user may register it now; nobody gets"
                f" these rights until you create the account: add account {nick}"
            )
        return reply

    def cmd_deop(self, rest: str) -> str:
        (typed,) = self._split(rest, 1)
        nick = self._nick(typed)
        account, accountShown = self._sanctioned(nick)
        before = operatorsByName(self.service, nick)
        with self.service.changingRights(Administrator(self.who)):  # the rooms show it
            named, shown = self.moderation.deop(nick), nick
            if not named and account != nick and self.moderation.deop(account):
                named, shown = True, accountShown  # the account the nickname goes by
            held, opers = ends.deopSession(self.service, nick, self.shown)
            announceDeop(self.service, before, self.shown)
        if not (named or held or opers):
            return Refusal(f"{nick} is not an operator")
        self._audit(f"deop {shown}")
        here = " on this node" if getattr(self.service.observer, "moderate", None) else ""
        ended = f"{opers} IRC OPER session(s) as {nick}{here} no longer operators"
        if not (named or held):  # only an administrator's name, given to OPER
            return ended
        return f"{shown} is no longer an operator" + (f"; {ended}" if opers else "")

    async def cmd_admins(self, rest: str) -> str:
        self._split(rest, 0)
        lines = []
        if self.passwords is not None:
            names = sorted(readPasswords(self.passwords))
            lines.append(f"password file: {', '.join(names) if names else 'nobody'}")
        if self.keys is not None:
            lines.append(keyHolders(self.keys))
        persistence = self.service.persistence
        if persistence is None:
            lines.append("accounts flagged admin: none (this server runs without a store)")
        else:
            flagged = await persistence.store.admins()
            lines.append(f"accounts flagged admin: {', '.join(flagged) if flagged else 'none'}")
        return "\n".join(lines)

    async def _flagAdmin(self, rest: str, admin: bool) -> str | None:
        """
        Set the admin flag of the account named in C{rest}; the reply when
        nothing changed, else C{None}.
        """
        (text,) = self._split(rest, 1)
        nick = self._nick(text)
        persistence = self.service.persistence
        if persistence is None:
            raise errors.InvalidArgument("this server has no accounts (it runs without a store)")
        before = await persistence.store.setAdmin(nick, admin)
        if before is None:
            raise errors.InvalidArgument(
                f"{nick} is not a registered account; only registered accounts can be"
                " administrators (the user registers first, or use chatd-admin password NAME)"
            )
        if before == admin:
            return f"{nick} is {'already' if admin else 'not'} an administrator"
        return None

    async def cmd_admin_grant(self, rest: str) -> str:
        unchanged = await self._flagAdmin(rest, True)
        if unchanged is not None:
            return unchanged
        nick = self._nick(rest.strip())
        self._audit(f"admin grant {nick}")
        target = self.service.find(nick)
        if target is not None:
            self.service.notify(target, f"{self.shown} made you an administrator of this server")
        return f"{nick} is now an administrator (logs in with their account password)"

    async def cmd_admin_revoke(self, rest: str) -> str:
        unchanged = await self._flagAdmin(rest, False)
        if unchanged is not None:
            return unchanged
        nick = self._nick(rest.strip())
        self._audit(f"admin revoke {nick}")
        closed = ends.endSessions(self.sessions, self.passwords, nick, sparing=self)
        opers = ends.endOperators(self.service, self.passwords, nick, self.shown)
        tellPeers = getattr(self.service.observer, "moderate", None)
        if tellPeers is not None:  # cluster mode: their sessions on other nodes end too
            tellPeers(ends.REVOKE_ADMIN, nick=nick)
        here = " on this node (the other nodes end theirs)" if tellPeers is not None else ""
        more = f"; {opers} IRC OPER session(s) no longer operators" if opers else ""
        ended = f"{closed} open console session(s) closed{here}{more}"
        return f"{nick} is no longer an administrator; {ended}"

    def cmd_shutdown(self, rest: str) -> str:
        self._split(rest, 0)
        if self.shutdown is None:
            return "shutdown is not available from this console"
        self._audit("shutdown")
        self.service.shuttingDown(self.shown)  # named in the one notice of the stop
        self.shutdown()
        return "shutting down"


class Consoles:
    """
    The daemon's administrator sessions: a console for each administrator
    who logs in (by name, through any terminal), all in one registry, so
    that revoking an administrator ends every session they have open.
    """

    def __init__(
        self,
        service: IAdministration,
        shutdown: Callable[[], object] | None = None,
        passwords: Path | None = None,
        keys: AuthorizedKeysFile | None = None,
    ) -> None:
        self.service = service
        self.shutdown = shutdown
        self.passwords = passwords
        self.keys = keys
        self.sessions: set[AdminConsole] = set()

    def __call__(self, who: str) -> AdminConsole:
        console = AdminConsole(self.service, who, self.shutdown, self.passwords)
        console.sessions, console.keys = self.sessions, self.keys
        return console

    def peerModeration(self, action: str, fields: dict[str, str]) -> None:
        """
        Another node's console revoked an administrator (end their sessions
        and IRC OPER rights here too) or took OPER rights from a user here.
        """
        if action == ends.DEOP_SESSION:
            ends.peerDeop(self.service, fields)
        if action == ends.REVOKE_ADMIN:
            ends.endOperators(self.service, self.passwords, fields["nick"], "an administrator")
            closed = ends.endSessions(self.sessions, self.passwords, fields["nick"])
            if closed:
                AdminConsole.log.info(
                    "{count} session(s) of {nick} closed: revoked on another node",
                    count=closed,
                    nick=fields["nick"],
                )
