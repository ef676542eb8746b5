# -*- test-case-name: tests.unit.core.test_service,tests.unit.admin.test_admin_approvals,tests.unit.admin.test_admin_refusals -*-  # noqa: E501
"""
The administrators' part of the service's facade: approval requests, room
settings and room operators set from a console, accounts, and the messages
an administrator purges, exports or erases, each handed to its owner
(L{Administration}, L{RoomAdministration}, the modules of accounts and
messages) in one line, as the rest of L{chatd.core.service.ChatService}
does.  A base class of its own so that
the facade's module stays short; it holds no state and no rule.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred

from chatd.core import accountadmin, erasure, export, purge
from chatd.core.calls import MaybeDeferred
from chatd.core.events import Administrator
from chatd.core.participant import IParticipant
from chatd.core.rightschange import changingRights

if TYPE_CHECKING:
    from chatd.core.administration import Administration
    from chatd.core.roomadmin import RoomAdministration
    from chatd.core.service import ChatService
    from chatd.modstore import Sanction


class AdminFacade:
    """
    L{chatd.core.roles.IAdministration}'s calls about approvals and room
    settings, for L{chatd.core.service.ChatService}, which builds
    C{administration} and C{roomAdministration}.
    """

    administration: Administration
    roomAdministration: RoomAdministration

    def capacity(self, room: str) -> int | None:
        return self.administration.capacity(room)

    def acceptPending(self, room: str, nick: str) -> Deferred[None]:
        return self.administration.acceptPending(room, nick)

    def refusePending(self, room: str, nick: str, reason: str = "") -> Deferred[None]:
        return self.administration.refusePending(room, nick, reason)

    def pendingRequests(self, room: str | None = None) -> list[tuple[str, str]]:
        return self.administration.pendingRequests(room)

    def waitingRequests(self) -> list[tuple[str, str, int | None]]:
        return self.administration.waitingRequests()

    def configureRoom(
        self,
        room: str,
        mode: str | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        autojoin: bool | None = None,
    ) -> Deferred[str]:
        return self.administration.configureRoom(room, mode, capacity, topic, autojoin)

    def addRoom(self, name: str) -> str:
        return self.administration.addRoom(name)

    def asService(self) -> ChatService:
        """This facade is the service's: for the functions that take it."""
        return cast("ChatService", self)

    def changingRights(self, by: str) -> AbstractContextManager[None]:
        return changingRights(self.asService(), by)

    def notify(self, participant: IParticipant, text: str) -> None:
        self.administration.notify(participant, text)

    def roomMode(self, name: str) -> str:
        return self.administration.roomMode(name)

    def topic(self, room: str) -> str:
        return self.administration.topic(room)

    def setRoomTopic(self, room: str, topic: str, by: str) -> MaybeDeferred[str]:
        return self.roomAdministration.setTopic(room, topic, by)

    def giveRoomOperator(self, room: str, nick: str, by: str) -> bool:
        return self.roomAdministration.giveOperator(room, nick, by)

    def setRoomFounder(self, room: str, account: str) -> Deferred[str]:
        return self.roomAdministration.setFounder(room, account)

    def setRoomApproval(self, room: str, on: bool) -> Deferred[str]:
        return self.roomAdministration.setApproval(room, on)

    def closeBanned(self, sanction: Sanction) -> int:
        return self.administration.closeBanned(sanction)

    def purgeMessages(
        self, sender: str, rooms: list[str] | None, since: float, by: str
    ) -> Deferred[purge.Purged]:
        return purge.purge(self.asService(), sender, rooms, since, Administrator(by))

    def exportMessages(
        self, room: str | None, since: float, until: float | None
    ) -> Deferred[export.Exported]:
        return export.export(self.asService(), room, since, until)

    def exportConversation(
        self, nick: str, other: str, since: float, until: float | None
    ) -> Deferred[export.Exported]:
        return export.exportPrivate(self.asService(), nick, other, since, until)

    def createAccount(self, nick: str, password: str) -> Deferred[str]:
        return Deferred.fromCoroutine(accountadmin.createAccount(self.asService(), nick, password))

    def setAccountPassword(
        self, nick: str, password: str, by: str, signOut: bool = False
    ) -> Deferred[accountadmin.PasswordSet]:
        return Deferred.fromCoroutine(
            accountadmin.setPassword(self.asService(), nick, password, by, signOut)
        )

    def deleteAccount(
        self, nick: str, by: str, reason: str = "", erase: bool = False
    ) -> Deferred[accountadmin.AccountDeleted]:
        return Deferred.fromCoroutine(
            accountadmin.deleteAccount(self.asService(), nick, by, reason, erase)
        )

    def eraseMessages(self, name: str) -> Deferred[erasure.Erased]:
        return Deferred.fromCoroutine(erasure.erase(self.asService(), name))
