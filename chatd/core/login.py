# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_multiconnection,tests.unit.core.test_names,tests.unit.test_guests,tests.unit.core.test_loginspelling -*-  # noqa: E501
"""
How a connection gets its name, and changes it: the login story as one coroutine (gate, sanctions
loaded, password, claim, admission, rooms, welcome) and renaming (L{chatd.core.renames}). A name is
given only once every check passed and, in cluster mode, the cluster granted it (a claim left unused
is given back). A connection proving the password of an account signed in here joins that person
(L{chatd.core.person.Person}; L{chatd.core.joining} also knows who else holds a name), up to
C{--max-connections-per-account}, past which it replaces the connection heard from least recently;
the person logs out with its last connection. One signed in on another node that may have died is
waited for (L{Logins.checkName}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.accounts import Secret
from chatd.core.calls import MaybeDeferred, maybeCall
from chatd.core.joining import Joining
from chatd.core.participant import IParticipant
from chatd.core.person import Person
from chatd.core.renames import Renames
from chatd.core.renaming import checkNewName, claimed, validNick
from chatd.core.signin import takePreferred
from chatd.core.status import reprofiled
from chatd.core.text import shortened

if TYPE_CHECKING:
    from chatd.core.service import ChatService

#: What a held login waits for once its password is proven (L{Logins.login}).
Held = Callable[[str], Deferred[str | None]]


class Logins(Renames, Joining):
    """
    Logins and renames, through the service's collaborators: C{people}
    names, C{membership} keeps who is logged in, C{persistence} checks
    passwords and puts users back in their rooms, C{observer} claims names.
    """

    log = Logger()

    def __init__(self, service: ChatService) -> None:
        self.service = service
        #: The logins waiting (for the sanctions, the store or a claim).
        self._underWay: dict[IParticipant, Deferred[str]] = {}
        #: Whether a login without an account's password is admitted
        #: (C{--guests}); always-on accounts and cluster nodes' users are not logins.
        self.guests = True

    def login(
        self,
        participant: IParticipant,
        nick: str,
        password: Secret | None = None,
        preferred: str | None = None,
        resume: bool = False,
        held: Held | None = None,
    ) -> MaybeDeferred[str]:
        """
        What can be refused at once is raised; with nothing to wait for (no
        store, no cluster, sanctions loaded) the name is given at once,
        otherwise the L{story} goes on in a L{Deferred}: with a store, a
        registered name needs its password (L{errors.BadPassword}
        otherwise), and the user is put back in their rooms and given the
        private messages that waited for them.  A login to an account may
        name the nickname it C{preferred} (L{takePreferred}).  A login that
        C{resume}s a session (a client's own login again after a lost
        connection) never takes another connection's place (L{joinPerson}).
        A login C{held} waits, once the password is proven, for what
        C{held(account)} gives: the nickname preferred then (IRC's SASL,
        whose proof comes before the client's registration ends).

        @raise AlreadyLoggedIn: logged in, or a login is under way.
        @raise GuestsRefused: (maybe in the L{Deferred}) no account's
            password proven while guests are not admitted (L{refuseGuest}).
        @raise Banned: (or L{errors.Kicked}; maybe in the L{Deferred}) a
            sanction holds C{nick} or the address back: logged, once
            (L{Moderation.refusedLogin}).
        """
        try:
            result = self._login(participant, nick, password, preferred, resume, held)
        except (errors.Banned, errors.Kicked) as refused:
            self.service.moderation.refusedLogin(nick, participant.address, refused)
            raise
        if isinstance(result, Deferred):
            result.addErrback(self._sanctioned, participant, nick)
        return result

    def _sanctioned(self, failure: Failure, participant: IParticipant, nick: str) -> Failure:
        if isinstance(failure.value, (errors.Banned, errors.Kicked)):
            self.service.moderation.refusedLogin(nick, participant.address, failure.value)
        return failure

    def _login(
        self,
        participant: IParticipant,
        nick: str,
        password: Secret | None,
        preferred: str | None,
        resume: bool,
        held: Held | None,
    ) -> MaybeDeferred[str]:
        self.checkNoLogin(participant)
        nick = validNick(nick)
        loading = self.service.moderation.whenLoaded()
        settling = None
        if loading is None:
            persistence = self.service.persistence
            settling = self.checkName(nick, persistence is not None, password is not None)
            if persistence is None and self.service.observer is None:
                self.refuseGuest()
                checkNewName(nick, None, self.service.serverName)
                return self.admit(participant, nick)
        story = self.story(participant, nick, password, loading, preferred, settling, resume, held)
        d = Deferred.fromCoroutine(story)
        if not d.called:
            self._underWay[participant] = d

            def done(result: object) -> object:
                self._underWay.pop(participant, None)
                return result

            d.addBoth(done)
        return d

    async def story(
        self,
        participant: IParticipant,
        nick: str,
        password: Secret | None,
        loading: Deferred[None] | None,
        preferred: str | None = None,
        settling: Deferred[None] | None = None,
        resume: bool = False,
        held: Held | None = None,
    ) -> str:
        """
        A login that waits: for the sanctions (just started), for the
        password check (with a store), for the cluster's claim; then the
        user is admitted, takes the nickname it C{preferred}, is put in
        their rooms and welcomed; refused, it leaves no account proven (a
        later login without a password is a guest's).  An account held by
        another process that may have died (C{settling}, L{checkName}) is
        waited for once the password is proven; the wait stops with the login.
        """
        waits = [] if settling is None else [settling]
        try:
            return await self.steps(
                participant, nick, password, loading, preferred, waits, resume, held
            )
        except BaseException:
            if self.service.persistence is not None:  # what it held (L{chatd.core.liveorder})
                self.service.persistence.inbox.live.release(participant)
            if not self.service.isLoggedIn(participant):  # refused: signed in to no account
                self.service.people.accounts.forget(participant)
            raise
        finally:
            for wait in waits:
                if not wait.called:
                    wait.cancel()
                wait.addErrback(lambda _: None)

    async def steps(
        self,
        participant: IParticipant,
        nick: str,
        password: Secret | None,
        loading: Deferred[None] | None,
        preferred: str | None,
        waits: list[Deferred[None]],
        resume: bool = False,
        held: Held | None = None,
    ) -> str:
        """The L{story}'s steps; C{waits}: the wait for the account's holder, if any."""
        service = self.service
        settling = waits[0] if waits else None
        if loading is not None:  # just started: nobody in before the sanctions are known
            await loading
        if service.observer is not None:  # and what other nodes decided just before (a ban)
            await maybeCall(service.observer.everyoneHeard)
        if loading is not None or service.observer is not None:
            if not service.people.isConnected(participant):
                raise errors.NotLoggedIn()
            service.moderation.checkAddress(participant.address)  # connected before bans known
            settling = self.checkName(
                nick, service.persistence is not None, password is not None, settling
            )
            if settling is not None and settling not in waits:
                waits.append(settling)
        persistence = service.persistence
        rooms: list[str] | None = []
        if persistence is None:
            self.refuseGuest()
        else:
            # The password first: the name is claimed only once it is earned.
            proven, rooms = await persistence.login.verifyLogin(participant, nick, password)
            if proven is None:
                self.refuseGuest()
            if proven is not None:  # its ignore list, before anyone can reach it
                await service.ignores.atLogin(proven)
            self.checkSanctions(participant, nick)  # one may have come during the check
            if proven is not None:  # before admission, which other nodes hear of
                nick = self.accountSpelling(nick, proven)
                service.people.accounts.prove(participant, proven)
                if settling is not None:  # its holder's process may have died: once settled,
                    await settling
                self.checkName(nick)  # held on another node: refused now, to its owner only
                if held is not None:  # nothing else happens before the front-end says so
                    preferred = await held(proven)
                    if not service.people.isConnected(participant):
                        raise errors.NotLoggedIn("the connection closed during login")
                    self.checkSanctions(participant, nick)
                person = self.joinable(participant, nick)
                if person is not None:  # signed in here already: no claim, no rooms to join
                    return self.joinPerson(participant, person, resume)
                holder = self.holderOf(nick)
                if service.observer is not None and holder is not None:
                    await maybeCall(service.observer.takeOver, holder)  # absent elsewhere
                persistence.inbox.live.hold(participant)  # until what waited is handed over
        if service.observer is not None:
            admitted = lambda: self.admitChecked(participant, nick, resume)  # noqa: E731
            refused = lambda: self.claimRefused(participant, nick)  # noqa: E731
            nick = await claimed(service.observer, participant, nick, admitted, refused)
        else:
            nick = self.admitChecked(participant, nick, resume)
        if persistence is not None:  # it waits for the cluster after the rooms' entries
            shown = await takePreferred(service, participant, nick, preferred)
            await persistence.login.loginRooms(participant, nick, rooms)
            return shown
        elif service.observer is not None:
            await maybeCall(service.observer.everyoneHeard)
        return nick

    def accountSpelling(self, typed: str, account: str) -> str:
        """
        The name a login that proved C{account}'s password, typed C{typed}
        (the same name, however spelled: C{Regu}, C{rêgu} for C{regu}), is
        shown under: the account's, as it was registered, whatever spelling
        found it; the same on every front-end and whether or not the
        account is signed in elsewhere.

        @raise InvalidNick: C{typed} is a spelling that mixes scripts, or
            passes for the server, other than the account's own
            (L{checkNewName}).
        """
        checkNewName(typed, account, self.service.serverName)
        return account

    def refuseGuest(self) -> None:
        """
        A login that proved no account's password is a guest's: refused
        unless guests are admitted (L{guests}).

        @raise GuestsRefused: guests are not admitted.
        """
        if not self.guests:
            raise errors.GuestsRefused()

    def checkSanctions(self, participant: IParticipant, nick: str) -> None:
        """
        After a wait: a ban or kick given meanwhile (of the name or the
        address) refuses the login it would have refused before.
        """
        self.service.moderation.checkAddress(participant.address)
        self.service.moderation.checkLogin(nick)

    def checkName(
        self,
        nick: str,
        passwordFollows: bool = False,
        proof: bool = False,
        settling: Deferred[None] | None = None,
    ) -> Deferred[None] | None:
        """
        @param passwordFollows: the password is checked next: an account
            signed in here from as many connections as it may have, signed
            in on another node of a cluster, or banned or kicked, is refused
            after it (a wrong password is a wrong password; only the owner
            learns why it is refused).
        @param proof: a password comes with the login: an account held by
            another process of a cluster that may have died is waited for
            (L{IChatObserver.settleHolder}, or C{settling} if it was asked
            already) until that process is heard from (promptly if alive).
        @return: that wait, after which a login that proved the password
            checks again (L{steps}); else C{None}.
        @raise Banned: (or another sanction) C{nick} may not log in.
        @raise NickTaken: someone has C{nick}.
        """
        account = passwordFollows and self.isAccount(nick)
        if not account:
            self.service.moderation.checkLogin(nick)
        holder = self.holderOf(nick)
        if holder is None or self.mayJoin(holder, nick):
            return None
        refusal = self.taken(holder, nick)
        if not (account and self.heldElsewhere(holder, nick)):
            raise refusal
        observer = self.service.observer
        if proof and observer is not None and isinstance(refusal, errors.NickTaken):
            return settling or observer.settleHolder(holder)
        return None

    def admitChecked(self, participant: IParticipant, nick: str, resume: bool = False) -> str:
        """
        L{admit}, after a wait during which the connection may have closed
        or someone else taken the name or its account (L{Joining.holderOf})
        (or L{Joining.joinPerson}, with C{resume}, when the account signed
        in here meanwhile).
        """
        if not self.service.people.isConnected(participant) or self.service.isLoggedIn(participant):
            raise errors.NotLoggedIn("the connection closed during login")
        self.checkSanctions(participant, nick)
        holder = self.holderOf(nick)  # as L{checkName}: by name, or its account elsewhere
        if holder is not None:
            person = self.joinable(participant, nick)  # signed in meanwhile from elsewhere
            if person is None:
                raise self.taken(holder, nick)
            return self.joinPerson(participant, person, resume)
        checkNewName(nick, self.service.accountName(participant), self.service.serverName)
        return self.admit(participant, nick)

    def admit(self, participant: IParticipant, nick: str, alone: bool = False) -> str:
        """
        Give C{participant} the name C{nick}, every check passed (here, or
        on another node for L{chatd.core.replica}: C{alone}, it stays a
        member of its own rather than becoming a L{Person}).
        """
        service = self.service
        service.membership.loggedIn(service.people.named(participant, nick, alone))
        if not alone:
            service.people.activity.signedOn(participant, service.clock.seconds())
            service.loginDeadlines.loggedIn(participant)
        if service.logConnections and participant.address:  # (a stand-in's own line says it)
            self.log.info(
                "{nick} logged in from {address} over {protocol}",
                nick=nick,
                address=participant.address,
                protocol=participant.protocolName,
            )
        if service.observer is not None:
            service.observer.loggedIn(participant)
        return nick

    def checkNoLogin(self, participant: IParticipant) -> None:
        """@raise AlreadyLoggedIn: C{participant} is logged in, or its login is under way."""
        if participant in self._underWay or self.service.isLoggedIn(participant):
            raise errors.AlreadyLoggedIn()

    def underWay(self, participant: IParticipant) -> Deferred[str] | None:
        """C{participant}'s login, while it waits (for a password check, a claim)."""
        return self._underWay.get(participant)

    def logout(self, participant: IParticipant, reason: str) -> None:
        """
        C{participant} disconnected: a login it has under way comes to
        nothing (its password check is withdrawn if it still waits); if it
        was logged in, its rooms are told C{reason} and its name is free.
        """
        service = self.service
        self._underWay.pop(participant, None)
        if service.persistence is not None:
            service.persistence.login.forgetLogin(participant)
        person = service.people.personOf(participant)
        before = person.profile() if isinstance(person, Person) else ()
        if service.people.part(participant):
            reprofiled(service, person, before)  # the connection it showed may have closed
            if service.logConnections:
                self.log.info(
                    "{nick} closed one of their connections ({reason})",
                    nick=participant.nick,
                    reason=reason,
                )
            return  # the person goes on with their other connections
        if service.persistence is not None and service.persistence.lastConnectionLeft(participant):
            return  # an always-on account: the person stays, absent
        rooms = service.membership.loggedOut(participant)
        if rooms is None:
            return
        nick = participant.nick
        assert nick is not None
        reason = shortened(reason)  # as long as a topic at most: every IRC QUIT line holds it
        for room in rooms:
            service.membership.removeMember(room, nick, reason)
        service.people.left(participant, nick, service.now())
        if service.logConnections:
            self.log.info("{nick} disconnected ({reason})", nick=nick, reason=reason)
        if service.observer is not None:
            service.observer.loggedOut(participant, nick, reason)
