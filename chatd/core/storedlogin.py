# -*- test-case-name: tests.unit.core.test_persistence,tests.unit.irc.test_irc_accounts -*-
"""
The steps of a login that need the store: the password check of a
registered name, its stored rooms, and the welcome after it (the history
of the rooms entered, the private messages that waited).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from twisted.internet.defer import CancelledError, Deferred

from chatd.core import autojoin, errors
from chatd.core.accounts import Secret
from chatd.core.calls import maybeCall
from chatd.core.chathistory import othersWritten
from chatd.core.entryreplay import Cut
from chatd.core.interfaces import IParticipant
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence


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

    def forgetLogin(self, participant: IParticipant) -> None:
        """
        C{participant} disconnected: its password check is withdrawn if it
        still waits; a guest's approvals end.
        """
        self._unchecked.pop(participant, None)
        check = self._checks.pop(participant, None)
        if check is not None:
            check.cancel()
        self.persistence.approvals.guestLeft(participant)

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
    ) -> tuple[str | None, list[str]]:
        """
        A login's password step (L{chatd.core.login}), before the name is
        claimed: a registered name needs its password, checked through the
        accounts' gate, so an attempt holds nothing while it waits or is
        checked and a guess never keeps the owner out.  Gives the account
        proven, named as it was registered (C{Regt0} for C{REGT0}), or
        C{None}, and its stored rooms (none if not registered).

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
        written) has the answer in its copy of the registered names: none,
        and the name is a guest's, as with the store up.

        @raise StoreUnavailable: the store is away and this node may have
            missed a registration made elsewhere.
        """
        try:
            return await self.persistence.store.accountHash(nick) is not None
        except errors.StoreUnavailable:
            if not self.persistence.accounts.credentials.trusted():
                raise
            return False

    async def _storedRooms(self, nick: str, fromKept: bool) -> list[str]:
        """
        The rooms registered C{nick}, whose password was just proven, is
        put back in; none while the store is unavailable if the password
        was checked against the credentials kept here (C{fromKept},
        L{chatd.core.keptcredentials}): the login stands, without them.
        """
        try:
            return await self.persistence.store.memberships(nick)
        except errors.StoreUnavailable:
            if not fromKept:
                raise
            return []

    async def loginRooms(self, participant: IParticipant, nick: str, stored: list[str]) -> str:
        """
        Put a user who just logged in as C{nick} in their rooms (C{stored}: a
        registered user's from last time; then the C{--autojoin} ones) under
        the nickname it has now, then welcome them on the next turn.
        """
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
            self.persistence.later(self._welcome, participant, nick, entered, cut, refused)
        elif cut is not None:
            cut.close()
        return nick

    async def _welcome(
        self,
        participant: IParticipant,
        nick: str,
        entered: list[str],
        cut: Cut | None,
        refused: Sequence[str] = (),
    ) -> None:
        """
        Tell a user who just logged in which rooms they are in (and are not
        back in), replay their history, deliver the private messages that waited.
        """
        await self.persistence.replays.putIn(participant, entered, cut, refused=refused)
        if key(nick) not in self.persistence.registered:
            return  # only registered names receive messages while away
        await othersWritten(
            self.persistence.service
        )  # kept on another node before it heard the login
        await self.persistence.inbox.deliver(participant, nick, participant.nick)
