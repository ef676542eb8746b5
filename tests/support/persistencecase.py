"""
The unit tests' service with accounts: L{PersistenceTestCase}
logs users in and registers accounts on a L{ChatService} whose store writes
inline, and L{OutageStore} fails on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred, fail, maybeDeferred
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, Logger
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.modstore import IModerationStore
from chatd.storage.health import QUERY
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def inline(f: Any, *args: Any) -> Deferred[Any]:
    return maybeDeferred(f, *args)


class PersistenceTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.store = self.makeStore()
        self.service = self.makeService()

    def makeStore(self) -> MemoryChatStore:
        """The store of the service: in memory (started)."""
        store = MemoryChatStore()
        store.startService()
        return store

    def makeService(self, **kw: Any) -> ChatService:
        """
        A started service on C{self.store}; with C{sanctions=}, a moderation
        store whose sanctions are loaded before it starts (as at start-up);
        with C{unloadable=}, one whose load fails then (its database down).
        """
        sanctions: IModerationStore | None = kw.pop("sanctions", None)
        unloadable: IModerationStore | None = kw.pop("unloadable", None)
        checker = PasswordChecker(FAST, runInThread=inline)
        service = ChatService(
            self.clock,
            operators=["moder"],
            store=self.store,
            accounts=Accounts(self.store, self.clock, checker),
            **kw,
        )
        if sanctions is not None:
            self.successResultOf(Deferred.fromCoroutine(service.moderation.restore(sanctions)))
        if unloadable is not None:
            failed = Deferred.fromCoroutine(service.moderation.restore(unloadable))
            self.failureResultOf(failed, errors.StoreUnavailable)
        service.startService()
        return service

    def login(
        self, nick: str, password: str | None = None, address: str = "10.0.0.1"
    ) -> RecordingParticipant:
        participant = RecordingParticipant(address)
        self.service.connect(participant)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(participant, nick, password))), nick
        )
        self.clock.advance(0)
        return participant

    def keptNothing(self) -> None:
        """
        The service forgets the credentials it kept for an outage
        (L{chatd.core.keptcredentials}): as a node that read no account lately.
        """
        persistence = self.service.persistence
        assert persistence is not None
        persistence.accounts.kept.forgetAll()

    def refused(self, d: Any, error: type[Exception]) -> None:
        self.failureResultOf(maybeDeferred(lambda: d), error)

    def delayMemberships(self) -> list[Deferred[None]]:
        """
        From now on the store records a room entry only when the test
        fires its L{Deferred}, in the returned list (a slow database).
        """
        return delayedMemberships(self.store, self.patch)

    def registered(self, nick: str, password: str) -> None:
        """
        Make the account C{nick} as its owner does (a guest registers its
        name), or, an operator's name no user may register, as an
        administrator does (the console's C{add account}).
        """
        if key(nick) in self.service.people.operatorKeys:
            self.successResultOf(self.service.createAccount(nick, password))
            return
        user = self.login(nick)
        self.successResultOf(self.service.register(user, password))
        self.service.disconnect(user)


class OutageStore(MemoryChatStore):
    """
    A L{MemoryChatStore} whose database is unavailable for the methods
    named in C{down} (C{addMessage}: its journal cannot be written;
    L{DATABASE_DOWN}: every one it can fail but that); it counts its marks
    and deletions in C{calls}.
    """

    def __init__(self) -> None:
        super().__init__()
        self.down: set[str] = set()
        #: The names of the calls counted (a mark, a deletion), in order.
        self.calls: list[str] = []
        # Its health's first failure is logged as an error: not in a test.
        self.health.log = Logger(observer=cast(ILogObserver, lambda event: None))

    def _unless(self, name: str, call: Any) -> Deferred[Any]:
        if name in self.down:
            failure = Failure(errors.StoreUnavailable())
            self.health.failed(QUERY, failure)  # as a database's use fails
            return fail(failure)
        return maybeDeferred(call)

    def answersAgain(self) -> None:
        """
        The database is back: every method works, and the store's health
        recovers, as its probe finds.
        """
        self.down.clear()
        self.health.recovered(QUERY)

    def load(self) -> Deferred[Any]:
        return self._unless("load", super().load)

    def accountHash(self, nick: str) -> Deferred[str | None]:
        return self._unless("accountHash", lambda: super(OutageStore, self).accountHash(nick))

    def accountName(self, nick: str) -> Deferred[str | None]:
        return self._unless("accountName", lambda: super(OutageStore, self).accountName(nick))

    def scramVerifier(self, nick: str) -> Deferred[str | None]:
        return self._unless("scramVerifier", lambda: super(OutageStore, self).scramVerifier(nick))

    def saveAccount(self, *args: Any) -> Deferred[None]:
        return self._unless("saveAccount", lambda: super(OutageStore, self).saveAccount(*args))

    def saveScramVerifier(self, *args: Any) -> Deferred[None]:
        return self._unless(
            "saveScramVerifier", lambda: super(OutageStore, self).saveScramVerifier(*args)
        )

    def ignoreList(self, nick: str) -> Deferred[list[str]]:
        return self._unless("ignoreList", lambda: super(OutageStore, self).ignoreList(nick))

    def readMarkers(self, nick: str) -> Deferred[Any]:
        return self._unless("readMarkers", lambda: super(OutageStore, self).readMarkers(nick))

    def memberships(self, nick: str) -> Deferred[list[str]]:
        return self._unless("memberships", lambda: super(OutageStore, self).memberships(nick))

    def history(self, room: str, count: int, before: int | None = None) -> Deferred[Any]:
        return self._unless(
            "history", lambda: super(OutageStore, self).history(room, count, before)
        )

    def window(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        return self._unless("window", lambda: super(OutageStore, self).window(*args, **kwargs))

    def saveRoom(self, settings: Any, when: int) -> Deferred[None]:
        return self._unless("saveRoom", lambda: super(OutageStore, self).saveRoom(settings, when))

    def setAccess(self, *args: Any) -> Deferred[None]:
        return self._unless("setAccess", lambda: super(OutageStore, self).setAccess(*args))

    def decideAccess(self, *args: Any) -> Deferred[str]:
        """An answer to a request writes the access table, as L{setAccess}."""
        return self._unless("setAccess", lambda: super(OutageStore, self).decideAccess(*args))

    def setMembership(self, *args: Any) -> Deferred[None]:
        return self._unless("setMembership", lambda: super(OutageStore, self).setMembership(*args))

    def undelivered(self, nick: str, limit: int | None = None) -> Deferred[Any]:
        return self._unless(
            "undelivered", lambda: super(OutageStore, self).undelivered(nick, limit)
        )

    def markDelivered(self, ids: list[int]) -> Deferred[None]:
        self.calls.append("markDelivered")
        return self._unless("markDelivered", lambda: super(OutageStore, self).markDelivered(ids))

    def waitingCount(self, nick: str) -> Deferred[int]:
        return self._unless("waitingCount", lambda: super(OutageStore, self).waitingCount(nick))

    def waitingFrom(self, nick: str, sender: str) -> Deferred[int]:
        return self._unless(
            "waitingFrom", lambda: super(OutageStore, self).waitingFrom(nick, sender)
        )

    def addMessage(self, *args: Any, **kwargs: Any) -> None:
        """Queued as SQL's writer queues it; refused as when its journal's disk is full."""
        if "addMessage" in self.down:
            raise errors.StoreUnavailable()
        super().addMessage(*args, **kwargs)

    def keepWaiting(self, msgid: str) -> Deferred[bool]:
        return self._unless("keepWaiting", lambda: super(OutageStore, self).keepWaiting(msgid))

    def deleteMessage(self, msgid: str) -> Deferred[bool]:
        self.calls.append("deleteMessage")
        return self._unless("deleteMessage", lambda: super(OutageStore, self).deleteMessage(msgid))


#: What L{OutageStore} fails while its database is unreachable (messages
#: are still queued: C{addMessage} works).
DATABASE_DOWN = frozenset(
    name
    for name, value in vars(OutageStore).items()
    if callable(value) and not name.startswith("_") and name != "addMessage"
)


def delayedMemberships(
    store: Any, patch: Callable[[Any, str, Any], object]
) -> list[Deferred[None]]:
    """
    Make C{store} record a room entry only when the test fires its
    L{Deferred}, in the returned list (a slow database), through C{patch}
    (a test case's, which puts the real method back after the test).
    """
    pending: list[Deferred[None]] = []
    real = store.setMembership

    def later(*args: Any) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        pending.append(d)
        return d.addCallback(lambda _: real(*args))

    patch(store, "setMembership", later)
    return pending


class OutageStoreCase:
    """
    A mixin for a L{PersistenceTestCase} about a database outage: its store
    is an L{OutageStore}, started, also as C{self.outage}.
    """

    outage: OutageStore

    def makeStore(self) -> OutageStore:
        self.outage = OutageStore()
        self.outage.startService()
        return self.outage
