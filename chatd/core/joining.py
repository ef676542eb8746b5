# -*- test-case-name: tests.unit.core.test_multiconnection,tests.unit.core.test_unheard,tests.unit.irc.test_irc_ghosts,tests.unit.web.test_web_ghosts -*-  # noqa: E501
"""
Signing in as a person signed in already: a connection that proves the
password of an account signed in here joins its person
(L{chatd.core.person.Person}), and who holds a name otherwise.  A part of
L{chatd.core.login.Logins}.

An account has at most C{--max-connections-per-account} connections at
once.  A connection that proves its password when it has that many takes
the place of the one heard from least recently (the last line or frame
it sent, L{chatd.core.activity.Activity.lastHeard}), which is told why
(L{errors.Displaced}) and closed: a connection whose network went away
without a word (a phone in a tunnel) stays open here until its ping
timeout, and would otherwise keep its owner out meanwhile.  A login with
no password (a guest) never displaces anyone, nor does a login that
resumes a session (a client logging in again by itself after its
connection dropped): at the limit it is refused (L{errors.AccountFull}),
so that two devices of an account never sign each other out in turn; a
login the person asked for takes the place.

A new connection of a person also gets the private messages the person
received since the other connections were last heard from
(L{chatd.core.unheard}): they went to connections that may have been
dead already.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.core import errors
from chatd.core.absent import Absent
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.person import Person
from chatd.core.status import reprofiled
from chatd.core.unheard import unheardSince, welcomeBack

if TYPE_CHECKING:
    from chatd.core.service import ChatService


class Joining:
    """
    Joining a signed-in person, for L{chatd.core.login.Logins}.
    """

    service: ChatService
    log = Logger()

    def isAccount(self, nick: str) -> bool:
        persistence = self.service.persistence
        return persistence is not None and persistence.isRegisteredNow(nick)

    def taken(
        self, holder: IParticipant, nick: str
    ) -> errors.NickTaken | errors.ClusterUnavailable:
        """
        The refusal of C{nick}, which C{holder} has: saying why when it is
        an account signed in on another node of a cluster (only its owner
        holds a registered name), which a connection here cannot join; or,
        while the other nodes cannot be heard, that the chat is briefly
        unreachable: that node may have stopped meanwhile.
        """
        if not self.heldElsewhere(holder, nick):
            return errors.NickTaken.heldAs(nick, holder.nick or nick)
        if self.service.observer is not None and not self.service.observer.reachesEveryone():
            return errors.ClusterUnavailable()
        return errors.SignedInElsewhere()

    def claimRefused(self, participant: IParticipant, nick: str) -> errors.ChatError:
        """
        The refusal of C{participant}'s login when another node holds the
        claim of C{nick}: why, if this node knows who holds it (its
        account signed in there under another name: L{taken}).
        """
        holder = self.heldByOther(participant, nick)
        return errors.NickTaken() if holder is None else self.taken(holder, nick)

    def holderOf(self, nick: str) -> IParticipant | None:
        """
        Who holds C{nick}: whoever has that name, else whoever is signed in
        to the account C{nick} under another name (renamed since): a person
        here, or another node's user: an account is signed in once, on one
        node, whatever it is called there.
        """
        return next(self._holders(nick), None)

    def heldByOther(self, participant: IParticipant, nick: str) -> IParticipant | None:
        """
        Who holds C{nick} (L{holderOf}) other than C{participant}'s person:
        under that name, or signed in to the account under another.
        """
        own = self.service.people.personOf(participant)
        return next((each for each in self._holders(nick) if each is not own), None)

    def _holders(self, nick: str) -> Iterator[IParticipant]:
        """L{holderOf}'s candidates, in its order (another node's asked last)."""
        people, observer = self.service.people, self.service.observer
        for holder in (people.find(nick), people.signedInTo(key(nick))):
            if holder is not None:
                yield holder
        remote = observer.signedInTo(key(nick)) if observer is not None else None
        if remote is not None:  # as its node tells
            yield remote

    def heldElsewhere(self, holder: IParticipant, nick: str) -> bool:
        """
        Whether C{holder} is the account C{nick} signed in on another node.
        """
        return (
            not isinstance(holder, Person)
            and self.service.observer is not None
            and (self.service.provenAccount(holder) == key(nick) or self.isAccount(nick))
        )

    def mayJoin(self, holder: IParticipant, nick: str) -> bool:
        """
        Whether a connection that proves C{nick}'s password may sign in as
        C{holder} too: C{nick} is a registered account, signed in here (from
        as many connections as it may have, one makes room: L{joinPerson}),
        or present always on with none on another node, which lets it go
        (L{IChatObserver.takeOver}).
        """
        persistence = self.service.persistence
        if persistence is None or not persistence.isRegisteredNow(nick):
            return False
        observer = self.service.observer
        return isinstance(holder, Person) or (
            observer is not None and observer.absentElsewhere(holder)
        )

    def joinable(self, participant: IParticipant, nick: str) -> Person | None:
        """
        The person C{participant} may join as C{nick}: it proved the
        password of C{nick}, an account signed in here (L{mayJoin}), under
        that name or another it took since.
        """
        holder = self.holderOf(nick)
        if not isinstance(holder, Person) or self.service.provenAccount(participant) != key(nick):
            return None
        return holder if self.mayJoin(holder, nick) else None

    def joinPerson(self, participant: IParticipant, person: Person, resume: bool = False) -> str:
        """
        C{participant}, which proved the account's password, signs in as
        C{person} too: its nickname, rooms and presence are the person's;
        nobody else is told.  At the account's limit, the connection heard
        from least recently ends (L{makeRoom}).  It is then told its rooms
        and given what the others may have missed (L{welcomeBack}).

        @param resume: the login resumes a session (the web page's
            C{resume}): at the limit it takes no other connection's place.
        @raise AccountFull: at the limit, for a login that resumes a
            session.
        """
        service = self.service
        people = service.people
        if not people.isConnected(participant) or service.isLoggedIn(participant):
            raise errors.NotLoggedIn("the connection closed during login")
        others = [each for each in person.connections if not isinstance(each, Absent)]
        displaced = people.makingRoom(person)  # at the limit, the least recently heard
        if displaced and resume:
            raise errors.AccountFull.atMost(people.maxConnections)
        since = unheardSince(service, others)  # the displaced one's included
        before = person.profile()
        people.join(participant, person)
        reprofiled(service, participant, before)  # its real name, if the person had none
        people.activity.signedOn(participant, service.clock.seconds())
        service.loginDeadlines.loggedIn(participant)
        persistence, rooms = service.persistence, service.roomsOf(participant)
        back = persistence is not None and persistence.alwaysOn.returned(participant, person)
        if service.logConnections:
            self.log.info(
                "{nick} signed in again from {address} over {protocol} ({count} connections)",
                nick=person.nick,
                address=participant.address,
                protocol=participant.protocolName,
                count=len(person.connections),
            )
        for each in displaced:
            self.makeRoom(each)
        if persistence is not None and (rooms or since is not None):
            joined = [room for name in rooms if (room := service.registry.find(name))]
            cut = persistence.replays.cut(participant, joined)  # now: not what it says next

            def welcome() -> None:
                welcoming = welcomeBack(service, participant, rooms, cut, since)
                persistence.background(Deferred.fromCoroutine(welcoming), "welcome")

            service.clock.callLater(0, welcome)
        if persistence is not None and back:  # after the welcome: what it missed there
            persistence.alwaysOn.offerMissed(participant)
        nick: str = participant.nick
        return nick

    def makeRoom(self, connection: IParticipant) -> None:
        """
        End C{connection}, the one of its account heard from least
        recently, for a new one past the account's limit: it is told why;
        its person goes on with the others (nobody else is told).
        """
        service = self.service
        most = service.people.maxConnections
        error = errors.Displaced(
            "signed out: a newer connection of your account took its place"
            f" (at most {most} at once)"
        )
        if service.logConnections:
            self.log.info(
                "{nick}'s connection from {address} over {protocol} made room for a newer one",
                nick=connection.nick,
                address=connection.address,
                protocol=connection.protocolName,
            )
        service.disconnect(connection, error.text)
        connection.disconnect(error)
