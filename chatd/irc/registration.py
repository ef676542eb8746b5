# -*- test-case-name: tests.unit.irc.test_irc_protocol,tests.unit.irc.test_irc_multiclient -*-
"""
Connection registration: C{PASS}, C{NICK}, C{USER}, C{CAP} (SASL's
C{AUTHENTICATE} is L{chatd.irc.sasl}), the welcome burst, and the connection-level commands
C{PING}, C{PONG} and C{QUIT} (C{LUSERS} and C{MOTD}, also sent in the welcome, are
L{chatd.irc.serverinfo}).

Registration completes when the client has given a nickname and C{USER}
and is not negotiating capabilities; only then does the service log it in
(checking the C{PASS} password of a registered nickname), unless SASL has
already logged it in.  A listener with a password of its own
(C{--irc-password}, a private server) takes C{PASS} as that password, and
refuses to register a client without it; its accounts log in with SASL.
"""

from __future__ import annotations

import hmac
from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.python.failure import Failure

from chatd.core import status
from chatd.core.errors import (
    BadPassword,
    Banned,
    BannedFromRoom,
    ChatError,
    ClusterUnavailable,
    GuestsRefused,
    InvalidNick,
    Kicked,
    Muted,
    NickTaken,
    TooFast,
)
from chatd.core.interfaces import connectionsOf
from chatd.core.names import MAX_NAME_LENGTH, isValidName, normalize
from chatd.core.signin import freedByProof, heldFrom
from chatd.core.speaking import heardReason, partingWords
from chatd.irc import numerics as N
from chatd.irc.channels import syncChannels
from chatd.irc.isupport import VERSION
from chatd.irc.listreply import sendIsupport
from chatd.irc.message import Message
from chatd.irc.sasl import abort, releaseHeld
from chatd.irc.serverinfo import onLusers, onMotd
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName


def isRegistered(irc: IRCSession) -> bool:
    """
    Whether C{PASS} comes too late: the client has registered.
    """
    return irc.registered


def hasUser(irc: IRCSession) -> bool:
    """
    Whether C{USER} comes too late: the client has registered or given it.
    """
    return irc.registered or irc.ident is not None


def onPass(irc: IRCSession, message: Message) -> None:
    expected = irc.factory.password
    if expected is None:
        irc.password = message.params[0]
    else:
        irc.serverPasswordGiven = hmac.compare_digest(
            message.params[0].encode("utf-8"), expected.encode("utf-8")
        )


def onUser(irc: IRCSession, message: Message) -> Any:
    ident = "".join(ch for ch in message.params[0] if ch.isalnum() or ch in "-_.")
    irc.ident = (ident or "user")[:MAX_NAME_LENGTH]
    irc.realName = message.params[3]
    return tryRegister(irc)


#: A nickname that cannot be claimed while the cluster is briefly
#: unreachable is "temporarily unavailable" (437), which clients answer as
#: they answer 433 during registration (another nickname, or a retry),
#: rather than an unknown error that leaves them waiting.
NICK_ERRORS = {ClusterUnavailable.code: N.ERR_UNAVAILRESOURCE}
RENAME_ERRORS = {
    **NICK_ERRORS,
    # A rename refused by a sanction (chatd.core.renaming), as IRC servers
    # refuse a reserved nickname (432) or NICK while banned on a channel
    # (435) or kept quiet there (447).
    Banned.code: N.ERR_ERRONEUSNICKNAME,
    Kicked.code: N.ERR_ERRONEUSNICKNAME,
    BannedFromRoom.code: N.ERR_BANNICKCHANGE,
    Muted.code: N.ERR_NONICKCHANGE,
    # Too many renames lately (chatd.core.allowance): "Nick change too fast".
    TooFast.code: N.ERR_NICKTOOFAST,
}


#: A registered nickname asked for without a password, before the welcome:
#: C{433}, as Ergo answers a nickname reserved by an account (a client
#: picks another by itself and comes in as a guest; C{464} left IRC clients
#: such as irssi unregistered, waiting); the text says what the name needs.
RESERVED_ERRORS = {**NICK_ERRORS, BadPassword.code: N.ERR_NICKNAMEINUSE}


def onNick(irc: IRCSession, message: Message) -> Any:
    if not message.params or not message.params[0]:
        irc.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given")
        return None
    nick = normalize(message.params[0])
    if not isValidName(nick):
        irc.numeric(N.ERR_ERRONEUSNICKNAME, nick, InvalidNick.reason)
        return None
    if irc.registered:
        if nick == irc.nick:
            return None
        renaming = maybeDeferred(irc.service.rename, irc.participant, nick)
        return renaming.addErrback(renameRefused, irc, nick)
    # With PASS, the login decides: the account's password may join its person.
    taken = None if irc.password is not None else heldFrom(irc.service, irc.participant, nick)
    if taken is not None and not (irc.caps.negotiating and freedByProof(irc.service, nick)):
        return nickInUse(irc, nick, taken)
    # Held by an account's person, during CAP: SASL may prove that account
    # before CAP END, which then decides (tryRegister).
    irc.pendingNick = nick
    return tryRegister(irc)


