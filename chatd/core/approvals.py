# -*- test-case-name: tests.unit.core.test_persistence,tests.unit.admin.test_admin_refusals -*-
"""
Approval rooms: the requests to enter them, written to the store, and an
operator's acceptance or refusal, which waits for the request's own write;
a person withdraws their own request by leaving the room they wait for.  A
connection signed in to an account asks, and is accepted, as the account,
whatever nickname it goes by.  A guest's (an unregistered name's) request
and acceptance are the guest's, not the name's: they end when the guest
leaves (L{Approvals.guestLeft}) and are not loaded after a restart, so the
next holder of the name does not get them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.answers import claim, withdrawal
from chatd.core.approvalnotices import (
    holderOf,
    tellOpened,
    tellRefused,
    tellRoomOperators,
)
from chatd.core.calls import whenFired
from chatd.core.events import Notice
from chatd.core.founders import isFounder
from chatd.core.keptrefusals import keepsFor, tellKeptIfHere
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.refusal import operatorsText
from chatd.core.renaming import unknownNick
from chatd.storage.interfaces import APPROVAL

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.room import Room
    from chatd.core.service import ChatService


class Approvals:
    """
    The store-backed rule of approval rooms, part of a L{Persistence}.
    """

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        self.service = persistence.service
        self.store = persistence.store
        #: The requests being written, by (room key, nickname key).
        self.requests: dict[tuple[str, str], Deferred[None]] = {}
        #: The requests whose write failed (an outage), listed here only,
        #: by (room key, nickname key): when each was asked
        #: (L{chatd.core.answers.claim}).
        self.unwritten: dict[tuple[str, str], int | None] = {}

    def checkApproval(self, participant: IParticipant, nick: str, room: Room) -> None:
        """
        @raise PendingApproval: C{room} needs approval and C{participant}
            (called C{nick}, or the account it signed in to: not the room's
            founder) does not have it yet; the request is recorded for an
            operator.
        """
        if room.settings.mode != APPROVAL or self.service.isOperator(participant):
            return
        account = self.service.accountName(participant)
        if isFounder(room, nick, self.service.provenAccount(participant)):
            return  # a room's founder needs nobody's leave to enter it (nor its bans')
        nick = account or nick
        if key(nick) in room.approved:
            return
        if key(nick) not in room.pending:
            room.request(key(nick), nick, self.service.now())
            self.persistence.log.info(
                "{nick} asks to enter approval room {room}", nick=nick, room=room.name
            )
            tellRoomOperators(self.service, room, nick)
            # Kept so that an acceptance waits for it: with several database
            # connections the two writes could otherwise land in either order.
            write = self.store.setAccess(room.name, nick, False, self.service.now())
            self.requests[key(room.name), key(nick)] = write
            write.addBoth(self._requestWritten, key(room.name), key(nick), write)
            self.persistence.background(write, "recording a request to enter")
        raise errors.PendingApproval(room=room.name)

    def _requestWritten(self, result: object, roomKey: str, nickKey: str, write: object) -> object:
        if self.requests.get((roomKey, nickKey)) is write:
            del self.requests[roomKey, nickKey]
        room = self.service.registry.find(roomKey)
        self.unwritten.pop((roomKey, nickKey), None)
        if isinstance(result, Failure) and room is not None and nickKey in room.pending:
            self.unwritten[roomKey, nickKey] = room.requestedAt.get(nickKey)
        elif not isinstance(result, Failure) and room is not None and nickKey in room.pending:
            asked = room.requestedAt.get(nickKey)
            self.persistence.changed(
                "access", room=room.name, u=room.pending[nickKey], a=False, t=asked
            )
        return result

    async def acceptPending(self, room: str, nick: str) -> None:
        """
        An operator accepts C{nick}'s request to enter C{room}, if no other
        answer came first (L{chatd.core.answers.claim}): it is accepted
        here, in the store and on every node, and the person, connected
        here, put in the room and told.
        """
        service = self.service
        target, nickKey = service.registry.get(room), key(nick)
        display = target.pending.get(nickKey)
        if display is None:
            absent = errors.NoSuchUser("nobody by that name waits to enter that room")
            raise unknownNick(nick, absent)
        stored = await claim(self, target, display, True)
        target.approve(nickKey)
        if stored:
            self.persistence.changed("access", room=target.name, u=display, a=True)
        user = holderOf(service, nick)
        if user is None:
            if nickKey in self.persistence.registered:
                entered = service.messages.latestMillis()  # (admitted: a member from now)
                await self.written(self.store.setMembership(display, target.name, True, entered))
            return
        if self.persistence.isLocal(user):
            await self.admitAccepted(user, target)

    async def refusePending(self, room: str, nick: str, reason: str = "") -> None:
        """
        An operator refuses C{nick}'s request to enter C{room}, if no other
        answer came first (L{chatd.core.answers.claim}): it ends here, in
        the store and on every node, and the person and the room's
        operators are told; the person may ask again.  An account that is
        away is told at its next login (L{chatd.core.keptrefusals}).
        """
        service, persistence = self.service, self.persistence
        target = service.registry.get(room)
        display = target.pending.get(key(nick))
        if display is None:
            absent = errors.NoSuchUser("nobody by that name waits to enter that room")
            raise unknownNick(nick, absent)
        await claim(self, target, display, False)
        forget(target, key(nick))
        kept = keepsFor(persistence, holderOf(service, display), display)
        persistence.log.info(
            "{nick}'s request to enter approval room {room} was refused{away}",
            nick=display,
            room=target.name,
            reason=reason,
            away=" (away: told at their next login)" if kept else "",
        )
        tellRefused(service, target, display, reason, kept)
        when = service.now()
        if kept:
            kept = await self.written(self.store.keepRefusal(display, target.name, reason, when))
        persistence.changed(
            "access", room=target.name, u=display, a=None, refused=reason, kept=kept, at=when
        )
        if kept:  # (they may have logged in meanwhile, too late to read it)
            tellKeptIfHere(persistence, holderOf(service, display), display)

    def refusalTold(self, room: str, account: str, when: float) -> None:
        """
        A refusal kept for C{account}'s request to enter C{room} was told
        (L{chatd.core.keptrefusals.tellKept}): the request is over here
        too, though this node may have missed the refusal (its envelope
        lost), so that re-reading the store
        (L{chatd.core.sharing.endMissed}) does not tell its end again.  A
        request made since the refusal stays.
        """
        target = self.service.registry.find(room)
        nickKey = key(account)
        if target is None or nickKey not in target.pending:
            return
        asked = target.requestedAt.get(nickKey)
        if (asked is not None and asked > when) or (key(target.name), nickKey) in self.requests:
            return
        forget(target, nickKey)

    def withdraw(self, participant: IParticipant, room: str) -> Deferred[str] | None:
        """
        C{participant}, leaving C{room}, which it is not in: if it waits to
        enter it (as its account, or as itself), the request ends, if no
        operator's answer came first (L{chatd.core.answers.withdrawal}):
        here, in the store and on every node, and the room's operators are
        told.

        @return: C{None} if it waits for no such room; else the answer to
            the leaving, which always fails with L{errors.NotMember},
            saying whether the request was withdrawn.
        """
        target = self.service.registry.find(room)
        nick = self.service.accountName(participant) or participant.nick
        if target is None or nick is None or key(nick) not in target.pending:
            return None
        return Deferred.fromCoroutine(self._withdraw(target, target.pending[key(nick)]))

    async def _withdraw(self, target: Room, display: str) -> str:
        await withdrawal(self, target, display)  # (unstored: it holds here all the same)
        forget(target, key(display))
        self.persistence.log.info(
            "{nick} withdrew their request to enter approval room {room}",
            nick=display,
            room=target.name,
        )
        tellRoomOperators(
            self.service, target, display, operatorsText(display, target.name, withdrawn=True)
        )
        self.persistence.changed("access", room=target.name, u=display, a=None, withdrawn=True)
        raise errors.NotMember(
            f"you are not in {target.name}: your request to enter it is withdrawn"
        )

    async def _end(self, room: str, nick: str, **how: object) -> None:
        """
        Forget C{nick}'s request to enter C{room} in the store, once its own
        write is done, and on every node, saying C{how} it ended
        (C{refused}: the reason; C{withdrawn} or C{left}: C{True}).
        """
        request = self.requests.get((key(room), key(nick)))
        if request is not None:
            await whenFired(request)
        self.unwritten.pop((key(room), key(nick)), None)
        await self.written(self.store.setAccess(room, nick, None, self.service.now()))
        self.persistence.changed("access", room=room, u=nick, a=None, **how)

    async def written(self, write: Awaitable[object]) -> bool:
        """
        Whether C{write} was stored.  One the database refused (an outage)
        is kept in the persistence's writes: the acceptance holds all the
        same, until a restart, and the console's reply says so.
        """
        try:
            await write
        except errors.StoreUnavailable:
            self.persistence.writes.keep(fail())
            return False
        return True

    async def admitAccepted(self, user: IParticipant, target: Room) -> None:
        """
        Put C{user}, served here, in C{target} now that they were accepted,
        and tell them.
        """
        service = self.service
        assert user.nick is not None
        text = f"an operator accepted you in {target.name}"
        if key(user.nick) not in target.members:
            try:
                service.join(user, user.nick, target)
            except errors.GroupFull:
                text += ", but it is full: try ENTER later"
            else:
                await self.written(self.persistence.recordEntry(user, user.nick, target))
        user.notice(Notice(text, service.clock.seconds()))

    def guestLeft(self, participant: IParticipant) -> None:
        """
        C{participant} is leaving: if it is a guest, its requests to enter
        approval rooms and their acceptance end with it, here, in the store
        and on every node.
        """
        nick, service = participant.nick, self.service
        if nick is None or key(nick) in self.persistence.registered:
            return
        if service.find(nick) is not service.people.personOf(participant):
            return  # not the name's holder (a login that did not finish)
        for room in service.registry.all():
            waited = key(nick) in room.pending
            if not forget(room, key(nick)):
                continue
            if waited:
                if self.persistence.isLocal(participant):  # logged once, by its node
                    self.persistence.log.info(
                        "{nick} left: their request to enter approval room {room} ends",
                        nick=nick,
                        room=room.name,
                    )
                tellRoomOperators(service, room, nick, operatorsText(nick, room.name, left=True))
                ending = Deferred.fromCoroutine(self._end(room.name, nick, left=True))
                self.persistence.background(ending, "forgetting a guest's request to enter")
                continue
            request = self.requests.get((key(room.name), key(nick)))
            forgotten = Deferred.fromCoroutine(self._forget(request, room.name, nick))
            self.persistence.background(forgotten, "forgetting a guest's acceptance")

    def opened(self, room: Room) -> None:
        """
        C{room} is an open room now: the requests to enter it end (here,
        in the store and on every node), each person who waited told they
        may enter, so that none comes back if it is made an approval room
        again.
        """
        for nickKey, nick in list(room.pending.items()):
            forget(room, nickKey)
            tellOpened(self.service, room, nick)
            ending = Deferred.fromCoroutine(self._end(room.name, nick, opened=True))
            self.persistence.background(ending, "ending a request to enter an opened room")

    def guestRenamed(self, old: str, nick: str) -> None:
        """
        A guest called C{old} is now C{nick}: its requests and acceptances
        are the person's, so they move to C{nick}, here, in the store and on
        every node (to a registered name they end: the account's own hold).
        """
        registered = self.persistence.registered
        if key(old) == key(nick) or key(old) in registered:
            return
        for room in self.service.registry.all():
            accepted = key(old) in room.approved
            asked = room.requestedAt.get(key(old))
            if not forget(room, key(old)):
                continue
            moved: bool | None = None
            if key(nick) not in registered:
                moved = accepted
                if accepted:
                    room.approve(key(nick))
                else:
                    room.request(key(nick), nick, asked)
            request = self.requests.get((key(room.name), key(old)))
            moving = Deferred.fromCoroutine(
                self._forget(request, room.name, old, nick, moved, asked)
            )
            self.persistence.background(moving, "moving a guest's request to enter")

    async def _forget(
        self,
        request: Deferred[None] | None,
        room: str,
        nick: str,
        renamed: str | None = None,
        accepted: bool | None = None,
        asked: int | None = None,
    ) -> None:
        """
        Forget C{nick}'s access to C{room} in the store and on every node;
        give C{renamed} C{accepted} (a request or an acceptance) instead, if
        not C{None}, keeping when it was C{asked} (a request moved by a
        rename is no new one: nobody is told again).
        """
        if request is not None:
            await whenFired(request)  # the request's write first
        now = self.service.now()
        await self.store.setAccess(room, nick, None, now)
        self.persistence.changed("access", room=room, u=nick, a=None)
        if renamed is not None and accepted is not None:
            since = now if asked is None else asked
            await self.store.setAccess(room, renamed, accepted, since)
            self.persistence.changed("access", room=room, u=renamed, a=accepted, t=since, moved=1)


def waitingFor(service: ChatService, participant: IParticipant) -> list[str]:
    """
    The approval rooms C{participant} waits to enter, as its account (a
    request is the account's, whichever connection made it) or as itself:
    what a new page of the account, or a reload, shows as waiting.
    """
    asker = service.accountName(participant) or participant.nick
    if asker is None:
        return []
    return [
        room.name
        for room in service.registry.all()
        if room.settings.mode == APPROVAL and key(asker) in room.pending
    ]


def forget(room: Room, nickKey: str) -> bool:
    """
    Drop C{nickKey}'s request to enter C{room}, or its acceptance; whether
    it had either.
    """
    had = nickKey in room.pending or nickKey in room.approved
    room.pending.pop(nickKey, None)
    room.requestedAt.pop(nickKey, None)
    room.approved.discard(nickKey)
    return had
