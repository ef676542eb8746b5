# -*- test-case-name: tests.unit.core.test_persistence,tests.unit.irc.test_irc_accounts,tests.unit.test_outage_rooms,tests.unit.cluster.test_cluster_outageguests,tests.unit.cluster.test_cluster_deadpm -*-  # noqa: E501
"""
The steps of a login that need the store: the password check of a
registered name, its stored rooms, and the welcome after it (the history
of the rooms entered, the private messages that waited).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.task import deferLater

from chatd.core import autojoin, errors
from chatd.core.accounts import Secret
from chatd.core.calls import maybeCall
from chatd.core.chathistory import othersWritten
from chatd.core.entryreplay import Cut, RoomsBack
from chatd.core.events import Notice
from chatd.core.interfaces import IParticipant
from chatd.core.keptrefusals import tellKept
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence

#: Seconds between two reads of the stored rooms of a login that could not
#: read them, when the store's health did not see that read fail.
ROOMS_RETRY = 5.0

#: What a user signed in during an outage is told (L{StoredLogin.loginRooms}).
ROOMS_WAIT = "the database is unavailable: your rooms come back once it answers"


class StoredLogin:
    """
    A login's store-backed steps, for L{chatd.core.login} and
    L{chatd.core.signin}; the password checks under way are withdrawn when
    their connection closes.
    """

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        self._checks: dict[IParticipant, Deferred[bool]] = {}
        #: The name each connection gave a password for that could not be
        #: checked, the store being away (IRC's SASL before registration).
        self._unchecked: dict[IParticipant, str] = {}
        #: The logins whose stored rooms wait for the store (L{roomsLater}).
        self._roomsWait: dict[IParticipant, Deferred[None]] = {}

    def forgetLogin(self, participant: IParticipant) -> None:
        """
        C{participant} disconnected: its password check is withdrawn if it
        still waits; a guest's approvals end.
        """
        self._unchecked.pop(participant, None)
        self.persistence.inbox.live.release(participant)
        self.withdrawCheck(participant)
        wait = self._roomsWait.pop(participant, None)
        if wait is not None:
            wait.cancel()
        self.persistence.approvals.guestLeft(participant)

    def withdrawCheck(self, participant: IParticipant) -> None:
        """
        C{participant}'s login gave up its password check (it closed, or
        IRC's C{CAP END} aborted SASL): its login fails (L{verifyLogin}).  A
        check still waiting its turn is withdrawn; one already hashing runs
        on and its answer is counted, a wrong password's back-off with it
        (L{chatd.core.gate}), then dropped.
        """
        check = self._checks.pop(participant, None)
        if check is not None:
            check.cancel()

    def proofUnchecked(self, participant: IParticipant, nick: str) -> None:
        """
        C{participant} gave a password for C{nick} ahead of its login
        (IRC's SASL before registration) that could not be checked, the
        store being away: the login as C{nick} it then asks for without one
        is answered "try again later", once (L{verifyLogin}).
        """
        self._unchecked[participant] = key(nick)

    async def verifyLogin(
        self, participant: IParticipant, nick: str, password: Secret | None
    ) -> tuple[str | None, list[str] | None]:
        """
        A login's password step (L{chatd.core.login}), before the name is
        claimed: a registered name needs its password, checked through the
        accounts' gate, so an attempt holds nothing while it waits or is
        checked and a guess never keeps the owner out.  Gives the account
        proven, named as it was registered (C{Regt0} for C{REGT0}), or
        C{None}, and its stored rooms (none if not registered; C{None}: not
        read, the store being away, L{_storedRooms}).

        @raise BadPassword: the password is missing or wrong.
        @raise StoreUnavailable: the store is away (and keeps no credentials
            of C{nick} here: L{chatd.core.keptcredentials}); or the password is
            missing, but this connection gave one for C{nick} ahead that
            could not be checked (L{proofUnchecked}): not a wrong password.
        @raise NotLoggedIn: the connection closed during the check.
        """
        nickKey = key(nick)
        proven = fromKept = False
        try:
            await self.persistence.whenReady()
            if (
                nickKey not in self.persistence.registered
                and password is None
                and self.persistence.sharedStore
            ):
                if await self._registeredElsewhere(nick):
                    self.persistence.registered.add(nickKey)
            proven = nickKey in self.persistence.registered or password is not None
            if proven:
                if password is None and self._unchecked.pop(participant, None) == nickKey:
                    raise errors.StoreUnavailable()  # once: a retry without one is refused
                if password is None:
                    raise errors.BadPassword()
                check = Deferred.fromCoroutine(
                    self.persistence.accounts.authenticate(nick, password, participant.address)
                )
                self._checks[participant] = check
                try:
                    fromKept = await check
                finally:
                    self._checks.pop(participant, None)
            # Read before admitting: if the database fails now, the login
            # fails as a whole ("try again later"), not half done.
            stored = (
                await self._storedRooms(nick, fromKept)
                if nickKey in self.persistence.registered
                else []
            )
            accounts = self.persistence.accounts
            account = (await accounts.accountName(nick) or nick) if proven else None
        except CancelledError:
            raise errors.NotLoggedIn("the connection closed during login") from None
        return account, stored

    async def _registeredElsewhere(self, nick: str) -> bool:
        """
        Whether C{nick}, a name this node knows no account of, was
        registered on another node sharing the store.  While the store is
        unavailable, a node that hears every change made elsewhere (its
        cluster's bus is up: each registration is relayed to it once
        written; and it re-read the store since the bus last came back) has
        the answer in its copy of the registered names: none, and the name
        is a guest's, as with the store up.

        @raise StoreUnavailable: the store is away and this node may have
            missed a registration made elsewhere.
        """
        try:
            return await self.persistence.store.accountHash(nick) is not None
        except errors.StoreUnavailable:
            if not self.persistence.accounts.credentials.trusted():
                raise
            return False

    async def _storedRooms(self, nick: str, fromKept: bool) -> list[str] | None:
        """
        The rooms registered C{nick}, whose password was just proven, is
        put back in; C{None} while the store is unavailable if the password
        was checked against the credentials kept here (C{fromKept},
        L{chatd.core.keptcredentials}): the login stands, and its rooms
        follow once the store answers (L{loginRooms}).
        """
        try:
            return await self.persistence.store.memberships(nick)
        except errors.StoreUnavailable:
            if not fromKept:
                raise
            return None

    async def loginRooms(
        self, participant: IParticipant, nick: str, stored: list[str] | None
    ) -> str:
        """
        Put a user who just logged in as C{nick} in their rooms (C{stored}: a
        registered user's from last time; then the C{--autojoin} ones) under
        the nickname it has now, then welcome them on the next turn.
        C{stored} C{None} (the store is away): they are told their rooms
        come back once it answers, and are put in them then (L{roomsLater}).
        """
        roomsWait = stored is None
        stored = stored or []
        service, nickKey, refused, shown = (
            self.persistence.service,
            key(nick),
            list[str](),
            participant.nick,
        )
        self.persistence.alwaysOn.signedIn(nick)
        rooms = autojoin.loginRooms(
            service, shown, [*stored, *self.persistence.accountRooms.guestRooms(nick)]
        )
        cut = self.persistence.replays.cut(
            participant, rooms
        )  # as they are entered: history offered then
        entered = autojoin.joinRooms(service, participant, shown, rooms, refused)
        if service.observer is not None:  # the welcome follows the reply, which waits for it
            await maybeCall(service.observer.everyoneHeard)
        if entered or nickKey in self.persistence.registered:
            self.persistence.later(
                self._welcome, participant, nick, entered, cut, refused, roomsWait
            )
        else:
            self.persistence.inbox.live.release(participant)
            if cut is not None:
                cut.close()
        return nick

    async def _welcome(
        self,
        participant: IParticipant,
        nick: str,
        entered: list[str],
        cut: Cut | None,
        refused: Sequence[str] = (),
        roomsWait: bool = False,
    ) -> None:
        """
        Tell a user who just logged in which rooms they are in (and are not
        back in), replay their history, tell an always-on account what it
        missed, tell the refusals and deliver the private messages that
        waited; their stored rooms could not be read (C{roomsWait}): that
        they come back once the store answers (L{waitForRooms}).
        """
        inbox = self.persistence.inbox
        try:
            await self.persistence.replays.putIn(participant, entered, cut, refused=refused)
            if roomsWait:
                self.waitForRooms(participant, nick)
            if key(nick) not in self.persistence.registered:
                return  # only registered names receive messages while away
            await self.persistence.alwaysOn.tellMissed(participant, nick)  # back, always on
            await tellKept(self.persistence, participant, nick)  # refusals while away
            kept = inbox.whenKept(nick)  # here, a keep still counting (before this delivery)
            ready = Deferred.fromCoroutine(self._keptFor(kept))
            await inbox.deliver(participant, nick, participant.nick, ready)
        finally:  # what was sent them live meanwhile follows (L{chatd.core.liveorder})
            inbox.live.release(participant)

    async def _keptFor(self, keptHere: Deferred[None]) -> None:
        """
        What was kept for a user who just logged in is written: on another
        node before it heard the login (or before it counted dead the node
        they were on, which their login waited for), and here (C{keptHere}).
        """
        await othersWritten(self.persistence.service)
        await keptHere

    def waitForRooms(self, participant: IParticipant, nick: str) -> None:
        """
        Tell C{participant}, signed in to C{nick} while the store was
        unavailable, that its rooms come back once the store answers, and
        put it in them then (L{roomsLater}), unless it leaves first.
        """
        service = self.persistence.service
        if not service.isLoggedIn(participant):
            return
        participant.notice(Notice(ROOMS_WAIT, service.clock.seconds()))
        wait = Deferred.fromCoroutine(self.roomsLater(participant, nick))
        self._roomsWait[participant] = wait
        wait.addErrback(lambda f: f.trap(CancelledError) and None)
        wait.addErrback(lambda f: self.persistence.log.failure("rooms after an outage", f))
        wait.addBoth(lambda _: self._roomsWait.pop(participant, None) and None)

    async def roomsLater(self, participant: IParticipant, nick: str) -> None:
        """
        Put C{participant}, who signed in to C{nick} while the store was
        unavailable, in its stored rooms as soon as the store answers again
        (its health recovers), as the login would have: the front-ends show
        them entered (IRC C{JOIN}s, C{you are in ...}) and offer their history.
        """
        persistence = self.persistence
        store, service = persistence.store, persistence.service
        while True:
            await store.health.whenWorks()
            try:
                stored = await store.memberships(nick)
            except errors.StoreUnavailable:
                if store.health.problem is None:  # not seen by its health: wait a while
                    await deferLater(service.clock, ROOMS_RETRY)
                continue
            break
        shown = participant.nick
        if shown is None or not service.isLoggedIn(participant):
            return
        refused: list[str] = []
        rooms = autojoin.storedRooms(service, shown, stored)
        cut = persistence.replays.cut(participant, rooms)
        entered = autojoin.joinRooms(service, participant, shown, rooms, refused)
        if service.observer is not None:
            await maybeCall(service.observer.everyoneHeard)
        await persistence.replays.putIn(participant, entered, cut, refused=refused, told=RoomsBack)


def withdrawProof(chat: object, participant: IParticipant) -> None:
    """
    The front-end gave up the proof C{participant} is having checked (IRC:
    C{CAP END} during SASL): L{StoredLogin.withdrawCheck}, with a store.
    """
    persistence = getattr(chat, "persistence", None)
    if persistence is not None:
        persistence.login.withdrawCheck(participant)