def nickInUse(irc: IRCSession, nick: str, taken: NickTaken | ClusterUnavailable) -> None:
    """
    C{433} before the welcome: the client has no nickname until it sends
    another C{NICK}, as clients do by themselves (C{437} while the cluster
    cannot tell who holds it).
    """
    irc.pendingNick = None
    if isinstance(taken, ClusterUnavailable):
        irc.numeric(N.ERR_UNAVAILRESOURCE, nick, taken.text)
        return
    text = taken.text if taken.looksLike else "Nickname is already in use"
    irc.numeric(N.ERR_NICKNAMEINUSE, nick, text)


def renameRefused(failure: Failure, irc: IRCSession, nick: str) -> None:
    """
    A C{NICK} the service refused: C{435} names the channel whose ban keeps
    the client quiet (C{ERR_BANNICKCHANGE}'s parameter on other servers),
    the other refusals the nickname asked for.
    """
    error = failure.trap(ChatError) and failure.value
    assert isinstance(error, ChatError)
    if isinstance(error, BannedFromRoom) and error.room is not None:
        irc.numeric(N.ERR_BANNICKCHANGE, channelName(error.room), error.text)
    else:
        irc.refused(error, nick, RENAME_ERRORS)


def tryRegister(irc: IRCSession) -> Any:
    """
    Complete registration if the client has sent everything it must.
    """
    if irc.registered or irc.ident is None or irc.caps.negotiating:
        return None
    if irc.factory.password is not None and not irc.serverPasswordGiven:
        if irc.pendingNick is None and irc.nick is None:
            return None  # the error waits for a nickname, as registration does
        irc.numeric(N.ERR_PASSWDMISMATCH, "Password incorrect")
        irc.closeLink("Bad password: this server needs its password (PASS)")
        return None
    wanted = irc.pendingNick
    if irc.heldLogin is not None:  # SASL proved an account: the login happens now
        if wanted is None:
            return None  # its NICK still to come
        held = releaseHeld(irc, wanted)
        assert held is not None
        held.addCallback(lambda _: welcome(irc))
        return held.addErrback(registrationRefused, irc, wanted, NICK_ERRORS)
    taken = None
    if wanted is not None and irc.password is None:  # held by an account SASL did not prove
        taken = heldFrom(irc.service, irc.participant, wanted)
    if irc.nick is not None:  # logged in through SASL already
        status.changed(irc.service, irc.participant, status.PROFILE)  # USER's, for other nodes
        if wanted is None or wanted == irc.nick:
            return welcome(irc)
        if len(connectionsOf(irc.service.find(irc.nick))) > 1:
            return welcome(irc)  # the account's other connections keep its name
        if taken is not None:
            return nickInUse(irc, wanted, taken)
        # The nickname asked for differs from the account: take it if
        # the service allows, else stay on the account's name.
        d = maybeDeferred(irc.service.rename, irc.participant, wanted)
        d.addErrback(lambda failure: failure.trap(ChatError) and None)
        return d.addCallback(lambda _: welcome(irc))
    if wanted is None:
        return None
    if taken is not None:
        return nickInUse(irc, wanted, taken)
    nick = wanted

    def login(password: str | None) -> Any:
        def claim() -> Any:
            d = maybeDeferred(irc.service.login, irc.participant, nick, password)
            if password is None:
                d.addErrback(unclaimed, irc, nick)
            return d.addErrback(accountRequired, irc)

        def welcomed(nick: str | None) -> None:
            if nick is not None:  # (None: refused as a guest, closed)
                welcome(irc)

        d = maybeDeferred(claim)
        d.addCallback(welcomed)
        errors = NICK_ERRORS if password is not None else RESERVED_ERRORS
        return d.addErrback(registrationRefused, irc, nick, errors)

    if irc.password is None:
        return login(None)
    # PASS is an account's password; a client may send its server password
    # (a bouncer's, one set for another network): for a name nobody
    # registered, the client comes in as a guest.
    registered = irc.service.isRegistered(nick)
    return registered.addCallback(lambda known: login(irc.password if known else None))


