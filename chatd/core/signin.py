# -*- test-case-name: tests.unit.irc.test_irc_sasl,tests.unit.core.test_multiconnection,tests.unit.irc.test_irc_nickserv,tests.unit.cluster.test_cluster_seconddevice -*-  # noqa: E501
"""
Signing in to an account from a connection that is logged in already (IRC
SASL after registration, or a second time): the core's rule, which the
front-ends only translate.

A login names the account it proves, so a connection that logs in is
called by its account's name, or by the nickname it asked for before
(L{takePreferred}: IRC's C{NICK} before SASL).  Proving an account's
password (or a SCRAM proof, L{chatd.core.accounts.Secret}) from a
logged-in connection, as IRCv3 SASL 3.2 reauthentication allows, is:

  - for the account it is signed in to, or its own nickname's: the
    connection is (still) the account's signed-in person (its operator
    rights, if the name has any);
  - for another account, under a nickname nobody registered, whose name
    nobody else holds: the connection is signed in to it (its read
    markers, the rooms it founds, its operator rights, its sanctions)
    under the nickname it has, and may take the account's name now
    (C{NICK}: whoever proved the password may);
  - refused: another account from a connection whose nickname is an
    account's name, as it is when it logged in under its account's name
    (L{errors.AlreadyLoggedIn}, which IRC answers C{907} as Ergo does:
    that nickname, its private history and its read markers would name
    two people), whichever proof came first (C{PASS}, SASL, NickServ, a
    registration); an account signed in elsewhere (L{errors.NickTaken}: a
    new connection that logs in with it joins that person, and its limit
    of connections, instead, and so does a signed-in connection through
    L{signInJoining}, IRC's SASL and NickServ's C{IDENTIFY}; refused,
    here or on another node of a cluster, under its name or another, only
    once the password is proven, as a login is, so a wrong password tells
    nothing of who is signed in and counts as any; in a cluster, claimed
    first: L{chatd.core.accountclaim}); another account from
    a connection that shares its person with others
    (L{errors.InvalidArgument}: a person's connections are one account);
    and, once the password is proven, an account (or a nickname, or an
    address) the console banned or kicked, as a login is (L{errors.Banned},
    L{errors.Kicked}: the same check, with the reason and the time left).

Nothing is checked or changed for a server without accounts (no store).
A new connection that logs in to an account signed in here joins that
person, and is told its rooms (L{welcomeJoined}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred, succeed
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.accountclaim import claimedAccount
from chatd.core.accounts import Secret
from chatd.core.calls import MaybeDeferred, maybeCall
from chatd.core.delivery import connectionsOf
from chatd.core.entryreplay import RoomsEntered
from chatd.core.names import isValidName, key, normalize
from chatd.core.participant import IParticipant
from chatd.core.person import Person

if TYPE_CHECKING:
    from chatd.core.entryreplay import Cut
    from chatd.core.service import ChatService


def scramVerifier(
    service: object, account: str, participant: IParticipant | None = None
) -> Deferred[str | None]:
    """
    C{account}'s SCRAM verifier in C{service} (a L{ChatService}), for a
    SCRAM exchange (L{chatd.core.scram}) of C{participant}; C{None} without
    a store.  One the store's absence kept from being read leaves the proof
    unchecked, as a password's (L{logInAs}): the login without one that
    follows is told "try again later", not "wrong password".
    """
    persistence = getattr(service, "persistence", None)
    if persistence is None:
        return succeed(None)
    verifier: Deferred[str | None] = persistence.accounts.scramVerifier(account)

    def unchecked(failure: Failure) -> Failure:
        if failure.check(errors.StoreUnavailable) and participant is not None:
            persistence.login.proofUnchecked(participant, account)
        return failure

    return verifier.addErrback(unchecked)


async def signInAgain(chat: object, participant: IParticipant, account: str, secret: Secret) -> str:
    """
    Prove C{secret} for C{account} from the logged-in C{participant}, in
    C{chat} (a L{ChatService}); fires with the account's name, as it was
    registered, once proven.

    @raise NotLoggedIn: C{participant} is not logged in.
    @raise AlreadyLoggedIn: it is signed in to another account.
    @raise BadPassword: no such account, a wrong password, or no store.
    @raise NickTaken: the account is signed in from elsewhere, here or
        on another node of a cluster (L{errors.SignedInElsewhere}, as a
        login is told), once the password is proven: a wrong one is a
        wrong password (and counts towards its back-off).
    @raise InvalidArgument: the connection shares its name with others.
    @raise TooManyAttempts: the password gate is full (try again later).
    @raise Banned: (or L{errors.Kicked}) the account, the connection's
        nickname or its address may not log in now: a login's refusal
        (L{chatd.core.login.Logins.checkSanctions}), after the password, as
        a login's (only the owner learns why).
    """
    service = cast("ChatService", chat)
    nick = service.requireLogin(participant)
    persistence = service.persistence
    if persistence is None:
        raise errors.BadPassword("this server keeps no accounts")
    account = normalize(account)
    if not isValidName(account):
        raise errors.BadPassword()
    refuseAnother(service, participant, account)
    settling = None
    if key(account) != key(nick):
        if service.logins.heldByOther(participant, account):  # refused once it is proven
            settling = _heldElsewhere(service, account)
        if len(connectionsOf(service.people.personOf(participant))) > 1:
            raise errors.InvalidArgument(
                f"{nick} is signed in from other connections too, which share its account"
            )
    try:
        proven, _ = await persistence.login.verifyLogin(participant, account, secret)
        if proven is not None:  # its ignore list, before anyone can reach it
            await service.ignores.atLogin(proven)
        if proven is None or not service.isLoggedIn(participant):
            raise errors.BadPassword()
        for name in dict.fromkeys([proven, service.requireLogin(participant)]):
            service.logins.checkSanctions(participant, name)  # a login's refusal, told the owner
        if settling is not None:  # its holder's process may have died: once settled,
            await settling
            if not service.isLoggedIn(participant):
                raise errors.NotLoggedIn("the connection closed during the sign-in")
    finally:
        if settling is not None and not settling.called:
            settling.cancel()
    _refuseIfHeld(service, participant, proven)  # before the claim, which says less
    return await claimedAccount(
        service, participant, proven, lambda: _prove(service, participant, proven)
    )


def _refuseIfHeld(service: ChatService, participant: IParticipant, account: str) -> None:
    nick = service.requireLogin(participant)  # (still connected)
    if key(account) != key(nick) and service.logins.heldByOther(participant, account):
        _refuseHeld(service, account)  # held on another node: refused now, to its owner only


def _prove(service: ChatService, participant: IParticipant, account: str) -> str:
    """
    C{participant} proved C{account}'s password and, in a cluster, claimed
    it (L{claimedAccount}): signed in to it, unless it was held meanwhile.
    """
    _refuseIfHeld(service, participant, account)
    refuseAnother(service, participant, account)  # (signed in meanwhile by another proof)
    service.people.accounts.prove(participant, account)
    return account


def _heldElsewhere(service: ChatService, account: str) -> Deferred[None] | None:
    """
    For C{account}, held by someone else: if it is signed in on another
    node of a cluster, the wait for its holder's node to settle before
    that refusal (L{Logins.checkName}, as a login's), which comes only once
    the password is proven (a wrong one is a wrong password, and tells
    nothing of who is signed in); else C{None}, refused at once.
    """
    logins = service.logins
    holder = logins.holderOf(account)
    if holder is None or not (logins.isAccount(account) and logins.heldElsewhere(holder, account)):
        return None
    settling = logins.checkName(account, passwordFollows=True, proof=True)
    return settling if settling is not None else succeed(None)


def _refuseHeld(service: ChatService, account: str) -> None:
    """
    C{account} is held by someone else, whom a signed-in connection does
    not join: signed in on another node of a cluster, joined from there
    only (L{Logins.taken}); signed in here, by logging in with it.

    @raise NickTaken: (or L{errors.ClusterUnavailable}) why.
    """
    holder = service.logins.holderOf(account)
    refusal = None
    if holder is not None and not service.people.isConnected(holder):
        refusal = service.logins.taken(holder, account)
    if refusal is not None and refusal.text != errors.NickTaken.reason:
        raise refusal  # on another node of a cluster: joined from there only
    raise errors.NickTaken(f"{account} is signed in elsewhere: connect with it to join")


async def signInJoining(
    chat: object, participant: IParticipant, account: str, secret: Secret
) -> str:
    """
    L{signInAgain}, but as a login for a connection that signs in only once
    connected (IRC's SASL after registration, NickServ's C{IDENTIFY}:
    irssi's, HexChat's, WeeChat's scripts'): proving the password of an
    account signed in here (another device), a connection signed in to
    none and alone in its person joins that person, as a login with that
    password does (L{Joining.joinPerson}:
    its nickname and rooms, its limit of connections).  Its own name and
    rooms go first, as if it had disconnected (its rooms' members see it
    quit); nobody is told of the join.  Any other case is L{signInAgain}'s,
    and a refusal is the one it or a login gives (the password, the gate,
    the console's sanctions, an account on another node of a cluster).
    """
    service = cast("ChatService", chat)
    service.requireLogin(participant)
    account = normalize(account)
    if not isValidName(account) or _joinable(service, participant, account) is None:
        return await signInAgain(chat, participant, account, secret)
    refuseAnother(service, participant, account)
    persistence = service.persistence
    assert persistence is not None
    proven, _ = await persistence.login.verifyLogin(participant, account, secret)
    if proven is not None:  # its ignore list, before anyone can reach it
        await service.ignores.atLogin(proven)
    if proven is None or not service.isLoggedIn(participant):
        raise errors.BadPassword()
    service.logins.checkSanctions(participant, proven)  # a login's refusal, told the owner
    person = _joinable(service, participant, proven)
    if person is None:  # gone meanwhile: signed in under its own nickname, as it may be
        refuseAnother(service, participant, proven)
        service.people.accounts.prove(participant, proven)
        return proven
    service.registry.creatorGone(participant)
    service.logins.logout(participant, "signed in to an account")
    service.people.accounts.prove(participant, proven)
    service.logins.joinPerson(participant, person)
    return proven


def _joinable(service: ChatService, participant: IParticipant, account: str) -> Person | None:
    """
    The person signed in here to C{account} that C{participant} would join
    by proving its password (L{signInJoining}): none for a connection
    signed in to an account already or sharing its person with others.
    """
    people = service.people
    own = people.personOf(participant)
    if service.accountName(participant) is not None or len(connectionsOf(own)) > 1:
        return None
    holder = service.find(account) or people.signedInTo(key(account))
    if not isinstance(holder, Person) or holder is own:
        return None
    return holder if service.logins.mayJoin(holder, account) else None


def refuseAnother(service: ChatService, participant: IParticipant, account: str) -> None:
    """
    A nickname that is an account's name stands for that account: under
    it, a connection signs in to no other (its private messages and read
    markers would be another person's than its name says).  Under a
    nickname nobody registered, it may change accounts (SASL 3.2).

    @raise AlreadyLoggedIn: C{participant}'s nickname is another account's.
    """
    nick = participant.nick
    persistence = service.persistence
    if nick is None or persistence is None or key(nick) == key(account):
        return
    if persistence.isRegisteredNow(nick):
        current = service.accountName(participant)
        shown = f"logged in as {current}" if current is not None else f"called {nick}, an account"
        raise errors.AlreadyLoggedIn(
            f"you are already {shown}: connect again to log in as {account}"
        )


def checkNoLogin(chat: object, participant: IParticipant) -> None:
    """
    @raise AlreadyLoggedIn: C{participant} is logged in, or its login is
        under way (IRC's second SASL before registration is refused at once).
    """
    cast("ChatService", chat).logins.checkNoLogin(participant)


def loginUnderWay(chat: object, participant: IParticipant) -> bool:
    """Whether C{participant}'s login waits (a password being checked, a proof held)."""
    return cast("ChatService", chat).logins.underWay(participant) is not None


def heldFrom(
    chat: object, participant: IParticipant, nick: str
) -> errors.NickTaken | errors.ClusterUnavailable | None:
    """
    Why C{participant} may not be called C{nick} now, or C{None}: someone
    else holds it (or a look-alike of it).  A name held by an account's
    person (connected elsewhere, or always on) is free for a connection
    that proved that account: it joins that person under that name.
    """
    service = cast("ChatService", chat)
    holder = service.find(nick)
    if holder is None or holder is service.people.personOf(participant):
        return None
    if service.provenAccount(participant) == key(nick) and service.logins.mayJoin(holder, nick):
        return None
    return service.logins.taken(holder, nick)


def freedByProof(chat: object, nick: str) -> bool:
    """
    Whether a connection that proves C{nick}'s account (IRC's SASL, still
    to come) could be given C{nick}, which an account's person holds (or
    another node's, which may have died: L{Logins.checkName}): the decision
    may wait for that proof (L{heldFrom}).
    """
    service = cast("ChatService", chat)
    holder = service.find(nick)
    if holder is None:
        return False
    logins = service.logins
    return logins.mayJoin(holder, nick) or (
        logins.isAccount(nick) and logins.heldElsewhere(holder, nick)
    )


def logInAs(
    chat: object,
    participant: IParticipant,
    account: str,
    secret: Secret,
    held: Callable[[str], Deferred[str | None]],
) -> MaybeDeferred[str]:
    """
    Log C{participant}, which has no name yet, in to C{account} with
    C{secret} (IRC's SASL before registration): once the password is
    proven, the login waits for C{held(account)}, which fires when the
    connection is ready to be seen (IRC: its registration ended, its
    C{USER} known) with the nickname it asked for then, which it takes if
    it may (L{takePreferred}); only then is it given a name, joins the
    account's person or enters its rooms.  Gives the name it has.  A
    password the store's absence kept from being checked is remembered
    (L{StoredLogin.proofUnchecked}): the login without one that follows
    is told "try again later", not "wrong password".
    """
    service = cast("ChatService", chat)
    login = maybeCall(service.logins.login, participant, account, secret, None, held=held)

    def unchecked(failure: Failure) -> Failure:
        if failure.check(errors.StoreUnavailable) and service.persistence is not None:
            service.persistence.login.proofUnchecked(participant, account)
        return failure

    return login.addErrback(unchecked)


async def takePreferred(
    chat: object, participant: IParticipant, account: str, preferred: str | None
) -> str:
    """
    The nickname that C{participant}, logged in to C{account} a moment ago
    and in no room yet, keeps: the one it C{preferred} (IRC's C{NICK}
    before SASL), taken now so that its rooms see it enter under that name,
    if the checks of a rename allow it; else the account's.  A connection
    that joined the account's person keeps the person's name.
    """
    service = cast("ChatService", chat)
    if preferred is None or key(preferred) == key(account):
        return account
    if len(connectionsOf(service.people.personOf(participant))) > 1:
        return account
    try:
        return await maybeCall(service.rename, participant, preferred)
    except errors.ChatError:
        return account


async def welcomeJoined(
    chat: object, participant: IParticipant, rooms: list[str], cut: Cut | None
) -> None:
    """
    Tell a connection that joined its signed-in person (a login to an
    account signed in here already) which rooms it is in, and offer it
    their past up to its join (C{cut}), as a login's welcome does, on the
    turn after its reply.
    """
    service = cast("ChatService", chat)
    persistence = service.persistence
    assert persistence is not None
    try:
        if not service.isLoggedIn(participant):
            return  # closed at once
        participant.notice(RoomsEntered(rooms, service.clock.seconds()))
        if cut is None:
            return  # no history offered
        for room in rooms:
            if room in service.roomsOf(participant):  # still in, still connected
                await persistence.replays.replay(participant, room, cut)
    finally:
        if cut is not None:
            cut.close()
