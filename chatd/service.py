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
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from chatd import errors
from chatd.events import Membership, Notice, PrivateMessage, Rename, RoomMessage
from chatd.interfaces import IChatObserver, IChatService, IParticipant
from chatd.names import isValidName, key, normalize


class Room:
    """
    A room's name as created and its members, in the order they entered.
    """

    __slots__ = ("name", "members")

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: dict[str, IParticipant] = {}


@implementer(IChatService)
class ChatService(Service):
    """
    In-memory chat state, shared by every front-end of one daemon.

    @ivar maxClients: connections accepted at once (C{None}: no limit).
    @ivar maxGroupSize: members a room accepts (C{None}: no limit).
    """

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        maxClients: int | None = None,
        maxGroupSize: int | None = None,
        rooms: Iterable[str] = (),
        operators: Iterable[str] = (),
    ) -> None:
        self.clock = clock
        self.maxClients = maxClients
        self.maxGroupSize = maxGroupSize
        self._connections: set[IParticipant] = set()
        self._users: dict[str, IParticipant] = {}
        self._rooms: dict[str, Room] = {}
        self._joined: dict[IParticipant, list[Room]] = {}
        self._operators = {key(nick) for nick in operators}
        for name in rooms:
            self._addRoom(name)

    def _now(self) -> int:
        return int(self.clock.seconds())

    def _addRoom(self, name: str) -> Room:
        name = normalize(name)
        if not isValidName(name):
            raise errors.InvalidGroup()
        if key(name) in self._rooms:
            raise errors.GroupExists()
        room = self._rooms[key(name)] = Room(name)
        return room

    def _room(self, name: str) -> Room:
        try:
            return self._rooms[key(name)]
        except KeyError:
            raise errors.NoSuchGroup() from None

    def _memberRoom(self, participant: IParticipant, name: str) -> Room:
        room = self._room(name)
        if participant.nick is None or key(participant.nick) not in room.members:
            raise errors.NotMember()
        return room

    def _requireLogin(self, participant: IParticipant) -> str:
        if participant.nick is None or participant not in self._joined:
            raise errors.NotLoggedIn()
        nick: str = participant.nick
        return nick

    @staticmethod
    def _checkBody(lines: tuple[str, ...]) -> None:
        if not any(line.strip() for line in lines):
            raise errors.InvalidArgument("empty message")

    # Connections

    def connect(self, participant: IParticipant) -> None:
        if self.maxClients is not None and len(self._connections) >= self.maxClients:
            raise errors.ServerFull()
        self._connections.add(participant)

    def disconnect(self, participant: IParticipant, reason: str = "") -> None:
        self._connections.discard(participant)
        rooms = self._joined.pop(participant, None)
        if rooms is None:
            return
        nick = participant.nick
        assert nick is not None
        for room in rooms:
            self._removeMember(room, nick, reason)
        del self._users[key(nick)]
        self.log.info("{nick} disconnected ({reason})", nick=nick, reason=reason)
        if self.observer is not None:
            self.observer.loggedOut(participant, nick, reason)

    def login(self, participant: IParticipant, nick: str, password: str | None = None) -> Any:
        if participant in self._joined:
            raise errors.AlreadyLoggedIn()
        nick = normalize(nick)
        if not isValidName(nick):
            raise errors.InvalidNick()
        if key(nick) in self._users:
            raise errors.NickTaken()
        if self.observer is not None:
            return self._claimThen(participant, nick, self._admitClaimed, participant, nick)
        return self._admit(participant, nick)

    def _admit(self, participant: IParticipant, nick: str) -> str:
        self._users[key(nick)] = participant
        self._joined[participant] = []
        participant.nick = nick
        self.log.info(
            "{nick} logged in from {address} over {protocol}",
            nick=nick,
            address=participant.address,
            protocol=participant.protocolName,
        )
        if self.observer is not None:
            self.observer.loggedIn(participant)
        return nick

    def rename(self, participant: IParticipant, nick: str) -> Any:
        old = self._requireLogin(participant)
        nick = normalize(nick)
        if not isValidName(nick):
            raise errors.InvalidNick()
        holder = self._users.get(key(nick))
        if holder is not None and holder is not participant:
            raise errors.NickTaken()
        if self.observer is not None and key(nick) != key(old):
            return self._claimThen(participant, nick, self._renameClaimed, participant, old, nick)
        return self._rename(participant, old, nick)

    def _rename(self, participant: IParticipant, old: str, nick: str) -> str:
        del self._users[key(old)]
        self._users[key(nick)] = participant
        participant.nick = nick
        audience: dict[IParticipant, list[str]] = {participant: []}
        for room in self._joined[participant]:
            room.members = {
                (key(nick) if k == key(old) else k): member for k, member in room.members.items()
            }
            for member in room.members.values():
                audience.setdefault(member, []).append(room.name)
        now = self._now()
        for member, rooms in audience.items():
            member.renamed(Rename(old, nick, tuple(rooms), now))
        if self.observer is not None:
            self.observer.renamed(participant, old)
        return nick

    # Rooms

    def createRoom(self, participant: IParticipant, room: str) -> str:
        self._requireLogin(participant)
        name = self._addRoom(room).name
        if self.observer is not None:
            self.observer.roomCreated(participant, name)
        return name

    def enter(self, participant: IParticipant, room: str) -> str:
        nick = self._requireLogin(participant)
        target = self._room(room)
        if key(nick) in target.members:
            raise errors.AlreadyMember()
        if self.maxGroupSize is not None and len(target.members) >= self.maxGroupSize:
            raise errors.GroupFull()
        event = Membership(target.name, nick, True, self._now())
        for member in target.members.values():
            member.membershipChanged(event)
        target.members[key(nick)] = participant
        self._joined[participant].append(target)
        if self.observer is not None:
            self.observer.entered(participant, target.name)
        return target.name

    def leave(self, participant: IParticipant, room: str) -> str:
        nick = self._requireLogin(participant)
        target = self._memberRoom(participant, room)
        self._joined[participant].remove(target)
        self._removeMember(target, nick, "")
        if self.observer is not None:
            self.observer.left(participant, target.name)
        return target.name

    def _removeMember(self, room: Room, nick: str, reason: str) -> None:
        del room.members[key(nick)]
        event = Membership(room.name, nick, False, self._now(), reason)
        for member in room.members.values():
            member.membershipChanged(event)

    def members(self, participant: IParticipant, room: str) -> list[str]:
        self._requireLogin(participant)
        target = self._memberRoom(participant, room)
        return [member.nick for member in target.members.values()]

    def roomsOf(self, participant: IParticipant) -> list[str]:
        return [room.name for room in self._joined.get(participant, ())]

    def rooms(self) -> list[tuple[str, int]]:
        return sorted(
            ((room.name, len(room.members)) for room in self._rooms.values()),
            key=lambda item: key(item[0]),
        )

    # Messages

    def say(self, participant: IParticipant, room: str, lines: tuple[str, ...]) -> None:
        nick = self._requireLogin(participant)
        target = self._memberRoom(participant, room)
        self._checkBody(lines)
        event = RoomMessage(target.name, nick, lines, self._now())
        for member in target.members.values():
            if member is not participant:
                member.roomMessage(event)

    def tell(self, participant: IParticipant, nick: str, lines: tuple[str, ...]) -> None:
        sender = self._requireLogin(participant)
        recipient = self._users.get(key(nick))
        if recipient is None:
            raise errors.NoSuchUser()
        self._checkBody(lines)
        assert recipient.nick is not None
        recipient.privateMessage(PrivateMessage(sender, recipient.nick, lines, self._now()))

    # People

    def users(self) -> list[IParticipant]:
        return list(self._users.values())

    def find(self, nick: str) -> IParticipant | None:
        return self._users.get(key(nick))

    def isOperator(self, participant: IParticipant) -> bool:
        return participant.nick is not None and key(participant.nick) in self._operators

    def kick(self, participant: IParticipant, nick: str, reason: str = "") -> None:
        operator = self._requireLogin(participant)
        if not self.isOperator(participant):
            raise errors.NotPermitted()
        target = self.find(nick)
        if target is None:
            raise errors.NoSuchUser()
        why = f"kicked by {operator}" + (f": {reason}" if reason else "")
        self.disconnect(target, why)
        target.disconnect(errors.Kicked(why))

    def announce(self, text: str) -> None:
        """
        Send a server notice to every logged-in user.
        """
        event = Notice(text, self._now())
        for user in self.users():
            user.notice(event)

    # An observer (optional: cluster mode sets one) and participants served
    # by another process, whose actions were checked where they were made.

    observer: IChatObserver | None = None

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

    def _admitClaimed(self, participant: IParticipant, nick: str) -> str:
        if participant not in self._connections or participant in self._joined:
            raise errors.NotLoggedIn("the connection closed during login")
        if key(nick) in self._users:
            raise errors.NickTaken()
        return self._admit(participant, nick)

    def _renameClaimed(self, participant: IParticipant, old: str, nick: str) -> str:
        if participant.nick != old or participant not in self._joined:
            raise errors.NotLoggedIn("the connection closed during the rename")
        holder = self._users.get(key(nick))
        if holder is not None and holder is not participant:
            raise errors.NickTaken()
        return self._rename(participant, old, nick)

    def admitRemote(self, participant: IParticipant, nick: str) -> str:
        """
        Log in a participant connected to another process, where the name
        was claimed and any password checked.

        @raise NickTaken: someone here has the name.
        """
        nick = normalize(nick)
        if key(nick) in self._users:
            raise errors.NickTaken()
        return self._admit(participant, nick)

    def ensureRoom(self, room: str) -> str:
        """
        The display name of C{room}, created here first if another process
        created it.
        """
        try:
            return self._room(room).name
        except errors.NoSuchGroup:
            return self._addRoom(room).name

    def enterRemote(self, participant: IParticipant, room: str) -> None:
        """
        Put a participant served by another process in C{room} (created if
        need be), where its entry was already checked; members here are told.
        """
        nick = self._requireLogin(participant)
        target = self._room(self.ensureRoom(room))
        if key(nick) in target.members:
            return
        event = Membership(target.name, nick, True, self._now())
        for member in target.members.values():
            member.membershipChanged(event)
        target.members[key(nick)] = participant
        self._joined[participant].append(target)

    def leaveRemote(self, participant: IParticipant, room: str, reason: str = "") -> None:
        """
        Take a participant served by another process out of C{room} (where
        its leaving was already recorded); members here are told.
        """
        nick = self._requireLogin(participant)
        target = self._rooms.get(key(room))
        if target is None or target not in self._joined[participant]:
            return
        self._joined[participant].remove(target)
        self._removeMember(target, nick, reason)
