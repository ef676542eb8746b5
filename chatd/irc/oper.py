# -*- test-case-name: tests.test_irc_oper -*-
"""
C{OPER}: an administrator becomes a chatd operator for this connection;
C{KILL}: a chatd operator ends someone's session.

The name and password are an administrator's from chatd's admin password
file (the same argon2 hashes as the admin consoles,
L{chatd.admin.credentials.AdminChecker}, through the daemon's one password
gate with its back-off per name and per address); the check runs in a
thread, off the reactor, and later lines from the client wait for it.  Success makes
the connection a chatd operator (L{IChatService.grantOperator}): operator
in every room, able to kick, as C{--operators} are.  C{WALLOPS}: a chatd
operator's message to everyone who set user mode C{+w} (the service's
L{IChatService.wallops}).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.admin.credentials import AddressedCredentials, TooManyAttempts
from chatd.irc import numerics as N
from chatd.irc.connection import IRCConnection
from chatd.irc.message import Message

RPL_YOUREOPER = "381"
ERR_NOOPERHOST = "491"


class OperCommands(IRCConnection):
    """
    C{OPER name password}.
    """

    operLog = Logger()

    def irc_OPER(self, message: Message) -> Any:
        if not self.needParams(message, 2):
            return None
        checker = self.factory.operChecker
        if checker is None:
            self.numeric(ERR_NOOPERHOST, "No O-lines for your host: this server has no OPER")
            return None
        name, password = message.params[0], message.params[1]
        credentials = AddressedCredentials(
            name.encode("utf-8"), password.encode("utf-8"), self.address
        )

        def granted(_: object) -> None:
            self.service.grantOperator(self.participant)
            self.operLog.info("{nick} is an operator (OPER as {name})", nick=self.me(), name=name)
            self.userModes.add("o")
            self.numeric(RPL_YOUREOPER, "You are now an IRC operator")
            self.sendMessage("MODE", self.me(), "+o", prefix=self.hostmask(), trailing=True)

        def denied(failure: Failure) -> None:
            if failure.check(TooManyAttempts):
                self.numeric(N.RPL_TRYAGAIN, "OPER", "Too many attempts, try again later")
            else:
                self.numeric(N.ERR_PASSWDMISMATCH, "Password incorrect")

        d = maybeDeferred(checker.requestAvatarId, credentials)
        return d.addCallbacks(granted, denied)

    def irc_KILL(self, message: Message) -> Any:
        """
        A chatd operator ends someone's session: the service's kick (the
        person's rooms see them quit with the reason).
        """
        if not self.needParams(message, 1):
            return None
        nick = message.params[0]
        reason = message.params[1] if len(message.params) > 1 else ""
        if not self.service.isOperator(self.participant):
            self.numeric(N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
            return None
        return self.call(
            self.service.kick,
            self.participant,
            nick,
            reason,
            subject=nick,
            errors={12: N.ERR_NOPRIVILEGES},
        )

    def irc_WALLOPS(self, message: Message) -> Any:
        if not self.needParams(message, 1):
            return None
        if not self.service.isOperator(self.participant):
            self.numeric(N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
            return None
        return self.call(
            self.service.wallops,
            self.participant,
            message.params[-1],
            subject="WALLOPS",
            errors={12: N.ERR_NOPRIVILEGES},
        )
