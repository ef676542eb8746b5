# -*- test-case-name: tests.unit.core.test_alwayson -*-
"""
Always-on accounts: a registered account may choose to stay present while
none of its connections is open.  Its person stays in its rooms (nobody sees
it leave), keeps its nickname, and is shown away; the rooms' history keeps
what is said there and private messages wait in the inbox.  When a
connection signs in again it takes the person over (or signs in afresh, the
person being on another node), is told how many messages came in each room
since the account last read it, and is given the private messages that
waited (L{chatd.core.catchup}).  At start the daemon puts every always-on
account back in its stored rooms, so a restart loses nobody's presence.

The setting is the account's own (C{ALWAYSON} on IRC, C{/alwayson} in talk
mode, the web page's setting), off by default.  A person the service ends
(a kick, a ban, an operator's C{KILL}) leaves for good, as does one whose
account is banned or was kicked and may not come back yet.  In cluster
mode, a starting node puts back, once it has heard the other nodes, the
always-on accounts no node has, and looks again every
L{KEEP_PRESENT_EVERY} seconds (for those whose node died); the cluster-wide
claim of the name decides between nodes (L{AlwaysOn.restore}).  An
ended presence stays ended over a restart, until the account's next login
(L{AlwaysOn.ended}, L{AlwaysOn.signedIn}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakSet

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import deferLater
from twisted.logger import Logger

from chatd.core import errors
from chatd.core.absent import AWAY_TEXT, Absent
from chatd.core.catchup import CatchUp
from chatd.core.delivery import connectionsOf
from chatd.core.events import AlwaysOnChange
from chatd.core.interfaces import maybeCall
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.person import Person
from chatd.core.renaming import claimed
from chatd.core.status import AWAY, announce

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.service import ChatService
    from chatd.storage.interfaces import IChatStore

#: Seconds between looks at whether sanctions that could not be loaded at
#: start have been since (their load is tried again as often).
SANCTIONS_AGAIN = 5.0
#: Seconds between a cluster node's looks for always-on accounts no node has.
KEEP_PRESENT_EVERY = 30.0


def alwaysOnOf(service: object) -> AlwaysOn | None:
    """
    The always-on accounts of C{service} (a L{ChatService}), or C{None}: a
    service without a store keeps no accounts.
    """
    persistence = getattr(service, "persistence", None)
    return None if persistence is None else persistence.alwaysOn


class AlwaysOn(CatchUp):
    """
    The one owner of the always-on rule, for C{service}'s accounts kept in
    C{persistence}'s store.
    """

    log = Logger()

    def __init__(self, service: ChatService, persistence: Persistence) -> None:
        self.service = service
        self.persistence = persistence
        self.store: IChatStore = persistence.store
        #: The keys of the always-on accounts, loaded at start.
        self._accounts: set[str] = set()
        #: The keys of those whose presence an operator ended since their
        #: last login (kept in the store), loaded at start.
        self._endedKeys: set[str] = set()
        #: Ends the wait between two looks for the presences no node has.
        self._wake: Deferred[None] | None = None
        self._caughtUp = WeakSet()

    # The setting

    def isOn(self, nick: str) -> bool:
        return key(nick) in self._accounts

    def get(self, participant: IParticipant) -> bool:
        """
        Whether C{participant}'s account is always on.

        @raise NotLoggedIn: C{participant} is not logged in.
        @raise NotPermitted: it is a guest.
        """
        return self.isOn(self._account(participant))

    def set(self, participant: IParticipant, on: bool) -> Deferred[bool]:
        """
        Make C{participant}'s account always on, or not; fires with the
        setting once it is stored.

        @raise NotLoggedIn, NotPermitted: as for L{get}.
        """
        nick = self._account(participant)
        was = self.isOn(nick)
        d = self.store.setAlwaysOn(nick, on)

        def stored(ignored: None) -> bool:
            self.adopt(nick, on)
            self.persistence.changed("alwayson", u=nick, on=on)  # the other nodes' copies
            if on != was:  # told only of a change
                self._tellOthers(participant, on)
            return on

        return d.addCallback(stored)

    def _tellOthers(self, participant: IParticipant, on: bool) -> None:
        """
        The person's other connections (a phone, an IRC client) hear of the
        new setting, so that none shows the old one.
        """
        change = AlwaysOnChange(on, self.service.clock.seconds())
        for connection in connectionsOf(self.service.people.personOf(participant)):
            if connection is not participant:
                connection.notice(change)

    def adopt(self, nick: str, on: bool) -> None:
        """
        C{nick}'s account is now always on, or not (set here, or on another
        node sharing the store: L{chatd.core.sharing}).
        """
        (self._accounts.add if on else self._accounts.discard)(key(nick))

    def adoptAll(self, names: list[str]) -> None:
        """
        The always-on accounts are C{names}, as the store has them now.
        """
        self._accounts = {key(nick) for nick in names}

    def _account(self, participant: IParticipant) -> str:
        nick = self.service.requireLogin(participant)
        if self.service.provenAccount(participant) != key(nick):  # registering proves it too
            raise errors.NotPermitted(
                "only a registered account, signed in with its password and called by its"
                " own name, may stay on"
            )
        return nick

    # Going, coming back

    def staysPresent(self, connection: IParticipant) -> bool:
        """
        The last connection of a person closed: if its account is always
        on, an L{Absent} stands in for it and the person stays.  Not when
        the service ended the whole person (it was given as C{connection}),
        nor for an account that may not log in now (banned, kicked).
        """
        nick = connection.nick
        if isinstance(connection, (Person, Absent)) or nick is None:
            return False
        if not self.isOn(nick):
            account = self.service.people.accounts.name(connection)
            if account is not None and key(account) != key(nick) and self.isOn(account):
                # Gone under another nickname: back at once under its own.
                self.service.clock.callLater(0, self.putBack, account)
            return False
        if not self.persistence.isRegisteredNow(nick) or self._refused(nick):
            return False
        people = self.service.people
        if not isinstance(people.personOf(connection), Person):
            return False
        standIn = Absent(nick, connection.address, connection.protocolName, self._ended)
        people.accounts.prove(standIn, nick)  # before it stands in: the host nobody sees change
        people.standIn(connection, standIn)
        now = self.service.clock.seconds()  # to the millisecond, as messages are dated
        announce(self.service, standIn, AWAY, AWAY_TEXT, now, people.presence)
        if self.service.logConnections:
            self.log.info("{nick} stays present, always on, with no connection", nick=nick)
        return True

    def ended(self, nick: str) -> None:
        """
        An operator or administrator ended C{nick}'s person (a kick, a ban,
        a kill): if always on, its presence stays ended, over a restart
        too, until its next login.
        """
        if self.isOn(nick) and key(nick) not in self._endedKeys:
            self._endedKeys.add(key(nick))
            ending = self.store.setPresenceEnded(nick, True)
            self.persistence.background(ending, "ending an always-on presence")

    def signedIn(self, nick: str) -> None:
        """
        C{nick} logged in: a presence an operator ended may start again.
        """
        if key(nick) in self._endedKeys:
            self._endedKeys.discard(key(nick))
            again = self.store.setPresenceEnded(nick, False)
            self.persistence.background(again, "letting an always-on presence start again")

    def _refused(self, nick: str) -> bool:
        try:
            self.service.moderation.checkLogin(nick)
        except errors.ChatError:
            return True
        return False

    def _ended(self, standIn: Absent, reason: str) -> None:
        self.service.disconnect(standIn, reason)

    def returned(self, connection: IParticipant, person: Person) -> bool:
        """
        C{connection} signed in as C{person}: if the person was absent, the
        stand-in goes and others see them back; whether it was absent (the
        caller then L{offerMissed}, after its welcome).
        """
        standIns = [each for each in person.connections if isinstance(each, Absent)]
        if not standIns:
            return False
        for standIn in standIns:
            self.service.people.leaveStandIn(standIn)
        now = self.service.clock.seconds()
        announce(self.service, connection, AWAY, None, now, self.service.people.presence)
        return True

    # Start

    async def restore(self, names: list[str]) -> None:
        """
        Put each always-on account (C{names}, read from the store at start)
        back in its stored rooms, absent, once the sanctions are known and
        before anyone logs in; not one that may not log in.
        """
        service = self.service
        self.adoptAll(names)
        self._endedKeys = {key(nick) for nick in await self.store.endedPresences()}
        if service.observer is not None:  # (the store is ready before the cluster is heard)
            self.persistence.background(Deferred.fromCoroutine(self._putBack(names)), "restore")
            return
        await self._putBack(names)

    async def _putBack(self, names: list[str]) -> None:
        service = self.service
        while True:
            try:
                loading = service.moderation.whenLoaded()
                await (loading if loading is not None else succeed(None))
                if service.observer is not None:  # who the other nodes have
                    await maybeCall(service.observer.everyoneHeard)
                break
            except errors.ChatError:
                # The sanctions are unknown (logins fail too), or the other
                # nodes cannot be heard: nobody is put back until a later try.
                if not service.running:
                    return
                await deferLater(service.clock, SANCTIONS_AGAIN, lambda: None)
        await self._restoreAll(names)
        while service.observer is not None and service.running:
            # A node that died (or restarted before the others counted it
            # dead) took its absent people with it: put back, now and then,
            # those no node has; each name's claim decides between nodes.
            await self._pause()
            try:
                self._endedKeys = {key(nick) for nick in await self.store.endedPresences()}
                names = await self.store.alwaysOnAccounts()
                self.adoptAll(names)  # (the store is the truth: a change missed meanwhile)
                await self._restoreAll(names)
            except errors.ChatError:
                continue  # the store is away: next time

    def putBack(self, account: str) -> None:
        """
        Put the always-on C{account} back in its rooms, absent, now.
        """
        putting = Deferred.fromCoroutine(self._restoreAll([account]))
        self.persistence.background(putting, "putting an always-on account back")

    def lookAgain(self) -> None:
        """
        A node went away with its people: look for the always-on accounts
        no node has now, rather than at the next round, so that they are
        back in their rooms within a moment.
        """
        wake, self._wake = self._wake, None
        if wake is not None:
            wake.callback(None)

    def _pause(self) -> Deferred[None]:
        """
        Wait L{KEEP_PRESENT_EVERY} seconds, or until L{lookAgain}.
        """
        wake = self._wake = Deferred()
        timer = self.service.clock.callLater(KEEP_PRESENT_EVERY, self.lookAgain)

        def woken(result: None) -> None:
            if timer.active():
                timer.cancel()

        return wake.addCallback(woken)

    async def _restoreAll(self, names: list[str]) -> None:
        for nick in names:
            if self.service.running and await self._restoreOne(nick):
                if self.service.logConnections:
                    self.log.info("{nick} is back in their rooms, always on", nick=nick)

    def _admit(self, standIn: Absent, nick: str) -> str:
        if self._held(nick):  # came meanwhile (a login here)
            raise errors.NickTaken()
        return self.service.logins.admit(standIn, nick)

    def _held(self, nick: str) -> bool:
        """
        Whether some node has the account C{nick}: under its name, or
        signed in to it under another (L{Joining.holderOf}): not put back.
        """
        return self.service.logins.holderOf(nick) is not None

    async def _restoreOne(self, nick: str) -> bool:
        if self._held(nick) or self._refused(nick) or key(nick) in self._endedKeys:
            return False
        rooms = await self.store.memberships(nick)
        if self._held(nick) or not self.isOn(nick):  # changed during the query
            return False
        service = self.service
        standIn = Absent(nick, "", "always-on", self._ended)
        service.people.accounts.prove(standIn, nick)  # before other nodes hear of it
        if service.observer is None:
            service.logins.admit(standIn, nick)
        else:
            try:  # one node only: another starting too, or a login meanwhile, may have it
                await claimed(service.observer, standIn, nick, lambda: self._admit(standIn, nick))
            except errors.ChatError:
                service.people.accounts.forget(standIn)
                return False
        for room in rooms:
            target = service.registry.find(room)
            if target is not None and key(nick) not in target.members:
                try:
                    service.join(standIn, nick, target)
                except errors.ChatError:
                    continue  # full: the next login puts them back
        return True
