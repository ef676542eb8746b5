# -*- test-case-name: tests.unit.irc.test_irc_oper,tests.unit.irc.test_irc_failnames -*-
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
from chatd.core import status
from chatd.core.calls import MaybeDeferred, afterHeard
from chatd.core.usermodes import changeUserModes
from chatd.irc import numerics as N
from chatd.irc.afterreply import keptForReply, sendAfterReply
from chatd.irc.channels import timeTags
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.targetnames import shownTarget

RPL_YOUREOPER = "381"
ERR_NOOPERHOST = "491"

operLog = Logger()


def onOper(irc: IRCSession, message: Message) -> Any:
    checker = irc.factory.operChecker
    if checker is None:
        irc.numeric(ERR_NOOPERHOST, "No O-lines for your host: this server has no OPER")
        return None
    name, password = message.params[0], message.params[1]
    credentials = AddressedCredentials(name.encode("utf-8"), password.encode("utf-8"), irc.address)

    def granted(_: object) -> MaybeDeferred[None]:
        people = irc.service.people
        person = people.personOf(irc.participant)  # the rights are the person's
        # Its other connections are shown their MODE nick +o before the channels' +o.
        made = irc.factory.clock.seconds()
        changeUserModes(people, irc.participant, "o", "", made)
        shown = keptForReply(irc, lambda: irc.service.grantOperator(person, name))
        operLog.info("{nick} is an operator (OPER as {name})", nick=irc.me(), name=name)
        status.changed(irc.service, irc.participant, status.PROFILE)  # other nodes show it
        return afterHeard(irc.service.observer, lambda: answer(shown, made))  # once they do

    def answer(shown: list[bytes], made: float) -> None:
        irc.numeric(RPL_YOUREOPER, "You are now an IRC operator")
        # The change's time, as the channels' lines kept with theirs: not later.
        tags = timeTags(irc, made)
        irc.sendMessage("MODE", irc.me(), "+o", prefix=irc.hostmask(), trailing=True, tags=tags)
        sendAfterReply(irc, shown)  # the channels' +o

    def denied(failure: Failure) -> None:
        if failure.check(TooManyAttempts):
            irc.numeric(N.RPL_TRYAGAIN, "OPER", "Too many attempts, try again later")
        else:
            irc.numeric(N.ERR_PASSWDMISMATCH, "Password incorrect")

    d = maybeDeferred(checker.requestAvatarId, credentials)
    return d.addCallbacks(granted, denied)


def onKill(irc: IRCSession, message: Message) -> Any:
    """
    A chatd operator ends someone's session: the service's kick (the
    person's rooms see them quit with the reason).
    """
    nick = message.params[0]
    reason = message.params[1] if len(message.params) > 1 else ""
    return irc.call(
        irc.service.kick,
        irc.participant,
        nick,
        reason,
        subject=shownTarget(irc, nick),  # nobody's name as typed
        errors={12: N.ERR_NOPRIVILEGES, 20: N.ERR_NOSUCHNICK},  # as for a nick nobody has
    )


def onWallops(irc: IRCSession, message: Message) -> Any:
    return irc.call(
        irc.service.wallops,
        irc.participant,
        message.params[-1],
        subject="WALLOPS",
        errors={12: N.ERR_NOPRIVILEGES},
    )
