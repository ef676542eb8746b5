# -*- test-case-name: tests.unit.core.test_service -*-
"""
The one shared chat: the facade every front-end, console and cluster node talks to.  It composes
the collaborators that each own one concept (people, rooms, membership, logins, messages,
persistence...) and orchestrates what crosses them (a disconnect); its other methods delegate.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.application.service import Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from chatd.core import (
    approvals,
    errors,
    listing,
    roomremoval,
    shutdown,
)
from chatd.core.accounts import Accounts, PasswordRules, Registered, Secret
from chatd.core.adminfacade import AdminFacade
from chatd.core.administration import Administration
from chatd.core.admission import Admission
from chatd.core.allowance import Allowances
from chatd.core.chathistory import HistoryQuery, historyLimit
from chatd.core.creation import Creation
from chatd.core.events import PrivateMessage, RoomMessage, Wallops
from chatd.core.hooks import IChatObserver
from chatd.core.ignores import Ignores
from chatd.core.interfaces import IParticipant, MaybeDeferred
from chatd.core.limits import DEFAULT_MAX_ROOMS, DEFAULT_MAX_ROOMS_PER_USER, HISTORY_COUNT
from chatd.core.login import Logins
from chatd.core.logindeadline import LoginDeadlines
from chatd.core.membership import Membership
from chatd.core.messages import Messages, Told
from chatd.core.metrics import ChatStats
from chatd.core.moderation import Moderation
from chatd.core.operators import grantSessionOperator, warnUnregistered, warnUnregisteredGrants
from chatd.core.people import People
from chatd.core.persistence import Persistence
from chatd.core.replica import Replica
from chatd.core.rightschange import relayedRights
from chatd.core.roles import IAdministration, IReplica
from chatd.core.room import Room
from chatd.core.roomadmin import RoomAdministration
from chatd.core.roomfacade import RoomFacade
from chatd.core.roomlimits import RoomLimits
from chatd.core.roomops import RoomOps
from chatd.core.roomqueries import RoomQueries
from chatd.core.rooms import Rooms
from chatd.core.speaking import partingWords
from chatd.core.status import rehosted, signedInHost
from chatd.core.whowas import PastUser
from chatd.storage.interfaces import IChatStore


@implementer(IAdministration)
class ChatService(RoomFacade, AdminFacade, Service):
    """
    In-memory chat state, shared by every front-end of one daemon.

    @ivar admission: which connections the listeners accept (C{maxClients}, per-address limits).
    @ivar maxGroupSize: members a room accepts (C{None}: no limit).
    @ivar roomLimits: how many rooms users may create (L{RoomLimits}).
    """

    log = Logger()
    observer: IChatObserver | None = None

    def __init__(
        self,
        clock: IReactorTime,
        maxClients: int | None = None,
        maxGroupSize: int | None = None,
        rooms: Iterable[str] = (),
        operators: Iterable[str] = (),
        store: IChatStore | None = None,
        accounts: Accounts | None = None,
        historyCount: int = HISTORY_COUNT,
        logConnections: bool = True,
        admission: Admission | None = None,
        maxRooms: int | None = DEFAULT_MAX_ROOMS,
        maxRoomsPerUser: int | None = DEFAULT_MAX_ROOMS_PER_USER,
        autojoin: Iterable[str] = (),
    ) -> None:
        """
        @param maxClients: without C{admission}, the only limit of the one made (C{None}: none).
        @param autojoin: rooms every login puts its user in (with a store; L{chatd.core.autojoin});
            made at start if they do not exist.
        """
        self.clock = clock
        self.admission = Admission(clock, maxClients) if admission is None else admission
        self.registry = Rooms(RoomLimits(maxRooms, maxRoomsPerUser, group=self.admission.group))
        self.roomLimits = self.registry.limits
        self.replica: IReplica = Replica(self, self.registry)
        self.roomOps = RoomOps(self)
        self.administration = Administration(self)
        self.roomAdministration = RoomAdministration(self)
        self.roomQueries = RoomQueries(self)
        self.maxGroupSize = maxGroupSize
        self.people = People(operators)
        self.people.hosts.rekeyed = lambda before: rehosted(self, before)  # guests told
        self.people.accounts.proved = lambda connection, had: signedInHost(self, connection, had)
        self.allowances = Allowances(clock)
        self.operatorNames = self.people.operatorNames
        self.membership = Membership(self)
        self.creation = Creation(self, self.membership)
        self.logins = Logins(self)
        #: Each connection's deadline to log in (C{--login-timeout}; none by default here).
        self.loginDeadlines = LoginDeadlines(self)
        self.stats = ChatStats()
        #: The rooms each option makes at every start (a reload sets C{rooms} anew).
        self.startRooms = {"rooms": tuple(rooms), "autojoin": tuple(autojoin)}
        for name in self.startRooms["rooms"]:
            self.registry.create(name)
        made = (self.registry.ensure(name)[0].name for name in self.startRooms["autojoin"])
        self.autojoin = tuple(made)
        self.moderation = Moderation(clock, self.people.operatorKeys)
        self.moderation.loading.afterLoad = lambda: warnUnregisteredGrants(self)
        self.moderation.changingRights = lambda by: relayedRights(self, by)
        self.historyCount = historyCount
        self.goodbye = shutdown.Goodbye(self)
        # A line per login and disconnect is ~40% of a login's CPU: busy sites may do without.
        self.logConnections = logConnections
        #: The server's own name (IRC's server name), which no new user may take.
        self.serverName = "chatd"
        self.persistence = (
            None if store is None else Persistence(self, store, accounts or Accounts(store, clock))
        )
        shared = (self.registry, self.people, self.moderation, self.stats, self.requireLogin)
        self.ignores = Ignores(self.people, self.persistence, self.requireLogin)
        self.messages = Messages(clock, *shared, self.persistence, self.ignores)

    def now(self) -> int:
        """The clock's time in whole seconds, as events carry it."""
        return int(self.clock.seconds())

    def observeWith(self, observer: IChatObserver) -> None:
        """Tell C{observer} of every login, rename and room change from now on."""
        self.observer = observer

    def startService(self) -> None:
        super().startService()
        if self.persistence is not None:
            self.persistence.start()  # warns of operators without an account once loaded
            self.persistence.lastSeen.start()
        else:
            warnUnregistered(self, self.operatorNames)

    # Connections, logins and names (L{Logins})

    def connect(self, participant: IParticipant) -> None:
        self.moderation.admit(participant)
        self.people.connected(participant)
        self.loginDeadlines.connected(participant)

    def disconnect(
        self, participant: IParticipant, reason: str = "", cause: errors.ChatError | None = None
    ) -> None:
        reason = partingWords(reason)  # a leaving user's words cannot be refused
        self.loginDeadlines.closed(participant)
        self.registry.creatorGone(participant)
        # Logged out first: its rooms hear it leave as the account it was.
        self.logins.logout(participant, reason)
        if self.people.closed(participant):
            self.stats.disconnected(participant.protocolName, reason, cause)

    def login(
        self,
        participant: IParticipant,
        nick: str,
        password: Secret | None = None,
        preferred: str | None = None,
        resume: bool = False,
    ) -> MaybeDeferred[str]:
        return self.logins.login(participant, nick, password, preferred, resume)

    def rename(self, participant: IParticipant, nick: str) -> MaybeDeferred[str]:
        return self.logins.rename(participant, nick)

    def isLoggedIn(self, participant: IParticipant) -> bool:
        return self.membership.isLoggedIn(participant)

    def requireLogin(self, participant: IParticipant) -> str:
        return self.membership.requireLogin(participant)

    # People (L{People})

    def users(self) -> list[IParticipant]:
        return self.people.users()

    def find(self, nick: str) -> IParticipant | None:
        return self.people.find(nick)

    def connections(self) -> list[IParticipant]:
        return self.people.connections()

    def isInvisible(self, participant: IParticipant) -> bool:
        return listing.isInvisible(self, participant)

    def isListed(self, asker: IParticipant, person: IParticipant) -> bool:
        return listing.isListed(self, asker, person)

    def listedPeople(self, asker: IParticipant) -> list[IParticipant]:
        return listing.listedPeople(self, asker)

    def invisibleCount(self) -> int:
        return listing.invisibleCount(self)

    def isOperator(self, participant: IParticipant) -> bool:
        return self.people.isOperator(participant)

    def grantOperator(self, participant: IParticipant, through: str = "") -> None:
        self.requireLogin(participant)
        grantSessionOperator(self, participant, through)

    def provenAccount(self, participant: IParticipant) -> str | None:
        return self.people.accounts.key(participant)

    def hostOf(self, participant: IParticipant) -> str:
        return self.people.hosts.of(participant)

    def accountName(self, participant: IParticipant) -> str | None:
        return self.people.accounts.name(participant)

    def receiveWallops(self, participant: IParticipant, wanted: bool) -> None:
        self.people.receiveWallops(participant, wanted)

    def whowas(self, nick: str, count: int | None = None) -> list[PastUser]:
        return self.people.nickHistory.lookup(nick, count)

    # Rooms and their members (L{Membership}; room questions and operators' commands: L{RoomFacade})

    def createRoom(self, participant: IParticipant, room: str) -> MaybeDeferred[str]:
        return self.creation.createRoom(participant, room)

    def enterOrCreate(
        self,
        participant: IParticipant,
        room: str,
        roomKey: str | None = None,
        when: float | None = None,
    ) -> MaybeDeferred[str]:
        return self.creation.enterOrCreate(participant, room, roomKey, when)

    def enter(
        self,
        participant: IParticipant,
        room: str,
        roomKey: str | None = None,
        when: float | None = None,
    ) -> MaybeDeferred[str]:
        return self.membership.enter(participant, room, roomKey, when)

    def join(
        self, participant: IParticipant, nick: str, target: Room, remote: bool = False
    ) -> None:
        self.membership.join(participant, nick, target, remote)

    def leave(
        self, participant: IParticipant, room: str, reason: str = "", when: float | None = None
    ) -> MaybeDeferred[str]:
        return self.membership.leave(participant, room, reason, when)

    def members(self, participant: IParticipant, room: str) -> list[str]:
        return self.membership.members(participant, room)

    def memberRoom(self, participant: IParticipant, name: str) -> Room:
        return self.membership.memberRoom(participant, name)

    def roomsJoined(self, participant: IParticipant) -> list[Room]:
        return self.membership.roomsJoined(participant)

    def roomsAwaited(self, participant: IParticipant) -> list[str]:
        return approvals.waitingFor(self, participant)

    def roomsOf(self, participant: IParticipant) -> list[str]:
        return [room.name for room in self.membership.roomsJoined(participant)]

    def rooms(self) -> list[tuple[str, int]]:
        return self.registry.listing()

    def storeOf(self, room: Room) -> Persistence | None:
        """The persistence that keeps C{room}'s settings (none if ephemeral)."""
        return None if room.ephemeral else self.persistence

    # Messages (L{Messages})

    def say(
        self,
        participant: IParticipant,
        room: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> RoomMessage:
        return self.messages.say(participant, room, lines, notice, tags)

    def tell(
        self,
        participant: IParticipant,
        nick: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> Told:
        return self.messages.tell(participant, nick, lines, notice, tags)

    def announce(self, text: str) -> None:
        self.messages.announce(text)

    def shuttingDown(self, by: str) -> None:
        self.goodbye.by = by

    def wallops(self, participant: IParticipant, text: str) -> Wallops:
        return self.messages.wallops(participant, text)

    # Accounts and history (L{Persistence}: they need a store)

    def stopService(self) -> Deferred[None]:
        """Say goodbye to every connection; the store, stopped next, keeps their last words."""
        super().stopService()
        if self.persistence is not None:
            self.persistence.lastSeen.stop()
        self.moderation.refusals.stop()
        self.admission.refusals.stop()
        return self.goodbye.say()

    def requirePersistence(self) -> Persistence:
        """The persistence, for what needs a store (L{errors.NotPermitted} without one)."""
        if self.persistence is None:
            raise errors.NotPermitted("this server keeps no accounts or history")
        return self.persistence

    @property
    def passwordRules(self) -> PasswordRules:
        return PasswordRules() if self.persistence is None else self.persistence.accounts.rules

    @property
    def admitsGuests(self) -> bool:
        return self.logins.guests

    def register(self, participant: IParticipant, password: str) -> Deferred[Registered]:
        return self.requirePersistence().register(participant, password)

    def isRegistered(self, nick: str) -> Deferred[bool]:
        if (persistence := self.persistence) is None:
            return succeed(False)
        return persistence.whenReady().addCallback(lambda _: persistence.isRegisteredNow(nick))

    def historyWindow(
        self, participant: IParticipant, target: str, isRoom: bool, query: HistoryQuery
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        return self.requirePersistence().chathistory.window(participant, target, isRoom, query)

    def historyTargets(
        self, participant: IParticipant, after: int, before: int, limit: int
    ) -> Deferred[list[tuple[str, bool, int]]]:
        return self.requirePersistence().chathistory.targets(participant, after, before, limit)

    def history(
        self, participant: IParticipant, room: str, count: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        count = historyLimit(self.historyCount, count)
        return self.requirePersistence().chathistory.latest(participant, room, count)

    def privateHistory(
        self, participant: IParticipant, nick: str, count: int | None = None
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        count = historyLimit(self.historyCount, count)
        return self.requirePersistence().chathistory.private(participant, nick, count)

    # Administration (L{Administration}: the admin console's needs)

    def kick(self, participant: IParticipant, nick: str, reason: str = "") -> None:
        self.administration.kick(participant, nick, reason)

    def endSession(self, participant: IParticipant, error: errors.ChatError) -> None:
        self.administration.endSession(participant, error)

    def deleteRoom(self, room: str, by: str, reason: str = "") -> roomremoval.Deleted:
        return roomremoval.deleteRoom(self, room, by, reason)
