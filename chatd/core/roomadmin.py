# -*- test-case-name: tests.unit.admin.test_roomadmin -*-
"""
What an administrator does to one room from the admin console: set its
topic (the seeded rooms have no operator who could), give a member
operator status, name its founder, make it an approval room or an
open one.  The rules are the rooms' own
(L{chatd.core.room}, L{chatd.core.founders}); this applies them on an
administrator's behalf, tells the members and stores what must last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core import errors
from chatd.core.events import RoomChange
from chatd.core.interfaces import MaybeDeferred
from chatd.core.names import key, normalize
from chatd.storage.interfaces import APPROVAL, OPEN

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from chatd.core.service import ChatService


class RoomAdministration:
    """
    The admin console's room commands, for the L{ChatService} facade; C{by}
    is the administrator's name, shown to the members as who did it.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def setTopic(self, room: str, topic: str, by: str) -> MaybeDeferred[str]:
        """
        Set C{room}'s topic as C{by}; every member is told, and the topic
        with its setter and time is stored.
        """
        target = self.service.registry.get(room)
        return self.service.roomOps.applyTopic(target, topic, by)

    def giveOperator(self, room: str, nick: str, by: str) -> bool:
        """
        Make member C{nick} an operator of C{room}; every member is told.
        Whether it changed anything (C{False}: it was one already).

        @raise NotInRoom: C{nick} is not in the room.
        """
        target = self.service.registry.get(room)
        done = target.apply(by, True, "o", nick, self.service.now())
        if done is None:
            return False
        args = () if done[1] is None else (done[1],)
        event = RoomChange(target.name, by, self.service.clock.seconds(), done[0], args)
        self.service.roomOps.tellRoom(target, event)
        return True

    def setFounder(self, room: str, account: str) -> Deferred[str]:
        """
        Make the registered C{account} C{room}'s founder (C{""}: it has
        none), stored; the room lasts from now on.

        @raise InvalidArgument: C{account} is not a registered account.
        """
        persistence = self.service.requirePersistence()
        target = self.service.registry.get(room)
        account = normalize(account)
        if account and key(account) not in persistence.registered:
            raise errors.InvalidArgument(f"{account} is not a registered account")
        target.settings.founder = account
        return persistence.configureRoom(target.name, None, None, None, None)

    def setApproval(self, room: str, on: bool) -> Deferred[str]:
        """
        Make C{room} an approval room (C{on}: whoever enters it from now on,
        but the accepted and the server's operators, needs an
        administrator's acceptance) or an open one, stored and shared with
        every cluster node as its other settings are.  Its members stay;
        made open, the requests to enter it end (L{Approvals.opened}).

        @raise NoSuchGroup: there is no such room.
        """
        persistence = self.service.requirePersistence()
        target = self.service.registry.get(room)
        mode = APPROVAL if on else OPEN
        configured = persistence.configureRoom(target.name, mode, None, None, None)
        if not on:  # whoever waited may enter: their requests are over
            persistence.approvals.opened(target)
        return configured
