# -*- test-case-name: tests.unit.core.test_persistence -*-
"""
What the chat service does when it has a store: registered nicknames,
rooms that survive restarts, approval rooms, history replay and private
messages kept for offline users.

L{Persistence} is the service's helper, not a second service: it reads and
changes L{chatd.core.service.ChatService}'s state only from the service's own
methods, so every rule still has one home.  Events a command causes for its
own sender (history replay, waiting private messages) are delivered on the
reactor turn after the command's reply, so a TCHAT client reads C{OKAY!}
first.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import autojoin, errors, roomremoval, status
from chatd.core.accountrooms import AccountRooms
from chatd.core.accounts import Accounts, Registered, registering
from chatd.core.alwayson import AlwaysOn
from chatd.core.approvals import Approvals
from chatd.core.chathistory import ChatHistory
from chatd.core.entryreplay import Cut, EntryReplays
from chatd.core.inbox import Inbox
from chatd.core.interfaces import IParticipant
from chatd.core.lastseen import LastSeen
from chatd.core.names import key, normalize
from chatd.core.operators import reservedNames, warnUnregistered, warnUnregisteredGrants
from chatd.core.readmarkers import ReadMarkers
from chatd.core.storedlogin import StoredLogin
from chatd.core.storedsettings import SettingsWriter
from chatd.core.writes import PendingWrites
from chatd.storage.interfaces import APPROVAL, OPEN, IChatStore

if TYPE_CHECKING:
    from chatd.core.room import Room
    from chatd.core.service import ChatService

#: Seconds between attempts to load the store while its database is
#: unavailable at start (logins meanwhile get "try again later").
LOAD_RETRY = 5.0


class Persistence:
    """
    The store-backed half of a L{ChatService}.

    @ivar registered: the keys of every registered nickname, loaded at start
        so that renames and private messages are checked without a query.
    @ivar onChange: called as C{onChange(kind, fields)} once a change that
        other processes sharing the store must see is written, of a kind
        L{chatd.core.sharing.applyChange} lists (cluster mode publishes it;
        the other nodes give it to that function).
    @ivar isLocal: whether a participant is served by this process (cluster
        mode: not another node's user).
    @ivar sharedStore: other processes write the store too, so a login under
        a name not known as registered asks the store before letting it in.
    @ivar inbox: the private messages waiting for registered users (L{Inbox}).
    @ivar alwaysOn: the accounts that stay present (L{AlwaysOn}).
    @ivar lastSeen: when accounts were last connected (L{LastSeen}).
    @ivar replays: the history offered on entering a room (L{EntryReplays}).
    @ivar login: a login's steps that need the store (L{StoredLogin}).
    @ivar settingsWriter: writes rooms' settings (L{SettingsWriter}).
    """

    log = Logger()

    def __init__(self, service: ChatService, store: IChatStore, accounts: Accounts) -> None:
        self.service = service
        self.store = store
        self.accounts = accounts
        service.stats.storeQueueDepth = store.queueDepth
        service.stats.storeHealth, service.stats.storeCheck = store.health, store.check
        store.observeWrites(service.stats.storeWrite)
        self.registered: set[str] = set()
        self._ready = False
        self._loadFailure: Failure | None = None
        self._waiters: list[Deferred[None]] = []
        self.onChange: Callable[[str, dict[str, Any]], None] | None = None
        self.isLocal: Callable[[IParticipant], bool] = lambda participant: True
        self.sharedStore = False
        self.inbox = Inbox(store, service.find, lambda: self.sharedStore, service.clock)
        self.approvals = Approvals(self)
        self.chathistory = ChatHistory(service, store)
        self.readMarkers = ReadMarkers(service, store)
        self.alwaysOn = AlwaysOn(service, self)
        self.lastSeen = LastSeen(service, self)
        self.replays = EntryReplays(self)
        self.accountRooms = AccountRooms(self)
        self.login = StoredLogin(self)
        self.settingsWriter = SettingsWriter(self)
        self.writes = PendingWrites("chat store write failed")  # an administrator's, awaited

    def share(
        self,
        onChange: Callable[[str, dict[str, Any]], None],
        isLocal: Callable[[IParticipant], bool],
        hearing: Callable[[], bool] = lambda: True,
    ) -> None:
        """
        Other processes write the store too (cluster mode): report each
        change to C{onChange}, and tell users served here (C{isLocal});
        this node's copy of the registered names and the credentials kept
        for an outage decide only while it hears every change made
        elsewhere (C{hearing}: its bus is up and, since it last came back,
        the store was re-read).
        """
        self.onChange, self.isLocal, self.sharedStore = onChange, isLocal, True
        self.accounts.credentials.trusted = hearing

    def changed(self, kind: str, **fields: Any) -> None:
        if self.onChange is not None:
            self.onChange(kind, fields)

    # Start

    def start(self) -> None:
        """
        Load rooms, approvals and account names; logins wait until then.
        """
        Deferred.fromCoroutine(self._load()).addBoth(self._loaded)

    async def _load(self) -> None:
        service = self.service
        snapshot = await self.store.load()
        stored = set()
        for settings in snapshot.rooms:
            try:
                room = service.registry.ensure(settings.name)[0]
            except errors.InvalidGroup:
                self.log.warn(
                    "stored room {name} is not a valid room name (PRECIS): not loaded",
                    name=settings.name,
                )
                continue
            room.adopt(settings)
            room.restore(settings.rules)
            stored.add(key(settings.name))
            asked = snapshot.requested.get(key(settings.name), {})
            for nickKey, (nick, approved) in snapshot.access.get(key(settings.name), {}).items():
                if nickKey not in snapshot.accounts:
                    continue  # a guest's ended with them
                if approved:
                    room.approve(nickKey)
                else:
                    room.request(nickKey, nick, asked.get(nickKey))
        for room in service.registry.all():
            if key(room.name) not in stored:  # (--rooms): made anew, not a vanished guest room
                room.settings.created = room.settings.created or service.now()
                roomremoval.madeAnew(service, room.name, room.settings.created * 1000)
                await self.settingsWriter.writeOnce(room)
        self.registered = snapshot.accounts
        warnUnregistered(service, service.operatorNames)
        await self.alwaysOn.restore(await self.store.alwaysOnAccounts())  # before any login

    def _loaded(self, result: object) -> None:
        self._loadFailure = self.service.stats.loadProblem = None
        if isinstance(result, Failure):
            self._loadFailure = result
            if result.check(errors.StoreUnavailable):
                # The outage is logged by the store; try again later.
                self.service.clock.callLater(LOAD_RETRY, self._retryLoad)
            else:
                self.log.failure("could not load the chat store; logins will fail", result)
                problem = f"could not load the chat store: {result.getErrorMessage()}"
                self.service.stats.loadProblem = problem  # /healthz says so
        self._ready = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            self._fireWaiter(waiter)
        if self.loaded:
            warnUnregisteredGrants(self.service)

    def _retryLoad(self) -> None:
        if self.service.running and self._loadFailure is not None:
            self.start()

    def _fireWaiter(self, waiter: Deferred[None]) -> None:
        if self._loadFailure is not None:  # (not a bug here: the log says what)
            waiter.errback(errors.StoreUnavailable())
        else:
            waiter.callback(None)

    @property
    def loaded(self) -> bool:
        """Whether the store is loaded (L{registered} holds every account)."""
        return self._ready and self._loadFailure is None

    def whenReady(self) -> Deferred[None]:
        """
        Fires once the store is loaded (fails if loading failed).
        """
        waiter: Deferred[None] = Deferred()
        if self._ready:
            self._fireWaiter(waiter)
        else:
            self._waiters.append(waiter)
        return waiter

    # Plumbing

    def background(self, d: Deferred[Any], what: str) -> None:
        d.addErrback(self._backgroundFailed, what)

    def _backgroundFailed(self, failure: Failure, what: str) -> None:
        if not failure.check(errors.StoreUnavailable):  # the store logs outages itself
            self.log.failure("{what} failed", failure, what=what)

    def later(self, fn: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        """
        Run C{fn(*args)} on the next reactor turn, after the current reply.
        """
        self.service.clock.callLater(
            0, lambda: self.background(Deferred.fromCoroutine(fn(*args)), fn.__name__)
        )

    def lastConnectionLeft(self, connection: IParticipant) -> bool:
        """
        The last connection of a person closed: its account was last
        connected now (L{LastSeen}); whether the person stays, always on
        (L{AlwaysOn.staysPresent}).
        """
        self.lastSeen.left(connection)
        return self.alwaysOn.staysPresent(connection)

    def isRegisteredNow(self, nick: str) -> bool:
        return key(normalize(nick)) in self.registered

    # Accounts

    def register(self, participant: IParticipant, password: str) -> Deferred[Registered]:
        nick = self.service.requireLogin(participant)
        self.accounts.rules.check(password)
        return Deferred.fromCoroutine(self._register(participant, nick, password))

    async def _register(self, participant: IParticipant, shown: str, password: str) -> Registered:
        await self.whenReady()
        signedIn = self.service.accountName(participant)
        done = registering(shown, signedIn, self.registered, reservedNames(self.service))
        nick, new = done.account, done.created
        await self.accounts.register(nick, password, participant.address, new)
        self.registered.add(key(nick))
        if new:  # (a change of password is no news)
            status.accountCreated(self.service, participant, self.service.people.presence)
        self.changed("account", u=nick)
        for room in self.service.keepRoomsOf(participant):  # a guest's rooms now last
            await self.roomCreated(room)
        # A new account is put in the rooms flagged autojoin, once, stored (if full: next login).
        flagged = autojoin.registrationRooms(self.service, nick) if new else []
        cut = self.replays.cut(participant, flagged)
        entered = autojoin.joinRooms(self.service, participant, nick, flagged)
        for room in dict.fromkeys([*flagged, *self.service.roomsJoined(participant)]):
            await self.accountRooms.record(nick, room)
        if entered:
            self.later(self.replays.putIn, participant, entered, cut)
        elif cut is not None:
            cut.close()
        return done

    def checkRename(self, old: str, nick: str) -> None:
        """
        @raise BadPassword: C{nick} is registered to someone else (a
            registered name is only taken with LOGIN and its password).
        """
        if key(nick) != key(old) and key(nick) in self.registered:
            raise errors.BadPassword("that nickname is registered: log in with its password")

    # Rooms

    def roomCreated(self, room: Room) -> Deferred[str]:
        return self._saveRoom(room)

    def newRoom(self, room: Room) -> Deferred[str]:
        """
        Store C{room}, which a user has just created; fails as the write did
        (L{errors.StoreUnavailable} in an outage): the room is not made
        then (L{chatd.core.creation.Creation.createNow}).
        """
        saving = self.settingsWriter.writeOnce(room, announce=True)
        stored: Deferred[str] = Deferred()

        def ended(result: object) -> object:
            if isinstance(result, Failure):
                stored.errback(result)
            else:
                stored.callback(room.name)
            return result  # (counted by the writes as any)

        self.writes.keep(saving.addBoth(ended))
        return stored

    def _saveRoom(self, room: Room) -> Deferred[str]:
        """
        Store C{room}'s settings; fires with its name once the first try
        has ended.  A refused write (an outage) undoes nothing members
        already saw, and is done again once the database answers
        (L{SettingsWriter}); it is kept in L{writes}, so the console's
        reply says the change is not stored yet.
        """
        d = self.settingsWriter.write(room)
        self.writes.keep(d, doneAgain=True)
        return d.addCallback(lambda _: room.name)

    def checkApproval(self, participant: IParticipant, nick: str, room: Room) -> None:
        self.approvals.checkApproval(participant, nick, room)

    def entered(
        self, participant: IParticipant, nick: str, room: Room, cut: Cut | None
    ) -> Deferred[str]:
        return Deferred.fromCoroutine(self.recordEntry(participant, nick, room, cut))

    async def recordEntry(
        self, participant: IParticipant, nick: str, room: Room, cut: Cut | None = None
    ) -> str:
        """
        Store that C{participant} entered C{room}, and offer its history,
        up to C{cut}: taken as it entered (now, if not given).
        """
        if cut is None:
            cut = self.replays.cut(participant, [room])
        try:
            await self.accountRooms.entered(participant, room)
        except BaseException:
            if cut is not None:
                cut.close()
            raise
        if cut is not None:
            self.later(self.replays.putIn, participant, [room.name], cut, False)
        return room.name

    def left(self, participant: IParticipant, room: Room) -> Deferred[str]:
        return self.accountRooms.left(participant, room).addCallback(lambda _: room.name)

    def configureRoom(
        self,
        room: str,
        mode: str | None,
        capacity: int | None,
        topic: str | None,
        autojoin: bool | None,
    ) -> Deferred[str]:
        if mode not in (None, OPEN, APPROVAL) or (capacity is not None and capacity < 0):
            raise errors.InvalidArgument("mode is open or approval; capacity is 0 or more")
        service = self.service
        target, new = service.registry.ensure(room)
        service.keepRoom(target.name)  # an administrator's room lasts
        settings = target.configure(mode, capacity, topic, autojoin)
        if new:
            settings.created = service.now()
        return self._saveRoom(target)
