# -*- test-case-name: tests.unit.core.test_creation,tests.unit.core.test_service,tests.unit.cluster.test_cluster_creatorjoin -*-  # noqa: E501
"""
Making rooms: a user creates one (TCHAT's C{CREAT}: it runs it, without
being in it), or enters one that, when it does not exist, is made with
them in it (IRC's C{JOIN}, talk's C{/join}, the web page's join).

A room entered that way is never seen without its creator: it is made with
the creator in it as its operator in the same step, and other nodes hear
of the room and of the creator's entry together (one reactor turn's
envelopes travel in one stream entry, applied in order in one dispatch).
As on an IRC server, the first to join a channel is in it, opped, before
anyone else can see it.  A registered user's room is made once stored: its
creator is in it from the start, and anyone else's entry waits until it is
made (L{Creation.beingMade}), so no node hears of an entry before the room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from chatd.core import errors, roomremoval
from chatd.core.calls import afterHeard, maybeCall, whenFired
from chatd.core.founders import recordFounder
from chatd.core.interfaces import MaybeDeferred
from chatd.core.names import key
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.entryreplay import Cut
    from chatd.core.membership import Membership
    from chatd.core.room import Room
    from chatd.core.service import ChatService


_T = TypeVar("_T")

#: Why a room's creator is taken out of the room it made, unstored.
UNSTORED = "it could not be stored"


class Entry:
    """
    The creator's entry into the room it makes: its moment (C{None}: now)
    and the history cut taken as it entered, if any.
    """

    def __init__(self, when: float | None) -> None:
        self.when = when
        self.cut: Cut | None = None


class Creation:
    """
    New rooms, made by a user: L{createRoom} alone, or L{enterOrCreate}.
    """

    def __init__(self, service: ChatService, membership: Membership) -> None:
        self.service = service
        self.membership = membership
        #: The rooms being stored (by key), each fired once made or unmade.
        self._making: dict[str, Deferred[None]] = {}

    def beingMade(self, room: str) -> Deferred[None] | None:
        """
        Fires once C{room}, being stored, is made (the other nodes told) or
        not made after all; C{None} if it is not being made.  Until then
        nobody else enters it: every node hears of the room first.
        """
        making = self._making.get(key(room))
        return None if making is None else whenFired(making)

    def enterOrCreate(
        self,
        participant: IParticipant,
        room: str,
        roomKey: str | None = None,
        when: float | None = None,
    ) -> MaybeDeferred[str]:
        """
        Enter C{room} (L{Membership.enter}) or, if it does not exist, make
        it with C{participant} in it, its operator, as one step.  In a
        cluster the creation is claimed first: the node that loses the claim
        enters the room the winner made as a plain member.
        """
        self.membership.requireLogin(participant)
        # What other nodes decided just before (a room made, a key) counts.
        return afterHeard(
            self.service.observer, lambda: self._enterOrCreateNow(participant, room, roomKey, when)
        )

    def _enterOrCreateNow(
        self, participant: IParticipant, room: str, roomKey: str | None, when: float | None
    ) -> MaybeDeferred[str]:
        making = self.beingMade(room)
        if making is not None:  # entered (or made again, if unmade) once made
            return making.addCallback(
                lambda _: self._enterOrCreateNow(participant, room, roomKey, when)
            )
        try:
            self.service.registry.get(room)
        except errors.NoSuchGroup:
            pass
        else:
            return self.membership.enterNow(participant, room, roomKey, when)
        if not self.service.isOperator(participant):  # as for an entry (L{chatd.core.allowance})
            self.service.allowances.checkEntry(self.membership.personOf(participant))

        def lost(failure: Failure) -> Deferred[str]:
            failure.trap(errors.GroupExists)  # made elsewhere at the same moment: enter it
            return maybeCall(self.membership.enter, participant, room, roomKey, when)

        made: Deferred[str] = maybeCall(self._claimed, participant, room, Entry(when))
        return made.addErrback(lost)

    def createRoom(self, participant: IParticipant, room: str) -> MaybeDeferred[str]:
        """
        A user creates C{room} and runs it, without entering it.  A guest's
        room is ephemeral (L{chatd.core.roomlimits}); a registered user's or
        an operator's lasts.
        """
        self.membership.requireLogin(participant)
        return self._claimed(participant, room, None)

    def _claimed(
        self, participant: IParticipant, room: str, entry: Entry | None
    ) -> MaybeDeferred[str]:
        """
        In a cluster the creation is claimed first
        (L{IChatObserver.claimRoom}): of two made on two nodes at once, one
        wins, the other is told the room exists.
        """
        observer = self.service.observer
        if observer is None or self.service.registry.find(room) is not None:
            return self.createNow(participant, room, entry)  # (one that exists here: no claim)
        claimed = maybeCall(observer.claimRoom, room)

        def release(result: object) -> object:
            observer.releaseRoom(room)
            return result

        def create(_: object) -> Deferred[str]:
            return maybeCall(self.createNow, participant, room, entry).addBoth(release)

        return claimed.addCallback(create)

    def createNow(
        self, participant: IParticipant, room: str, entry: Entry | None = None
    ) -> MaybeDeferred[str]:
        """
        L{createRoom}, claimed; with an C{entry}, the creator is put in the
        room as it is made.  A lasting room (a registered user's, an
        operator's) is answered once stored; one the store could not keep
        is not made (L{roomremoval.unmake}), and its creator gets the
        store's error.  Other nodes hear of it (and of its creator's entry)
        once it is stored.

        @raise TooManyRooms: the server's or the user's limit is reached.
        @raise StoreUnavailable: (in the L{Deferred}) the room could not be stored.
        """
        creator = self.membership.requireLogin(participant)
        operator = self.service.isOperator(participant)
        account = self.service.accountName(participant)  # whatever its nickname now
        founded = self.service.persistence is not None and account is not None
        guest = not founded and not operator  # its room is ephemeral

        def allowed() -> None:
            if not operator:
                limits = self.service.roomLimits
                limits.check(len(self.service.registry), participant, creator, guest)

        created = self.service.registry.create(room, allowed, anew=True)
        created.founded(creator, self.service.now())  # the creator runs the room
        roomremoval.madeAnew(self.service, created.name, int(self.service.clock.seconds() * 1000))
        if founded and account is not None:
            recordFounder(created, account)
        elif guest:
            created.makeEphemeral(participant)
        self.service.roomLimits.created(key(created.name), participant, creator, created.ephemeral)
        if entry is not None:  # in it, its operator, before anyone can see the room
            self.membership.join(participant, creator, created, when=entry.when, announced=False)
            persistence = self.service.persistence
            if persistence is not None:  # its history (none yet) as it entered
                entry.cut = persistence.replays.cut(participant, [created])
        store = self.service.storeOf(created)
        if store is None:
            return self._made(participant, created, entry)
        stored = store.newRoom(created)  # a lasting room is made once stored
        making = self._making[key(created.name)] = Deferred()

        def over(then: Callable[[], _T]) -> _T:
            try:
                return then()
            finally:  # those waiting to enter go on, after the room's news
                del self._making[key(created.name)]
                making.callback(None)

        return stored.addCallbacks(
            lambda _: over(lambda: self._made(participant, created, entry)),
            lambda failure: over(
                lambda: self._unmade(failure, participant, created, creator, entry)
            ),
        )

    def _made(
        self, participant: IParticipant, created: Room, entry: Entry | None
    ) -> MaybeDeferred[str]:
        """
        Tell the other nodes of the room made and, in the same turn, of its
        creator's entry (if it is still in it); answer once they heard, and
        the entry is stored.
        """
        observer = self.service.observer
        inside = entry is not None and created in self.membership.roomsJoined(participant)
        if observer is not None:
            observer.roomCreated(participant, created.name)
            if inside:
                observer.entered(participant, created.name)
        persistence = self.service.persistence
        nick = participant.nick
        if entry is None or persistence is None or not inside or nick is None:
            if entry is not None and entry.cut is not None and not inside:
                entry.cut.close()
            return afterHeard(observer, lambda: created.name)
        cut = entry.cut
        return afterHeard(
            observer,
            lambda: self.membership.undoneUnlessStored(
                persistence.entered(participant, nick, created, cut), participant, nick, created
            ),
        )

    def _unmade(
        self,
        failure: Failure,
        participant: IParticipant,
        created: Room,
        creator: str,
        entry: Entry | None,
    ) -> Failure:
        """
        The room could not be stored: its creator, who gets the store's
        error, is taken out of it (every connection of its person told, as
        those who entered it meanwhile are), and it is not made after all.
        """
        if entry is not None and entry.cut is not None:
            entry.cut.close()
        nick = participant.nick
        if nick is not None and created in self.membership.roomsJoined(participant):
            person = self.membership.personOf(participant)  # this connection is told too
            self.membership.part(person, nick, created, UNSTORED)
        roomremoval.unmake(self.service, created, creator)
        return failure
