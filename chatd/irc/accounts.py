# -*- test-case-name: tests.unit.irc.test_irc_register,tests.unit.irc.test_irc_sasl,tests.unit.irc.test_irc_nickserv -*-  # noqa: E501
"""
C{REGISTER} (IRCv3 C{draft/account-registration}): a connected IRC client
registers its nickname as an account, through the service's registration,
the one every protocol uses (TCHAT C{REGIS}, talk C{/register}).  And what
a client sees when it is logged in to an account (L{loggedIn}), or signs in
to one once connected (L{signInJoined}: SASL after registration, NickServ's
C{IDENTIFY}).

chatd's accounts are nicknames: the account is the current nickname
(C{ACCOUNT_NAME_MUST_BE_NICK} otherwise), no e-mail is asked for, and
registration needs a completed connection (no C{before-connect}).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from chatd.core import errors, status
from chatd.core.accounts import Secret
from chatd.core.errors import ChatError
from chatd.core.names import key
from chatd.core.signin import signInJoining
from chatd.core.status import ACCOUNT
from chatd.core.usermodes import spelled
from chatd.irc import notify
from chatd.irc import numerics as N
from chatd.irc.channels import timeTags, unshow
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName

#: The capability; its value lists none of the spec's options.
CAPABILITY = "draft/account-registration"


def fail(irc: IRCSession, code: str, account: str, text: str) -> None:
    irc.sendMessage("FAIL", "REGISTER", code, account, text, trailing=True)


def loggedIn(irc: IRCSession, account: str, announced: bool = False) -> None:
    """
    C{irc} is now logged in to C{account} (it registered it, or proved its
    password): C{900}, and once registered C{account-notify} for those
    sharing a channel and those who C{MONITOR} it, unless the service
    C{announced} it already (a registration, on every protocol).
    """
    irc.account = account
    if irc.nick:  # before registration: the nickname asked for, on the name logged in
        mask = irc.wire.hostmask(irc.me(), irc.nick)
    else:  # SASL before registration, which its login waits for: the mask it will have
        host = irc.service.hostOf(irc.participant)
        mask = f"{irc.pendingNick or account}!{irc.ident or account}@{host}"
    irc.numeric(N.RPL_LOGGEDIN, mask, account, f"You are now logged in as {account}")
    if announced:
        return
    if irc.registered:
        notify.changed(irc, ACCOUNT, account)
    else:  # SASL before registration: nobody here to tell, but other nodes keep it
        status.changed(irc.service, irc.participant, ACCOUNT)


def signInJoined(irc: IRCSession, account: str, secret: Secret) -> Deferred[tuple[str, bool]]:
    """
    Sign the connected C{irc} in to C{account} with C{secret}, the core's
    way (L{signInJoining}); fires with the account's name as registered,
    and whether the connection joined the account's person signed in here
    (it is then shown that: L{joinedPerson}).
    """
    before, nick, modes = irc.hostmask(), irc.nick, irc.userModes

    def signedIn(name: str) -> tuple[str, bool]:
        joined = irc.nick != nick  # the person's nickname: nobody else was told
        if joined:
            joinedPerson(irc, before, modes)
        return name, joined

    signingIn = signInJoining(irc.service, irc.participant, account, secret)
    return Deferred.fromCoroutine(signingIn).addCallback(signedIn)


def joinedPerson(irc: IRCSession, before: str, modes: frozenset[str]) -> None:
    """
    C{irc}, which had the mask C{before} and the user modes C{modes},
    joined its account's person: it is shown leaving the channels it had
    (C{PART}, from that mask), taking the person's nickname (C{NICK}) and
    user modes (C{MODE}); the person's channels follow with the service's
    notice of them (L{chatd.irc.channels.syncChannels}).
    """
    tags = timeTags(irc)
    current = {key(room) for room in irc.service.roomsOf(irc.participant)}
    for roomKey in [each for each in irc.shownRooms if each not in current]:
        room = unshow(irc, roomKey) or roomKey
        irc.sendMessage("PART", channelName(room), prefix=before, tags=tags)
    irc.sendMessage("NICK", irc.me(), prefix=before, tags=tags, trailing=True)
    now = irc.userModes
    change = spelled("".join(sorted(now - modes)), "".join(sorted(modes - now)))
    if change:
        irc.sendMessage("MODE", irc.me(), change, prefix=irc.hostmask(), tags=tags, trailing=True)


def onRegister(irc: IRCSession, message: Message) -> Any:
    """
    C{REGISTER <account> <email> <password>}: C{REGISTER SUCCESS} and
    C{900}, or a C{FAIL REGISTER} standard reply.
    """
    account, password = message.params[0], message.params[2]
    if not irc.factory.accountRegistration:
        fail(irc, "TEMPORARILY_UNAVAILABLE", account, "this server keeps no accounts")
        return None
    if not irc.registered or irc.nick is None:
        fail(irc, "COMPLETE_CONNECTION_REQUIRED", account, "register once connected")
        return None
    nick = irc.nick
    if account != "*" and key(account) != key(nick):
        fail(irc, "ACCOUNT_NAME_MUST_BE_NICK", account, "the account is your nickname")
        return None
    if irc.account is not None or irc.service.provenAccount(irc.participant) is not None:
        fail(irc, "ALREADY_AUTHENTICATED", account, "you are logged in to an account")
        return None

    def registered(_: object) -> None:
        irc.sendMessage("REGISTER", "SUCCESS", nick, "Account created", trailing=True)
        loggedIn(irc, nick, announced=True)

    def refused(failure: Failure) -> None:
        failure.trap(ChatError)
        error = failure.value
        assert isinstance(error, ChatError)
        if isinstance(error, errors.InvalidArgument):
            code = "UNACCEPTABLE_PASSWORD"
        elif error.temporary:
            code = "TEMPORARILY_UNAVAILABLE"
        else:
            code = "BAD_ACCOUNT_NAME"
        fail(irc, code, nick, error.text)

    d = maybeDeferred(irc.service.register, irc.participant, password)
    return d.addCallbacks(registered, refused)
