# -*- test-case-name: tests.unit.core.test_moderation,tests.unit.admin.test_sanctionload -*-
"""
The sanctions at start: the logins' wait while the stored ones load
(L{LoadWait}: nobody banned may slip in, so a load that failed refuses
logins), and which of the stored ones still hold, under the keys their
names have now (L{inForce}: the name rule may have learned look-alikes since
they were stored).  L{chatd.core.moderation.Moderation} takes what they give.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.core import errors

if TYPE_CHECKING:
    from chatd.modstore import IModerationStore, Sanction

#: A stored grant, or sanction, whose name's key changed (the name rule changed).
REKEYED = {
    True: "op of {name} dropped: the name rule changed",
    False: "{kind} of {name} kept: it holds for {names} and the names that read as them now"
    " (the name rule changed)",
}


@dataclass(frozen=True)
class Renamed:
    """
    A name the chat database held under a key the name rule has since
    changed, and its key now: an account's (C{account}), or a spelling
    its messages, approvals or read markers gave a guest.
    """

    key: str
    name: str
    account: bool


#: Old key: the names the chat database held under it, with their keys now.
Renames = Mapping[str, Sequence[Renamed]]


class RenamedSource(Protocol):
    """
    Where the chat database keeps L{Renames} until the sanctions have
    followed them (L{chatd.storage.renamedkeys}).
    """

    def load(self) -> Deferred[Renames]: ...

    def forget(self) -> Deferred[None]: ...


class LoadWait:
    """
    Whether the sanctions are known: logins wait while they load
    (L{whenLoaded}), and are refused if they could not be loaded.
    """

    def __init__(self) -> None:
        self._waiters: list[Deferred[None]] | None = None  # while a load runs
        self._failed = False
        #: Whether a load succeeded (the sanctions are the stored ones).
        self.loaded = False
        #: Called after each load that succeeded.
        self.afterLoad: Callable[[], None] | None = None

    async def during(self, load: Coroutine[Any, Any, int]) -> int:
        """
        Run C{load}, the logins waiting until it is done; what it returns.
        """
        self._waiters, self._failed = self._waiters or [], False
        try:
            count = await load
        except BaseException:
            self._failed = True
            raise
        finally:
            waiters, self._waiters = self._waiters, None
            for waiter in waiters:
                self._fire(waiter)
        self.loaded = True
        if self.afterLoad is not None:
            self.afterLoad()
        return count

    def whenLoaded(self) -> Deferred[None] | None:
        """
        C{None} if the sanctions are known, else a L{Deferred} firing once
        they are (L{errors.StoreUnavailable} if they could not be loaded).
        """
        if self._waiters is None and not self._failed:
            return None
        waiter: Deferred[None] = Deferred()
        if self._waiters is None:
            self._fire(waiter)
        else:
            self._waiters.append(waiter)
        return waiter

    def _fire(self, waiter: Deferred[None]) -> None:
        if self._failed:
            waiter.errback(errors.StoreUnavailable("the sanctions could not be loaded"))
        else:
            waiter.callback(None)


async def inForce(
    store: IModerationStore,
    now: float,
    keyOf: Callable[[str, str], str],
    persist: Callable[[Deferred[Any]], None],
    log: Logger,
    grant: str,
    renames: Renames | None,
    network: str,
) -> list[Sanction]:
    """
    The sanctions C{store} keeps that are in force at C{now}, under the
    keys their names have now (C{keyOf(kind, name)}); those that lapsed are
    deleted from the store (C{persist} keeps the write).  One whose key the
    name rule changed, by C{renames} (the chat database's record of an old
    key's names) or by C{keyOf}, keeps covering who it covered
    (L{coveredNow}), stored anew under each key, unless it is of kind
    C{grant} (a right, not a restriction): that one follows only an
    account, never empowering a name it was not given to.  A C{network}
    sanction is not a name's.
    """
    kept = []
    for sanction in await store.loadSanctions():
        if not sanction.activeAt(now):
            persist(store.deleteSanction(sanction.kind, sanction.target))
            continue
        spellings = () if sanction.kind == network else (renames or {}).get(sanction.target, ())
        isGrant = sanction.kind == grant
        current = keyOf(sanction.kind, sanction.name)
        covered = coveredNow(sanction, current, spellings, isGrant)
        if set(covered) == {sanction.target} == {current}:
            kept.append(sanction)
            continue
        if sanction.target not in covered:  # kept by an upsert otherwise, in any write order
            persist(store.deleteSanction(sanction.kind, sanction.target))
        names = ", ".join(covered.values())
        log.warn(REKEYED[not covered], kind=sanction.kind, name=sanction.name, names=names)
        for target, name in covered.items():
            moved = replace(sanction, target=target, name=name)
            persist(store.saveSanction(moved))
            kept.append(moved)
    return kept


def coveredNow(
    sanction: Sanction, current: str, spellings: Sequence[Renamed], isGrant: bool
) -> dict[str, str]:
    """
    The keys (with a name of each) C{sanction} is to hold for now that the
    name rule changed: those of the account whose old key was its target,
    if one was registered (and the typed spelling's C{current}: the person
    it removed may come back under it), else those of every name the chat
    database held under it, and the typed spelling's.  A grant follows
    the account alone, or stays where its key did not change.
    """
    accounts = {each.key: each.name for each in spellings if each.account}
    if isGrant:
        return accounts or ({current: sanction.name} if current == sanction.target else {})
    covered = accounts or {each.key: each.name for each in spellings}
    if current not in covered:
        covered[current] = sanction.name
    return covered
