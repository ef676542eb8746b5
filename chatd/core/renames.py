# -*- test-case-name: tests.unit.core.test_renaming,tests.unit.core.test_service -*-
"""
Renaming a logged-in connection: checked here (L{chatd.core.renaming}), in
a cluster claimed on every node first, then applied in every room it is in.
A part of L{chatd.core.login.Logins}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.calls import MaybeDeferred, maybeCall
from chatd.core.events import Rename
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.renaming import (
    checkFree,
    checkNewName,
    checkRename,
    claimed,
    renamedHere,
    validNick,
)

if TYPE_CHECKING:
    from chatd.core.service import ChatService


class Renames:
    """
    Renames, for L{chatd.core.login.Logins}.
    """

    service: ChatService

    def rename(self, participant: IParticipant, nick: str) -> MaybeDeferred[str]:
        service = self.service
        old = service.requireLogin(participant)
        nick = validNick(nick)
        checkFree(service, participant, nick)
        if key(nick) != key(old):
            checkRename(service, participant, old, nick)
        if service.persistence is not None and service.provenAccount(participant) != key(nick):
            service.persistence.checkRename(old, nick)  # a registered name needs its password
        account = service.accountName(participant)
        checkNewName(nick, account, service.serverName)
        person = service.people.personOf(participant)
        if not service.isOperator(participant):
            # Back to its account's own name is never refused (rights tied
            # to that name come back with it), though it counts.
            if key(nick) != key(account or ""):
                service.allowances.checkRename(person)
            service.allowances.renames.take(person)
        if service.observer is None or key(nick) == key(old):
            return renamedHere(service, old, self.applyRename(participant, old, nick))
        return Deferred.fromCoroutine(self.renameEverywhere(participant, old, nick))

    async def renameEverywhere(self, participant: IParticipant, old: str, nick: str) -> str:
        """
        A rename in a cluster: the name claimed, applied, and answered once
        every node has heard of it.
        """
        observer = self.service.observer
        assert observer is not None
        renamed = await claimed(
            observer, participant, nick, lambda: self.renameChecked(participant, old, nick)
        )
        await maybeCall(observer.everyoneHeard)
        return renamed

    def renameChecked(self, participant: IParticipant, old: str, nick: str) -> str:
        """
        L{applyRename}, after the claim's wait.
        """
        if participant.nick != old or not self.service.isLoggedIn(participant):
            raise errors.NotLoggedIn("the connection closed during the rename")
        checkFree(self.service, participant, nick)
        checkRename(self.service, participant, old, nick)  # a sanction may have come meanwhile
        return renamedHere(self.service, old, self.applyRename(participant, old, nick))

    def applyRename(self, participant: IParticipant, old: str, nick: str) -> str:
        """
        C{old} is called C{nick} now, in every room it is in; it and everyone
        sharing a room with it get one L{Rename} naming those rooms.
        """
        service = self.service
        service.people.renamed(participant, old, nick, service.now())
        audience: dict[IParticipant, list[str]] = {service.people.personOf(participant): []}
        for room in service.roomsJoined(participant):
            room.rename(old, nick)
            for member in room.members.values():
                audience.setdefault(member, []).append(room.name)
        now = service.clock.seconds()
        for member, rooms in audience.items():
            member.renamed(Rename(old, nick, tuple(rooms), now))
        if service.observer is not None:
            service.observer.renamed(participant, old)
        return nick
