# -*- test-case-name: tests.unit.core.test_ignores,tests.unit.cluster.test_cluster_ignores -*-
"""
Whom each person ignores: private words from them (messages, notices,
CTCP, typing notices, invitations) are dropped before they reach the
ignorer, and their sender is not told (IRC's C{SILENCE} behaves so);
those sent while the ignorer is away are not kept for them.  Room
messages are still shown: ignoring is about being left alone, a room's
operators deal with what is said in it.

An entry is a name, or a C{nick!user@host} mask (IRC's C{SILENCE}): a name
C{bob} is the mask C{bob!*@*}, matched as room ban masks are
(L{chatd.core.masks.matches}): by name key, so look-alikes of the name
are covered too.  A list holds at most L{MAX_IGNORES} entries.

A registered account's list is its own and kept in the store (loaded when
it signs in); a guest's lasts as long as its session.  Other processes
sharing the store (cluster mode) hear of each change (L{IGNORES}) and drop
their copy, read again when next needed (L{Ignores.changedElsewhere}).
The rule is here once; every front-end asks it (L{Ignores.add},
L{Ignores.remove}, L{Ignores.entries}) and L{chatd.core.messages} applies
it (L{Ignores.ignores}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_IGNORES
from chatd.core.masks import matches, normalizeMask
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.people import People
    from chatd.core.persistence import Persistence

#: What a name alone is, as a mask.
ANY_ADDRESS = "!*@*"

#: The kind of store change a registered account's changed list is
#: reported as (L{chatd.core.persistence.Persistence.changed}, C{u}: the
#: account).
IGNORES = "ignores"


def entryMask(entry: str) -> str:
    """
    The mask C{entry} stands for: C{bob} is C{bob!*@*}.

    @raise errors.InvalidArgument: not a name nor a mask.
    """
    return normalizeMask(entry.strip())


def shownEntry(mask: str) -> str:
    """
    How an entry is shown to people who think in names: C{bob!*@*} is
    C{bob}; another mask is itself.
    """
    if mask.endswith(ANY_ADDRESS) and not any(ch in "*?" for ch in mask[: -len(ANY_ADDRESS)]):
        return mask[: -len(ANY_ADDRESS)]
    return mask


class Ignores:
    """
    Every person's ignore list: a registered account's by its key (loaded
    from the store once, kept up to date with each change made here,
    dropped at a change made elsewhere), a guest's with its person (gone
    with it).
    """

    log = Logger()

    def __init__(
        self,
        people: People,
        persistence: Persistence | None,
        requireLogin: Callable[[IParticipant], str],
    ) -> None:
        self.people = people
        self.requireLogin = requireLogin
        self.persistence = persistence
        self._accounts: dict[str, list[str]] = {}
        self._loading: dict[str, list[Deferred[None]]] = {}
        self._reread: set[str] = set()  # loading, and changed elsewhere meanwhile
        self._guests: WeakKeyDictionary[IParticipant, list[str]] = WeakKeyDictionary()

    def _listOf(self, participant: IParticipant, create: bool = False) -> list[str]:
        """
        The list of the person C{participant} is (or is a connection of):
        its account's or, for a guest, its own (an empty one not kept
        unless C{create}).
        """
        person = self.people.personOf(participant)
        account = self.people.accounts.key(person)
        if account is not None:
            if account not in self._accounts:
                name = self.people.accounts.name(person)
                assert name is not None
                self.load(name).addErrback(self._notLoaded, name)
            if create:
                return self._accounts.setdefault(account, [])
            return self._accounts.get(account, [])
        if create:
            return self._guests.setdefault(person, [])
        return self._guests.get(person, [])

    def entries(self, participant: IParticipant) -> list[str]:
        """
        The masks C{participant}'s person ignores, in the order added.

        @raise errors.NotLoggedIn: C{participant} is not logged in (so for
            L{add} and L{remove}).
        """
        self.requireLogin(participant)
        return list(self._listOf(participant))

    def add(self, participant: IParticipant, entry: str) -> str | None:
        """
        C{participant}'s person ignores C{entry} (a name or a mask) from
        now on; the mask added, or C{None} if it was there already.

        @raise errors.ListFull: the list holds L{MAX_IGNORES} entries.
        @raise errors.InvalidArgument: C{entry} is not a name nor a mask.
        """
        self.requireLogin(participant)
        mask = entryMask(entry)
        masks = self._listOf(participant, create=True)
        if any(key(each) == key(mask) for each in masks):
            return None
        if len(masks) >= MAX_IGNORES:
            raise errors.ListFull(f"your ignore list is full ({MAX_IGNORES} entries)")
        masks.append(mask)
        self._save(participant, mask, True)
        return mask

    def remove(self, participant: IParticipant, entry: str) -> str | None:
        """
        C{participant}'s person no longer ignores C{entry}; the mask as it
        was added, or C{None} if it was not there.
        """
        self.requireLogin(participant)
        mask = entryMask(entry)
        masks = self._listOf(participant)
        for index, each in enumerate(masks):
            if key(each) == key(mask):
                del masks[index]
                self._save(participant, each, False)
                return each
        return None

    def ignores(self, recipient: IParticipant, sender: IParticipant) -> bool:
        """
        Whether C{recipient}'s person ignores C{sender}: never decided
        for another process's user (cluster mode), whose own process does
        when it hands the message over (L{chatd.core.replica}).
        """
        if getattr(recipient, "relay", None) is not None:
            return False
        return self._matchesAny(self._listOf(recipient), sender)

    def _matchesAny(self, masks: list[str], sender: IParticipant) -> bool:
        if not masks:
            return False
        seenAs = self.people.hosts.masksOf(sender)
        return any(matches(mask, seenAs) for mask in masks)

    def ignoredByAccount(self, account: str, sender: IParticipant) -> Deferred[bool]:
        """
        Whether registered C{account} ignores C{sender}, its list loaded
        first if need be (it is not signed in here).
        """
        d = self.load(account)
        return d.addCallback(
            lambda _: self._matchesAny(self._accounts.get(key(account), []), sender)
        )

    def atLogin(self, account: str) -> Deferred[None]:
        """
        A login to registered C{account} is about to be admitted: its list
        is read again from the store unless the account is signed in here
        already (another process sharing the store may have changed it).
        While the store is unavailable (a sign-in checked against the
        credentials kept here), the login goes on: the copy held here, if
        any, serves; else the list is read when next needed.
        """
        accountKey = key(account)
        held = None
        if not self.people.accounts.signedIn(accountKey):
            held = self._accounts.pop(accountKey, None)

        def unavailable(failure: Failure) -> None:
            failure.trap(errors.StoreUnavailable)
            if held is not None:
                self._accounts.setdefault(accountKey, held)

        return self.load(account).addErrback(unavailable)

    def changedElsewhere(self, account: str) -> None:
        """
        Another process sharing the store changed registered C{account}'s
        list there (it is signed in there, not here): this copy is
        dropped, and read again when next needed.
        """
        self._drop(key(account))

    def dropCopies(self) -> None:
        """
        Changes made elsewhere may have been missed (cluster mode, Redis was
        away): the lists of accounts not signed in here are read again
        when next needed.
        """
        for accountKey in list(self._accounts) + list(self._loading):
            if not self._signedInHere(accountKey):
                self._drop(accountKey)

    def _signedInHere(self, accountKey: str) -> bool:
        """
        Whether a connection served by this process is signed in to the
        account (not another node's user, cluster mode).
        """
        isLocal = (lambda _: True) if self.persistence is None else self.persistence.isLocal
        return any(map(isLocal, self.people.accounts.signedIn(accountKey)))

    def _drop(self, accountKey: str) -> None:
        self._accounts.pop(accountKey, None)
        if accountKey in self._loading:  # what it reads may be older than the change
            self._reread.add(accountKey)

    def load(self, account: str) -> Deferred[None]:
        """
        Read registered C{account}'s list from the store, once.
        """
        accountKey = key(account)
        if accountKey in self._accounts or self.persistence is None:
            return succeed(None)
        waiting: Deferred[None] = Deferred()
        waiters = self._loading.get(accountKey)
        if waiters is not None:
            waiters.append(waiting)
            return waiting
        self._loading[accountKey] = [waiting]

        def loaded(masks: list[str]) -> Deferred[None] | None:
            if accountKey in self._reread:
                self._reread.discard(accountKey)
                return read()
            changed = self._accounts.get(accountKey, [])  # changed while it loaded
            stored = [mask for mask in masks if mask not in changed]
            self._accounts[accountKey] = (stored + changed)[:MAX_IGNORES]
            return None

        def finished(result: None | Failure) -> None:
            for each in self._loading.pop(accountKey):
                if isinstance(result, Failure):
                    each.errback(result)
                else:
                    each.callback(None)

        store = self.persistence.store

        def read() -> Deferred[None]:
            return store.ignoreList(account).addCallback(loaded)

        read().addBoth(finished)
        return waiting

    def forget(self, account: str) -> None:
        """
        Registered C{account} was deleted: its list goes with it.
        """
        self._accounts.pop(key(account), None)

    def _notLoaded(self, failure: Failure, account: str) -> None:
        if failure.check(errors.StoreUnavailable):
            return  # the store logs its outages; read again when next needed
        self.log.failure("loading {account}'s ignore list", failure, account=account)

    def _save(self, participant: IParticipant, mask: str, ignored: bool) -> None:
        account = self.people.accounts.name(self.people.personOf(participant))
        if account is None or self.persistence is None:
            return
        persistence = self.persistence
        d = persistence.store.saveIgnore(account, mask, ignored)
        d.addCallback(lambda _: persistence.changed(IGNORES, u=account))  # other processes' copies
        why = "saving {account}'s ignore list"
        d.addErrback(lambda f: self.log.failure(why, f, account=account))
