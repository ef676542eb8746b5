# -*- test-case-name: tests.test_service -*-
"""
The one shared chat: who is connected, which rooms exist, who is in them.

Every rule lives here and nowhere else; front-ends translate their wire
protocol into these calls and the events back into their wire protocol.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.application.service import Service
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

from chatd import errors
from chatd.events import Membership, Notice, PrivateMessage, Rename, RoomMessage
from chatd.interfaces import IChatService, IParticipant
from chatd.metrics import ChatStats
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
        self.stats = ChatStats()
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
        if participant in self._connections:
            self._connections.remove(participant)
            self.stats.disconnected(participant.protocolName, reason)
        rooms = self._joined.pop(participant, None)
        if rooms is None:
            return
        nick = participant.nick
        assert nick is not None
        for room in rooms:
            self._removeMember(room, nick, reason)
        del self._users[key(nick)]
        self.log.info("{nick} disconnected ({reason})", nick=nick, reason=reason)

    def login(self, participant: IParticipant, nick: str, password: str | None = None) -> str:
        if participant in self._joined:
            raise errors.AlreadyLoggedIn()
        nick = normalize(nick)
        if not isValidName(nick):
            raise errors.InvalidNick()
        if key(nick) in self._users:
            raise errors.NickTaken()
        self._users[key(nick)] = participant
        self._joined[participant] = []
        participant.nick = nick
        self.log.info(
            "{nick} logged in from {address} over {protocol}",
            nick=nick,
            address=participant.address,
            protocol=participant.protocolName,
        )
        return nick

    def rename(self, participant: IParticipant, nick: str) -> str:
        old = self._requireLogin(participant)
        nick = normalize(nick)
        if not isValidName(nick):
            raise errors.InvalidNick()
        holder = self._users.get(key(nick))
        if holder is not None and holder is not participant:
            raise errors.NickTaken()
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
        return nick

    # Rooms

    def createRoom(self, participant: IParticipant, room: str) -> str:
        self._requireLogin(participant)
        return self._addRoom(room).name

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
        return target.name

    def leave(self, participant: IParticipant, room: str) -> str:
        nick = self._requireLogin(participant)
        target = self._memberRoom(participant, room)
        self._joined[participant].remove(target)
        self._removeMember(target, nick, "")
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
        self.stats.messageIn(participant.protocolName, "room", len(target.members) - 1)

    def tell(self, participant: IParticipant, nick: str, lines: tuple[str, ...]) -> None:
        sender = self._requireLogin(participant)
        recipient = self._users.get(key(nick))
        if recipient is None:
            raise errors.NoSuchUser()
        self._checkBody(lines)
        assert recipient.nick is not None
        recipient.privateMessage(PrivateMessage(sender, recipient.nick, lines, self._now()))
        self.stats.messageIn(participant.protocolName, "private", 1)

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

    def connections(self) -> list[IParticipant]:
        """
        Every open connection, logged in or not (for metrics).
        """
        return list(self._connections)