def registrationRefused(
    failure: Failure, irc: IRCSession, nick: str, errors: dict[int, str]
) -> None:
    """
    The service refused the login that completes registration: the
    numeric that names why; after C{465} (a banned account, nickname or
    address, or one kicked for a while), which no retry on this connection
    can change, C{ERROR} and close, as other servers do.  A wrong password
    (C{464}) or a nickname in use (C{433}) leaves the client unregistered,
    free to try again.
    """
    failure.trap(ChatError)
    error = failure.value
    assert isinstance(error, ChatError)
    if isinstance(error, InvalidNick) and irc.pendingNick == nick:
        irc.pendingNick = None  # never the client's: 432 * as for a malformed one
    irc.refused(error, nick, errors)
    if isinstance(error, (Banned, Kicked)):
        irc.closeLink(error.text)


def unclaimed(failure: Failure, irc: IRCSession, nick: str) -> Failure:
    """
    A registered C{nick} asked for without its password is not the
    client's: it has no nickname (C{433 *}) until it picks another, as
    clients do on C{433} by themselves.
    """
    if failure.check(BadPassword) and irc.pendingNick == nick:
        irc.pendingNick = None
    return failure


def accountRequired(failure: Failure, irc: IRCSession) -> Failure | None:
    """
    A guest's registration where only accounts log in (C{--guests off}):
    refused as servers requiring SASL refuse it (Ergo's C{require-sasl}),
    C{FAIL * ACCOUNT_REQUIRED}, then C{ERROR} and the link closes; C{None}
    then, any other refusal as it is.
    """
    error = failure.check(GuestsRefused) and failure.value
    if not isinstance(error, GuestsRefused):
        return failure
    irc.sendMessage("FAIL", "*", "ACCOUNT_REQUIRED", error.text, trailing=True)
    irc.closeLink(error.text)
    return None


def welcome(irc: IRCSession) -> None:
    """
    Send the welcome burst (001-005, LUSERS, MOTD, the user modes its
    person has, then its channels).
    """
    irc.registered = True
    irc.pendingNick = None
    factory = irc.factory
    me = irc.me()
    irc.numeric(
        N.RPL_WELCOME, f"Welcome to the {factory.networkName} IRC network, {irc.hostmask()}"
    )
    irc.numeric(N.RPL_YOURHOST, f"Your host is {irc.server}, running version {VERSION}")
    irc.numeric(N.RPL_CREATED, f"This server was created {factory.created}")
    irc.sendMessage(N.RPL_MYINFO, me, irc.server, VERSION, "Biow", "Ibeiklmnostv")
    sendIsupport(irc)
    onLusers(irc, Message("LUSERS"))
    onMotd(irc, Message("MOTD"))
    if modes := "".join(sorted(irc.userModes)):  # the person's (PASS, SASL): as set at connect
        irc.sendMessage("MODE", me, "+" + modes, prefix=irc.hostmask(), trailing=True)
    syncChannels(irc)
    irc.deliverEarly()  # what the service told it meanwhile (SASL logged it in already)


# Capabilities


def onCap(irc: IRCSession, message: Message) -> Any:
    sub = message.params[0].upper()
    caps = irc.caps = irc.caps.own()
    if sub == "LS":
        if not irc.registered:
            caps.negotiating = True
        lines = caps.ls(message.params[1] if len(message.params) > 1 else None)
        for line in lines[:-1]:
            numericCap(irc, "LS", "*", line)
        numericCap(irc, "LS", lines[-1])
    elif sub == "LIST":
        numericCap(irc, "LIST", caps.listEnabled())
    elif sub == "REQ":
        if not irc.registered:
            caps.negotiating = True
        text = message.params[1] if len(message.params) > 1 else ""
        acknowledged = caps.request(text)
        if acknowledged:
            irc.capabilitiesChanged()
        numericCap(irc, "ACK" if acknowledged else "NAK", text)
    elif sub == "END":
        if not irc.registered:
            caps.negotiating = False
            aborted = abort(irc)  # SASL under way: registration waits for its end
            if aborted is not None:
                return aborted.addCallback(lambda _: tryRegister(irc))
            return tryRegister(irc)
    else:
        irc.numeric(N.ERR_INVALIDCAPCMD, sub, "Invalid CAP command")
    return None


def numericCap(irc: IRCSession, sub: str, *params: str) -> None:
    irc.sendMessage("CAP", irc.me(), sub, *params[:-1], params[-1], trailing=True)


# Connection


def onPing(irc: IRCSession, message: Message) -> None:
    if not message.params:
        irc.numeric(N.ERR_NOORIGIN, "No origin specified")
        return
    irc.sendMessage("PONG", irc.server, message.params[0], trailing=True)


def onPong(irc: IRCSession, message: Message) -> None:
    """
    The answer to our keepalive C{PING}: hearing it is all that matters.
    """


def onQuit(irc: IRCSession, message: Message) -> None:
    reason = partingWords(message.params[0]) if message.params else ""  # as others read it
    if irc.participant.nick:  # a muted person's parting words are not heard
        reason = heardReason(irc.service, irc.participant, reason)
    irc.closeLink(f"Quit: {reason}" if reason else "Quit")
