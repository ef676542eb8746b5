# -*- test-case-name: tests.test_service -*-
"""
The one shared chat: who is connected, which rooms exist, who is in them.

Every rule lives here and nowhere else; front-ends translate their wire
protocol into these calls and the events back into their wire protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from chatd.core import errors
from chatd.core.accounts import Accounts
from chatd.core.administration import Administration
from chatd.core.admission import Admission
from chatd.core.chathistory import ChatHistory, HistoryQuery
from chatd.core.events import (
    PrivateMessage,
    Rename,
    RoomMessage,
    Wallops,
)
from chatd.core.interfaces import IParticipant, MaybeDeferred
from chatd.core.limits import DEFAULT_MAX_ROOMS, DEFAULT_MAX_ROOMS_PER_USER, HISTORY_COUNT
from chatd.core.membership import Membership
from chatd.core.messages import Messages
from chatd.core.metrics import ChatStats
from chatd.core.moderation import Moderation
from chatd.core.names import isValidName, key, normalize
from chatd.core.people import People
from chatd.core.persistence import Persistence
from chatd.core.replica import Replica
from chatd.core.roles import IAdministration, IChatObserver, IReplica
from chatd.core.room import Room
from chatd.core.roomlimits import RoomLimits
from chatd.core.roomops import RoomOps
from chatd.core.roomqueries import RoomQueries
from chatd.core.rooms import Rooms
from chatd.core.text import scrub
from chatd.core.whowas import PastUser
from chatd.storage.interfaces import IChatStore


@implementer(IAdministration)
class ChatService(Service):
    """
    In-memory chat state, shared by every front-end of one daemon.

    @ivar admission: which connections the listeners accept (C{maxClients}
        and the per-address limits).
    @ivar maxGroupSize: members a room accepts (C{None}: no limit).
    @ivar roomLimits: how many rooms users may create (L{RoomLimits}).
    """

    log = Logger()

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
    ) -> None:
        """
        @param maxClients: without C{admission}, the only limit of the one
            made here (C{None}: none).
        """
        self.clock = clock
        self.admission = Admission(clock, maxClients) if admission is None else admission
        self.registry = Rooms(RoomLimits(maxRooms, maxRoomsPerUser))
        self.roomLimits = self.registry.limits
        self.replica: IReplica = Replica(self, self.registry)
        self.roomOps = RoomOps(self)
        self.administration = Administration(self)
        self.roomQueries = RoomQueries(self)
        self.maxGroupSize = maxGroupSize
        self.people = People(operators)
        self.operatorNames = self.people.operatorNames
        self.nickHistory = self.people.nickHistory
        #: The rooms each logged-in participant is in, in entry order.
        self._joined: dict[IParticipant, list[Room]] = {}
        self.membership = Membership(self, self._joined)
        self.stats = ChatStats()
        for name in rooms:
            self.registry.create(name)
        self.moderation = Moderation(clock, self.people.operatorKeys)
        self.historyCount = historyCount
        # One text line per login and per disconnect is ~40% of a login's CPU
        # (Twisted formats every event); busy sites may do without them.
        self.logConnections = logConnections
        self.persistence = (
            None if store is None else Persistence(self, store, accounts or Accounts(store, clock))
        )
        self.chathistory = None if store is None else ChatHistory(self, store)
        self.messages = Messages(
            clock,
            self.registry,
            self.people,
            self.moderation,
            self.stats,
            self.requireLogin,
            self.persistence,
        )

    @property
    def maxClients(self) -> int | None:
        """
        Connections accepted at once (C{None}: no limit), kept by C{admission}.
        """
        return self.admission.maxClients

    @maxClients.setter
    def maxClients(self, value: int | None) -> None:
        self.admission.maxClients = value

    def now(self) -> int:
        """
        The clock's time in whole seconds, as events carry it.
        """
        return int(self.clock.seconds())

    _now = now

    def isConnected(self, participant: IParticipant) -> bool:
        return self.people.isConnected(participant)

    def isLoggedIn(self, participant: IParticipant) -> bool:
        return participant in self._joined

    def memberRoom(self, participant: IParticipant, name: str) -> Room:
        """
        The room C{name} that logged-in C{participant} is in.

        @raise NotLoggedIn, NoSuchGroup, NotMember: it is not.
        """
        self.requireLogin(participant)
        return self._memberRoom(participant, name)

    def storeOf(self, room: Room) -> Persistence | None:
        """
        The persistence that keeps C{room}'s settings: none for an
        ephemeral room.
        """
        return None if room.ephemeral else self.persistence

    def _room(self, name: str) -> Room:
        return self.registry.get(name)

    def _memberRoom(self, participant: IParticipant, name: str) -> Room:
        room = self._room(name)
        if participant.nick is None or key(participant.nick) not in room.members:
            raise errors.NotMember()
        return room

    def requireLogin(self, participant: IParticipant) -> str:
        if participant.nick is None or participant not in self._joined:
            raise errors.NotLoggedIn()
        nick: str = participant.nick
        return nick

    # Connections

    def connect(self, participant: IParticipant) -> None:
        self.moderation.admit(participant)
        self.people.connected(participant)

    def disconnect(self, participant: IParticipant, reason: str = "") -> None:
        reason = scrub(reason)  # a leaving user's words cannot be refused
        if self.people.closed(participant):
            self.stats.disconnected(participant.protocolName, reason)
        if self.persistence is not None:
            self.persistence.forgetLogin(participant)
        for roomKey in self.roomLimits.sessionEnded(participant):
            founded = self.registry.find(roomKey)
            if founded is not None and founded.creator is participant:
                founded.creatorLeft()
                self.registry.vanishIfEmpty(founded)
        rooms = self._joined.pop(participant, None)
        if rooms is None:
            return
        nick = participant.nick
        assert nick is not None
        for room in rooms:
            self.membership.removeMember(room, nick, reason)
        self.people.left(participant, nick, self._now())
        if self.logConnections:
            self.log.info("{nick} disconnected ({reason})", nick=nick, reason=reason)
        if self.observer is not None:
            self.observer.loggedOut(participant, nick, reason)

    def login(
        self, participant: IParticipant, nick: str, password: str | None = None
    ) -> MaybeDeferred[str]:
        """
        Without a store, the name is given at once.  With one, a L{Deferred}:
        a registered name needs its password (L{errors.BadPassword}
        otherwise), and the user is put back in their rooms and given the
        private messages that waited for them.
        """
        if participant in self._joined:
            raise errors.AlreadyLoggedIn()
        nick = normalize(nick)
        if not isValidName(nick):
            raise errors.InvalidNick()
        loading = self.moderation.whenLoaded()
        if loading is not None:  # just started: nobody in before the sanctions are known
            return loading.addCallback(lambda _: self._loginOnceLoaded(participant, nick, password))
        self.moderation.checkLogin(nick)
        if self.people.find(nick) is not None:
            raise errors.NickTaken()
        if self.persistence is not None:
            # The password first: the name is claimed only once it is earned.
            return self.persistence.login(participant, nick, password)
        if self.observer is not None:
            return self._claimThen(participant, nick, self._loginClaimed, participant, nick)
        return self.admit(participant, nick)

    def _loginOnceLoaded(
        self, participant: IParticipant, nick: str, password: str | None
    ) -> MaybeDeferred[str]:
        if not self.people.isConnected(participant):
            raise errors.NotLoggedIn()
        self.moderation.checkAddress(participant.address)  # it connected before the bans were known
        return self.login(participant, nick, password)

    def admitVerified(self, participant: IParticipant, nick: str) -> MaybeDeferred[str]:
        """
        Give C{nick}, whose password (if any) was checked, to
        C{participant}: claimed cluster-wide first in cluster mode.

        @raise NickTaken: someone has the name by now.
        @raise NotLoggedIn: the connection closed meanwhile.
        """
        if self.observer is not None:
            return self._claimThen(participant, nick, self._loginClaimed, participant, nick)
        return self._loginClaimed(participant, nick)

    def admit(self, participant: IParticipant, nick: str) -> str:
        self.people.named(participant, nick)
        self._joined[participant] = []
        if self.logConnections:
            self.log.info(
                "{nick} logged in from {address} over {protocol}",
                nick=nick,
                address=participant.address,
                protocol=participant.protocolName,
            )
        if self.observer is not None:
            self.observer.loggedIn(participant)
        return nick

    def rename(self, participant: IParticipant, nick: str) -> MaybeDeferred[str]:
        old = self.requireLogin(participant)
        nick = normalize(nick)
        if not isValidName(nick):
            raise errors.InvalidNick()
        if self.people.holdsOther(participant, nick):
            raise errors.NickTaken()
        if self.persistence is not None:
            self.persistence.checkRename(old, nick)
        if self.observer is not None and key(nick) != key(old):
            return self._claimThen(participant, nick, self._renameClaimed, participant, old, nick)
        return self.applyRename(participant, old, nick)

    def applyRename(self, participant: IParticipant, old: str, nick: str) -> str:
        self.people.renamed(participant, old, nick, self._now())
        audience: dict[IParticipant, list[str]] = {participant: []}
        for room in self._joined[participant]:
            room.rename(old, nick)
            for member in room.members.values():
                audience.setdefault(member, []).append(room.name)
        now = self._now()
        for member, rooms in audience.items():
            member.renamed(Rename(old, nick, tuple(rooms), now))
        if self.observer is not None:
            self.observer.renamed(participant, old)
        return nick

    # Rooms

    def createRoom(self, participant: IParticipant, room: str) -> MaybeDeferred[str]:
        return self.membership.createRoom(participant, room)

    def roomVanishes(self, room: str) -> bool:
        return self.roomQueries.roomVanishes(room)

    def keepRoomsOf(self, participant: IParticipant) -> list[Room]:
        return self.roomQueries.keepRoomsOf(participant)

    def keepRoom(self, room: str) -> str:
        return self.roomQueries.keepRoom(room)

    def enter(
        self, participant: IParticipant, room: str, roomKey: str | None = None
    ) -> MaybeDeferred[str]:
        return self.membership.enter(participant, room, roomKey)

    def join(
        self, participant: IParticipant, nick: str, target: Room, remote: bool = False
    ) -> None:
        self.membership.join(participant, nick, target, remote)

    def leave(self, participant: IParticipant, room: str, reason: str = "") -> MaybeDeferred[str]:
        return self.membership.leave(participant, room, reason)

    def part(
        self, participant: IParticipant, nick: str, room: Room, reason: str, kind: str | None = None
    ) -> None:
        self.membership.part(participant, nick, room, reason, kind)

    def members(self, participant: IParticipant, room: str) -> list[str]:
        return self.membership.members(participant, room)

    def roomsOf(self, participant: IParticipant) -> list[str]:
        return [room.name for room in self._joined.get(participant, ())]

    def roomsJoined(self, participant: IParticipant) -> list[Room]:
        """
        The rooms C{participant} is in, in the order it entered them.
        """
        return list(self._joined.get(participant, ()))

    def rooms(self) -> list[tuple[str, int]]:
        return self.registry.listing()

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
    ) -> PrivateMessage | Deferred[None]:
        return self.messages.tell(participant, nick, lines, notice, tags)

    def announce(self, text: str) -> None:
        self.messages.announce(text)

    def wallops(self, participant: IParticipant, text: str) -> Wallops:
        return self.messages.wallops(participant, text)

    # People

    def users(self) -> list[IParticipant]:
        return self.people.users()

    def find(self, nick: str) -> IParticipant | None:
        return self.people.find(nick)

    def isOperator(self, participant: IParticipant) -> bool:
        """
        Whether C{participant} may moderate everywhere: made an operator for
        its session (L{grantOperator}), or named an operator (C{--operators},
        the console's C{op}) and logged in to that registered account with
        its password.  A name alone gives nothing: anyone may type it.
        """
        return self.people.isOperator(participant)

    def accountProven(self, participant: IParticipant, nick: str) -> None:
        """
        C{participant} logged in as the registered account C{nick} with its
        password (TCHAT, talk, the web, IRC C{PASS} or SASL): it holds the
        operator rights given to that name, if any, while it keeps it.
        """
        self.people.accountProven(participant, nick)

    def provenAccount(self, participant: IParticipant) -> str | None:
        """
        The key of the account C{participant} logged in to with its password
        (L{accountProven}), or C{None}.
        """
        return self.people.provenAccount(participant)

    def kick(self, participant: IParticipant, nick: str, reason: str = "") -> None:
        self.administration.kick(participant, nick, reason)

    def invite(self, participant: IParticipant, nick: str, room: str) -> None:
        self.roomOps.invite(participant, nick, room)

    def capacity(self, room: str) -> int | None:
        return self.administration.capacity(room)

    def connections(self) -> list[IParticipant]:
        """
        Every open connection, logged in or not (for metrics).
        """
        return self.people.connections()

    # Persistence: accounts, approvals and history (need a store)

    def startService(self) -> None:
        super().startService()
        if self.persistence is not None:
            self.persistence.start()
        else:
            for name in self.operatorNames:
                self.log.warn(
                    "operator {name} has no registered account (this server keeps no"
                    " accounts): the name gives no rights; use IRC OPER",
                    name=name,
                )

    def requirePersistence(self) -> Persistence:
        """
        The persistence, for what needs a store.

        @raise NotPermitted: this server keeps none.
        """
        if self.persistence is None:
            raise errors.NotPermitted("this server keeps no accounts or history")
        return self.persistence

    def register(self, participant: IParticipant, password: str) -> Deferred[None]:
        """
        Register C{participant}'s nickname with C{password}, or change the
        password of the registered name they are logged in with.
        """
        return self.requirePersistence().register(participant, password)

    def isRegistered(self, nick: str) -> Deferred[bool]:
        """
        Whether C{nick} is a registered nickname (that needs a password).
        """
        if self.persistence is None:
            return succeed(False)
        persistence = self.persistence
        return persistence.whenReady().addCallback(lambda _: persistence.isRegisteredNow(nick))

    def historyWindow(
        self, participant: IParticipant, target: str, isRoom: bool, query: HistoryQuery
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        self.requirePersistence()
        assert self.chathistory is not None
        return self.chathistory.window(participant, target, isRoom, query)

    def historyTargets(
        self, participant: IParticipant, after: int, before: int, limit: int
    ) -> Deferred[list[tuple[str, bool, int]]]:
        self.requirePersistence()
        assert self.chathistory is not None
        return self.chathistory.targets(participant, after, before, limit)

    def history(
        self, participant: IParticipant, room: str, count: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        """
        The last C{count} messages of C{room}, oldest first, as
        L{RoomMessage}s with their original time.  Only members may ask.
        """
        if count is None:
            count = self.historyCount or HISTORY_COUNT  # replay may be off; HISTO still answers
        return self.requirePersistence().history(participant, room, count)

    def acceptPending(self, room: str, nick: str) -> Deferred[None]:
        return self.administration.acceptPending(room, nick)

    def pendingRequests(self, room: str | None = None) -> list[tuple[str, str]]:
        return self.administration.pendingRequests(room)

    def configureRoom(
        self,
        room: str,
        mode: str | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        autojoin: bool | None = None,
    ) -> Deferred[str]:
        return self.administration.configureRoom(room, mode, capacity, topic, autojoin)

    # Administration (L{Administration}: the admin console's needs)

    def endSession(self, participant: IParticipant, error: errors.ChatError) -> None:
        self.administration.endSession(participant, error)

    def addRoom(self, name: str) -> str:
        return self.administration.addRoom(name)

    def notify(self, participant: IParticipant, text: str) -> None:
        self.administration.notify(participant, text)

    def roomMode(self, name: str) -> str:
        return self.administration.roomMode(name)

    def topic(self, room: str) -> str:
        return self.administration.topic(room)

    # An observer (optional: cluster mode sets one) and participants served
    # by another process, whose actions were checked where they were made.

    observer: IChatObserver | None = None

    def observeWith(self, observer: IChatObserver) -> None:
        """
        Tell C{observer} of every login, rename and room change from now on.
        """
        self.observer = observer

    def _claimThen(
        self, participant: IParticipant, nick: str, then: Callable[..., Any], *args: Any
    ) -> Deferred[Any]:
        """
        Ask the observer for C{nick}, then C{then(*args)}; a claim that
        ends up unused is given back.
        """
        observer = self.observer
        assert observer is not None

        def claimed(_: object) -> Deferred[Any]:
            def unused(failure: Any) -> Any:
                observer.releaseNick(participant, nick)
                return failure

            return maybeDeferred(then, *args).addErrback(unused)

        return maybeDeferred(observer.claimNick, participant, nick).addCallback(claimed)

    def _loginClaimed(self, participant: IParticipant, nick: str) -> str:
        if not self.people.isConnected(participant) or participant in self._joined:
            raise errors.NotLoggedIn("the connection closed during login")
        if self.people.find(nick) is not None:
            raise errors.NickTaken()
        return self.admit(participant, nick)

    def _renameClaimed(self, participant: IParticipant, old: str, nick: str) -> str:
        if participant.nick != old or participant not in self._joined:
            raise errors.NotLoggedIn("the connection closed during the rename")
        if self.people.holdsOther(participant, nick):
            raise errors.NickTaken()
        return self.applyRename(participant, old, nick)

    # Room operators, voice and modes (protocol-neutral; IRC shows them as
    # channel modes, other front-ends as notices)

    def isRoomOperator(self, participant: IParticipant, room: str) -> bool:
        return self.roomQueries.isRoomOperator(participant, room)

    # Room operators' commands (L{RoomOps})

    def saveRules(self, room: Room) -> None:
        self.roomOps.saveRules(room)

    def changeRoomMode(
        self, participant: IParticipant, room: str, adding: bool, mode: str, nick: str = ""
    ) -> MaybeDeferred[bool]:
        return self.roomOps.changeRoomMode(participant, room, adding, mode, nick)

    def setTopic(self, participant: IParticipant, room: str, topic: str) -> MaybeDeferred[str]:
        return self.roomOps.setTopic(participant, room, topic)

    def kickFromRoom(
        self, participant: IParticipant, room: str, nick: str, reason: str = ""
    ) -> MaybeDeferred[str]:
        return self.roomOps.kickFromRoom(participant, room, nick, reason)

    def changeRoomModes(
        self, participant: IParticipant, room: str, changes: Iterable[tuple[bool, str, str]]
    ) -> MaybeDeferred[list[tuple[bool, str, str, errors.ChatError]]]:
        return self.roomOps.changeRoomModes(participant, room, changes)

    def memberStatus(self, room: str, nick: str) -> str:
        return self.roomQueries.memberStatus(room, nick)

    def roomModes(self, room: str) -> str:
        return self.roomQueries.roomModes(room)

    def kickOut(self, target: Room, kicked: IParticipant, nick: str, by: str, reason: str) -> str:
        return self.membership.kickOut(target, kicked, nick, by, reason)

    def grantOperator(self, participant: IParticipant) -> None:
        """
        Make C{participant} a chatd operator for the rest of its session
        (an administrator proved who they are, IRC's C{OPER}); it ends with
        the connection, whatever the nickname.
        """
        self.requireLogin(participant)
        self.people.grantOperator(participant)

    def topicSetter(self, room: str) -> tuple[str, int] | None:
        return self.roomQueries.topicSetter(room)

    def roomCreatedAt(self, room: str) -> int:
        return self.roomQueries.roomCreatedAt(room)

    # Room keys, ban masks, secret rooms and grouped mode changes (the
    # rules are L{Room}'s; all kept in memory like the other modes)

    def canSee(self, participant: IParticipant, room: str) -> bool:
        return self.roomQueries.canSee(participant, room)

    def roomsVisibleTo(self, participant: IParticipant) -> list[tuple[str, int]]:
        return self.roomQueries.roomsVisibleTo(participant)

    def roomKey(self, room: str) -> str | None:
        return self.roomQueries.roomKey(room)

    def roomBans(self, room: str, mode: str = "b") -> list[tuple[str, str, int]]:
        return self.roomQueries.roomBans(room, mode)

    def whowas(self, nick: str, count: int | None = None) -> list[PastUser]:
        return self.nickHistory.lookup(nick, count)

    # Operators' messages (IRC's WALLOPS)

    def receiveWallops(self, participant: IParticipant, wanted: bool) -> None:
        """
        Whether C{participant} receives operators' messages (L{wallops});
        until it disconnects, or says otherwise.
        """
        self.people.receiveWallops(participant, wanted)
