# -*- test-case-name: tests.unit.irc.test_irc_sasl,tests.unit.irc.test_irc_protocol,tests.unit.irc.test_irc_keptsignin -*-  # noqa: E501
"""
SASL (IRCv3 C{sasl} 3.1 and 3.2): C{AUTHENTICATE} with C{PLAIN} or
C{SCRAM-SHA-256}, before registration (a login) or after it, and again
(signing in to an account, L{chatd.core.signin}: the core decides, this
module only translates).  After registration it is NickServ's C{IDENTIFY}
(L{signInJoined}): an account signed in here already is joined.

Payloads arrive base64-encoded in chunks of L{SASL_CHUNK} characters; a
SCRAM exchange is two round trips, and its success waits for the client's
C{AUTHENTICATE +} after the server's final message (RFC 5802 over SASL).
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from chatd.core.errors import AlreadyLoggedIn, ChatError, NotLoggedIn
from chatd.core.names import normalize
from chatd.core.scram import MECHANISM as SCRAM
from chatd.core.scram import ScramError, ScramExchange, ScramProof
from chatd.core.signin import checkNoLogin, logInAs, loginUnderWay, scramVerifier
from chatd.core.storedlogin import withdrawProof
from chatd.irc import numerics as N
from chatd.irc.accounts import loggedIn, signInJoined
from chatd.irc.message import Message
from chatd.irc.session import IRCSession

#: SASL payloads arrive base64-encoded in chunks of this many characters.
SASL_CHUNK = 400
#: A payload longer than this is refused (C{905 ERR_SASLTOOLONG}), as is a
#: chunk over L{SASL_CHUNK}: room for two names and a 1024-character
#: password (L{chatd.core.limits.MAX_PASSWORD}) of 4-byte characters.
SASL_MAX = 16 * SASL_CHUNK
#: The mechanisms offered (the C{sasl} capability's value, C{908}).
MECHANISMS = ("PLAIN", SCRAM)


@dataclass
class SaslState:
    """
    One exchange under way: its mechanism, the SCRAM side if it is SCRAM,
    the service's answer it is C{waiting} for (a proof being checked: its
    end, which an aborted exchange's registration waits for, L{abort}),
    and, once proven, the account waiting for the client's last C{+} (and
    whether the connection joined its person, L{signInJoined}).
    """

    mechanism: str
    scram: ScramExchange | None = None
    waiting: Deferred[None] | None = None
    proven: str | None = None
    joined: bool = False


def onAuthenticate(irc: IRCSession, message: Message) -> Any:
    arg = message.params[0]
    state: SaslState | None = irc.sasl
    if "sasl" not in irc.caps:
        irc.numeric(N.ERR_SASLFAIL, "SASL authentication failed")
        return None
    if arg == "*":
        irc.sasl = irc.saslBuffer = None
        irc.numeric(N.ERR_SASLABORTED, "SASL authentication aborted")
        return None
    if state is None:
        if irc.nick is None and alreadyLoggingIn(irc):
            return None
        return start(irc, arg.upper())
    if state.waiting is not None:  # the service's answer ends this step, whatever comes
        if irc.nick is None and alreadyLoggingIn(irc):
            return None
        irc.numeric(N.ERR_SASLFAIL, "SASL authentication failed: one step at a time")
        return None
    if state.proven is not None:  # the "+" after SCRAM's final message
        irc.sasl = None
        if arg != "+":
            return fail(irc, "expected +")
        return succeeded(irc, (state.proven, state.joined))
    if arg != "+":
        irc.saslBuffer = (irc.saslBuffer or "") + arg
    if len(arg) > SASL_CHUNK or len(irc.saslBuffer or "") > SASL_MAX:
        irc.sasl = irc.saslBuffer = None
        irc.numeric(N.ERR_SASLTOOLONG, "SASL message too long")
        return None
    if len(arg) == SASL_CHUNK:
        return None  # more chunks follow
    payload, irc.saslBuffer = irc.saslBuffer or "", None
    try:
        text = b64decode(payload, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return fail(irc, "not base64 UTF-8")
    if state.scram is None:
        return plain(irc, text)
    return scramStep(irc, state, state.scram, text)


def alreadyLoggingIn(irc: IRCSession) -> bool:
    """
    Before registration: whether the connection is logged in already, or
    its login is under way (a proof checked, or being checked), by the
    core's rule (L{checkNoLogin}); then C{907} at once, as IRCv3 SASL asks
    of an C{AUTHENTICATE} after a success.
    """
    try:
        checkNoLogin(irc.service, irc.participant)
    except AlreadyLoggedIn as error:
        irc.numeric(N.ERR_SASLALREADY, f"SASL authentication refused: {error.text}")
        return True
    return False


def abort(irc: IRCSession) -> Deferred[None] | None:
    """
    C{CAP END} ended registration's negotiation with an exchange under way
    (not answered C{903} yet): it is aborted (C{906}), as IRCv3 SASL 3.1
    asks, and the client registers without it, as a guest.  A proof being
    checked is withdrawn (L{withdrawProof}: a wrong password still counts
    towards its back-off) and its answer is ignored (L{current}); one
    proven, whose SCRAM success waits for the client's C{+}, is not logged
    in (L{HeldLogin}).  Gives what registration waits for: the end of a
    login the withdrawal could not stop at once (L{SaslState.waiting}).
    """
    state: SaslState | None = irc.sasl
    if state is None:
        return None
    irc.sasl = irc.saslBuffer = None
    irc.numeric(N.ERR_SASLABORTED, "SASL authentication aborted")
    held: HeldLogin | None = irc.heldLogin
    if held is not None:
        irc.heldLogin = None
        held.login.addErrback(lambda failure: failure.trap(ChatError) and None)
        held.release.errback(NotLoggedIn("SASL authentication aborted"))
    elif state.waiting is not None:
        withdrawProof(irc.service, irc.participant)
    if (
        state.waiting is None
        or state.waiting.called
        or not loginUnderWay(irc.service, irc.participant)
    ):
        return None
    return state.waiting


def current(irc: IRCSession, state: SaslState) -> bool:
    """
    Whether C{state} is still the connection's exchange: the service's
    answer to an exchange aborted meanwhile (L{abort}) is ignored.
    """
    return irc.sasl is state


def start(irc: IRCSession, mechanism: str) -> None:
    if mechanism not in MECHANISMS:
        irc.numeric(N.RPL_SASLMECHS, ",".join(MECHANISMS), "are available SASL mechanisms")
        irc.numeric(N.ERR_SASLFAIL, "SASL authentication failed")
        return
    scram = None
    if mechanism == SCRAM:
        scram = ScramExchange(lambda account: scramVerifier(irc.service, account, irc.participant))
    irc.sasl = SaslState(mechanism, scram)
    irc.saslBuffer = None
    irc.sendMessage("AUTHENTICATE", "+", prefix="")


def fail(irc: IRCSession, reason: str) -> None:
    irc.sasl = irc.saslBuffer = None
    irc.numeric(N.ERR_SASLFAIL, f"SASL authentication failed: {reason}")


def send(irc: IRCSession, text: str) -> None:
    """
    Send a server message in chunks (C{+} after a last full one).
    """
    encoded = b64encode(text.encode("utf-8")).decode("ascii")
    chunks = [encoded[at : at + SASL_CHUNK] for at in range(0, len(encoded), SASL_CHUNK)]
    if not chunks or len(chunks[-1]) == SASL_CHUNK:
        chunks.append("+")
    for chunk in chunks:
        irc.sendMessage("AUTHENTICATE", chunk, prefix="")


def plain(irc: IRCSession, text: str) -> Any:
    """
    A PLAIN response (C{authzid NUL authcid NUL password}): the service
    checks the password of C{authcid}.
    """
    fields = text.split("\0")
    if len(fields) != 3 or not fields[1] or (fields[0] and fields[0] != fields[1]):
        return fail(irc, "malformed PLAIN response")
    state = SaslState("PLAIN")
    irc.sasl = state
    checked = signIn(irc, state, normalize(fields[1]), fields[2])
    return linesWait(irc, answered(irc, state, checked, lambda result: succeeded(irc, result)))


def answered(
    irc: IRCSession,
    state: SaslState,
    checked: Deferred[tuple[str, bool]],
    proven: Callable[[tuple[str, bool]], None],
) -> Deferred[None]:
    """
    The service's answer to C{state}'s proof: C{proven} with the account,
    or the refusal (L{refused}); neither once the exchange was aborted.
    Until it comes, the exchange is L{SaslState.waiting} for it.
    """

    def success(result: tuple[str, bool]) -> None:
        if current(irc, state):
            state.waiting = None
            proven(result)

    def failure(why: Failure) -> None:
        why.trap(ChatError, ScramError)
        if current(irc, state):
            refused(irc, why)

    answer = checked.addCallbacks(success, failure)
    state.waiting = None if answer.called else answer
    return answer


def linesWait(irc: IRCSession, answer: Deferred[None]) -> Deferred[None] | None:
    """
    What the connection's next lines wait for while a proof is checked:
    its C{answer} once registered, one command at a time; nothing before,
    so that a C{CAP END} sent meanwhile aborts the exchange (L{abort}).
    """
    return answer if irc.nick is not None else None


def scramStep(irc: IRCSession, state: SaslState, scram: ScramExchange, text: str) -> Any:
    if scram.server is None:
        first = Deferred.fromCoroutine(scram.first(text))

        def challenge(result: tuple[str, bool]) -> None:
            send(irc, result[0])

        checked = first.addCallback(lambda serverFirst: (serverFirst, False))
        return answered(irc, state, checked, challenge)
    try:
        serverFinal, proof = scram.final(text)
    except ScramError as e:
        return fail(irc, str(e))

    def proven(result: tuple[str, bool]) -> None:
        state.proven, state.joined = result
        send(irc, serverFinal)

    return linesWait(irc, answered(irc, state, signIn(irc, state, proof.account, proof), proven))


@dataclass
class HeldLogin:
    """
    A login SASL proved before registration ended (L{signIn}): C{login}
    goes on, the connection taking its name, joining its account's person
    and entering its rooms, once C{release} fires with the nickname asked
    for by then (L{chatd.irc.registration.tryRegister}), so that everyone
    sees it come with its C{USER}, at one moment.
    """

    release: Deferred[str | None]
    login: Deferred[str]


def signIn(
    irc: IRCSession, state: SaslState, account: str, secret: str | ScramProof
) -> Deferred[tuple[str, bool]]:
    """
    Log in as C{account} (before registration), or sign in to it from the
    logged-in connection as NickServ's C{IDENTIFY} does (L{signInJoined});
    fires with the account's name as it was registered, whatever spelling
    was typed, and whether the connection joined the account's person.
    Before registration it fires once the password is proven, the rest of
    the login held until registration ends (L{HeldLogin}); unless the
    exchange, C{state}, was aborted meanwhile (L{abort}): the login fails.
    """
    if irc.nick is not None:
        return signInJoined(irc, account, secret)
    proof: Deferred[tuple[str, bool]] = Deferred()
    outcome: Deferred[str] = Deferred()  # the login's, once proven

    def held(name: str) -> Deferred[str | None]:
        if not current(irc, state):
            raise NotLoggedIn("SASL authentication aborted")
        release: Deferred[str | None] = Deferred()
        irc.heldLogin = HeldLogin(release, outcome)
        proof.callback((name, False))
        return release

    def settled(result: Any) -> None:
        if proof.called:  # registration's end has it (or the connection closed)
            (outcome.errback if isinstance(result, Failure) else outcome.callback)(result)
        elif isinstance(result, Failure):
            proof.errback(result)  # refused before the proof
        else:  # given a name at once (a server without accounts)
            proof.callback((irc.service.accountName(irc.participant) or result, False))

    maybeDeferred(logInAs, irc.service, irc.participant, account, secret, held).addBoth(settled)
    return proof


def releaseHeld(irc: IRCSession, nick: str | None) -> Deferred[str] | None:
    """
    Registration ended (or the connection closed: C{nick} C{None}): the
    login SASL proved goes on (L{HeldLogin}); its L{Deferred}, or C{None}.
    """
    held: HeldLogin | None = irc.heldLogin
    if held is None:
        return None
    irc.heldLogin = None
    held.release.callback(nick)
    return held.login


def succeeded(irc: IRCSession, result: tuple[str, bool]) -> None:
    """
    C{900} and C{903} for the account in C{result}.  After registration
    the connection keeps its nickname (L{chatd.core.signin}), and those
    sharing a channel with it, and its watchers, hear of the account;
    unless it joined the account's person (the second item), whose name it
    was shown taking and whose channels follow, as after C{IDENTIFY}.
    """
    irc.sasl = None
    account, joined = result
    loggedIn(irc, account, announced=joined)
    irc.numeric(N.RPL_SASLSUCCESS, "SASL authentication successful")


def refused(irc: IRCSession, failure: Failure) -> None:
    """
    C{904} with the service's reason; C{907} (as Ergo answers) when the
    connection is logged in to an account already (or a login is under
    way): the core's one rule, L{chatd.core.signin}, whichever proof came
    first.
    """
    failure.trap(ChatError, ScramError)
    if isinstance(failure.value, AlreadyLoggedIn):
        irc.sasl = irc.saslBuffer = None
        irc.numeric(N.ERR_SASLALREADY, f"SASL authentication refused: {failure.value.text}")
        return
    if isinstance(failure.value, ChatError) and failure.value.temporary:
        unavailable(irc, failure.value)
        return
    text = failure.value.text if isinstance(failure.value, ChatError) else str(failure.value)
    fail(irc, text)


def unavailable(irc: IRCSession, error: ChatError) -> None:
    """
    The core could not decide now (a L{ChatError.temporary}: the database
    is away and this server keeps no credentials of the account, or too
    many password checks wait): not a wrong password.  C{FAIL
    AUTHENTICATE TEMPORARILY_UNAVAILABLE} for clients that read standard
    replies, then the C{904} that ends the exchange (IRCv3 SASL: any
    failure but those other numerics name), its text saying so: irssi
    shows it and, as WeeChat does, connects again later with the same
    password.
    """
    irc.sasl = irc.saslBuffer = None
    irc.sendMessage("FAIL", "AUTHENTICATE", "TEMPORARILY_UNAVAILABLE", error.text, trailing=True)
    irc.numeric(N.ERR_SASLFAIL, f"SASL authentication temporarily unavailable: {error.text}")
