# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_multiconnection -*-
"""
Who is here: open connections, the persons they sign in as (one
nickname each, held by one connection or, for a registered account, by
several), the one registry of nicknames, chatd operators and proven
accounts, readers of operators' messages, and who recently left.  It
knows nothing of rooms.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatd.core.absent import Absent
from chatd.core.activity import Activity
from chatd.core.hosts import Hosts
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_CONNECTIONS_PER_ACCOUNT
from chatd.core.names import hasInvisible, key
from chatd.core.operators import OperatorKeys, SessionOperators
from chatd.core.person import Person
from chatd.core.presence import Presence
from chatd.core.signedin import ProvenAccounts
from chatd.core.whowas import NickHistory


class People:
    """
    Who is connected and under which name, and who holds operator rights.

    @ivar operatorNames: the names given operator rights, as configured.
    @ivar operatorKeys: the keys of the names holding them, configured or
        granted on the console (shared with the moderation rules, which
        grant and take them).
    @ivar nickHistory: who recently left or was renamed.
    @ivar presence: who watches whom come and go (told of every name given
        and freed).
    @ivar activity: when each connection signed on and last spoke.
    """

    def __init__(
        self, operators: Iterable[str] = (), maxConnections: int = MAX_CONNECTIONS_PER_ACCOUNT
    ) -> None:
        self.operatorNames = list(operators)
        #: Connections a registered account may be signed in from at once.
        self.maxConnections = maxConnections
        self.operatorKeys = OperatorKeys(self.operatorNames)
        self.presence = Presence()
        self._connections: set[IParticipant] = set()
        #: Each nickname's holder: a L{Person}, or another node's user.
        self._users: dict[str, IParticipant] = {}
        #: The most people signed in at once so far, every node's (IRC's LUSERS).
        self.peak = 0
        #: The person each signed-in connection of this node is part of.
        self._persons: dict[IParticipant, Person] = {}
        self.sessionOperators = SessionOperators()
        #: A change of operator rights is under way
        #: (L{chatd.core.rightschange.changingRights}).
        self.rightsChanging = False
        #: The account each connection proved (its password, a registration).
        self.accounts = ProvenAccounts()
        #: Each person's host (C{user/<account>}, a guest's cloak).
        self.hosts = Hosts(self.accounts)
        self.nickHistory = NickHistory(self.hosts.of)
        #: Who asked for operators' messages.
        self._wallopsReaders: set[IParticipant] = set()
        #: The persons, and other nodes' users, with IRC's user mode
        #: C{+i}: LUSERS counts the invisible without looking at everyone.
        self.invisible: set[IParticipant] = set()
        self.activity = Activity()

    # Connections

    def connected(self, participant: IParticipant) -> None:
        self._connections.add(participant)

    def isConnected(self, participant: IParticipant) -> bool:
        if isinstance(participant, Person):
            return any(each in self._connections for each in participant.connections)
        return participant in self._connections

    def connections(self) -> list[IParticipant]:
        return list(self._connections)

    def closed(self, participant: IParticipant) -> bool:
        """
        C{participant}'s connection closed: it loses its session rights;
        whether it was still counted as connected.  A person's (a kick,
        a ban): each of its connections.
        """
        if isinstance(participant, Person):
            return any([self.closed(each) for each in participant.connections])
        self.sessionOperators.discard(participant)
        self.accounts.forget(participant)
        self._wallopsReaders.discard(participant)
        self.invisible.discard(participant)
        self.activity.forget(participant)
        if participant in self._connections:
            self._connections.remove(participant)
            return True
        return False

    # Nicknames

    def find(self, nick: str) -> IParticipant | None:
        return None if hasInvisible(nick) else self._users.get(key(nick))  # as typed: no one

    def users(self) -> list[IParticipant]:
        return list(self._users.values())

    def count(self) -> int:
        """How many people are signed in (one per nickname), at no cost."""
        return len(self._users)

    def operatorsOnline(self) -> int:
        """
        How many people signed in are operators, found from the operators
        (session ones and the accounts named), not from everyone online.
        """
        found = {self.personOf(each) for each in self.sessionOperators}
        for accountKey in self.operatorKeys:
            for each in map(self.personOf, self.accounts.signedIn(accountKey)):
                if each.nick is not None and self._users.get(key(each.nick)) is each:
                    if self.holdsAccountRights(accountKey, each.nick):
                        found.add(each)  # signed in, not a login under way
        return len(found)

    def holdsOther(self, participant: IParticipant, nick: str) -> bool:
        """
        Whether someone other than C{participant} has C{nick}.
        """
        holder = self._users.get(key(nick))
        return holder is not None and holder is not self.personOf(participant)

    def named(self, participant: IParticipant, nick: str, alone: bool = False) -> IParticipant:
        """
        Give C{nick} to C{participant}, which becomes a new L{Person} (or,
        C{alone}, another node's user, stays as it is); that member.
        """
        member = participant
        if not alone and not isinstance(participant, Person):
            member = self._persons[participant] = Person(participant)
        self._users[key(nick)] = member
        self.peak = max(self.peak, len(self._users))
        member.nick = nick
        self.presence.arrived(nick)
        return member

    def personOf(self, participant: IParticipant) -> IParticipant:
        """
        The member C{participant} is part of: the L{Person} of a signed-in
        connection, else itself (a person, another node's user, or a
        connection not signed in).
        """
        return self._persons.get(participant, participant)

    def signedInTo(self, accountKey: str) -> IParticipant | None:
        """
        The member signed in here to the account C{accountKey} (its person,
        whatever nickname it took since), or C{None}.
        """
        persons = (self._persons.get(each) for each in self.accounts.signedIn(accountKey))
        return next((person for person in persons if person is not None), None)

    def makingRoom(self, person: Person) -> list[IParticipant]:
        """
        The connections of C{person} that end for one more to sign in
        within L{maxConnections} (none below it): those heard from least
        recently (L{Activity.lastHeard}; the first signed in of those heard
        from at the same time).
        """
        present = [each for each in person.connections if not isinstance(each, Absent)]
        surplus = len(present) - self.maxConnections + 1
        return sorted(present, key=self.activity.lastHeard)[:surplus] if surplus > 0 else []

    def join(self, participant: IParticipant, person: Person) -> None:
        """
        C{participant} signs in as C{person} too: same nickname, same rooms.
        """
        person.addConnection(participant)
        self._persons[participant] = person
        participant.nick = person.nick

    def standIn(self, connection: IParticipant, standIn: IParticipant) -> None:
        """
        C{standIn} takes the place of C{connection}, the last of its person
        (L{chatd.core.alwayson}: the person stays, absent).
        """
        person = self._persons.pop(connection)
        person.addConnection(standIn)
        person.removeConnection(connection)
        self._persons[standIn] = person

    def leaveStandIn(self, standIn: IParticipant) -> None:
        """
        A connection joined C{standIn}'s person: the stand-in goes.
        """
        person = self._persons.pop(standIn)
        person.removeConnection(standIn)
        self.closed(standIn)

    def part(self, participant: IParticipant) -> bool:
        """
        C{participant} leaves the person it was part of; whether that
        person goes on with other connections (then nothing else changes).
        """
        person = self._persons.get(participant)
        if person is None or len(person.connections) == 1:
            return False  # the last: the caller logs the person out
        person.removeConnection(participant)
        del self._persons[participant]
        return True

    def renamed(self, participant: IParticipant, old: str, nick: str, now: int) -> None:
        member = self.personOf(participant)
        self.nickHistory.remember(member, old, now, renamedTo=nick)
        del self._users[key(old)]
        self._users[key(nick)] = member
        member.nick = nick
        if key(old) != key(nick):  # not a change of case only
            self.presence.departed(old)
            self.presence.arrived(nick)

    def left(self, participant: IParticipant, nick: str, now: int) -> None:
        member = self.personOf(participant)
        self.nickHistory.remember(member, nick, now)
        del self._users[key(nick)]
        self.sessionOperators.discard(member)
        self.invisible.discard(member)  # its user modes go with it
        self._wallopsReaders.discard(member)
        if isinstance(member, Person):
            for connection in member.connections:
                self._persons.pop(connection, None)
        self.presence.departed(nick)

    # Rights

    def anyOperators(self) -> bool:
        """
        Whether anyone at all may be an operator now: usually nobody, and
        then nobody need be asked (L{isOperator}).
        """
        return bool(self.sessionOperators or (self.operatorKeys and self.accounts))

    def isOperator(self, participant: IParticipant) -> bool:
        """
        Whether C{participant} may moderate everywhere: made an operator for
        its session (L{grantOperator}), or signed in with its password to a
        registered account named an operator (L{holdsAccountRights}).  A
        name alone gives nothing: anyone may type it.
        """
        if not self.anyOperators():
            return False  # the usual case, asked of everyone online by IRC's LUSERS
        if isinstance(participant, Person):
            return any(self.isOperator(each) for each in participant.connections)
        if (
            participant in self.sessionOperators
            or self.personOf(participant) in self.sessionOperators
        ):
            return True
        accountKey = self.accounts.key(participant)
        return accountKey is not None and self.holdsAccountRights(accountKey, participant.nick)

    def holdsAccountRights(self, accountKey: str, nick: str | None) -> bool:
        """
        Whether the account C{accountKey}, signed in under C{nick}, has
        operator rights: the console's C{op} gave them to the account,
        under whatever nickname it goes by; a configured operator name
        (C{--operators}) gives them only under that name (by key), so
        that what its rights do is seen to come from it (renaming away
        drops them, renaming back restores them).
        """
        if accountKey not in self.operatorKeys:
            return False
        configured = any(key(name) == accountKey for name in self.operatorNames)
        return not configured or (nick is not None and key(nick) == accountKey)

    def configureOperators(self, names: Iterable[str]) -> None:
        """
        Replace the configured operator names (a reload): the old ones lose
        their rights, the new ones gain them (those a C{deop} withheld too);
        the console's grants stay.
        """
        self.operatorNames[:] = names
        self.operatorKeys.configure(self.operatorNames)

    def grantOperator(self, participant: IParticipant, through: str = "") -> None:
        """
        Make C{participant} a chatd operator for the rest of its session
        (an administrator proved who they are, IRC's C{OPER}); it ends with
        the connection (or the person, if given one), whatever the nickname.
        """
        self.sessionOperators.grant(participant, through)

    def receiveWallops(self, participant: IParticipant, wanted: bool) -> None:
        if wanted:
            self._wallopsReaders.add(participant)
        else:
            self._wallopsReaders.discard(participant)

    def wallopsReaders(self) -> list[IParticipant]:
        return list(self._wallopsReaders)
