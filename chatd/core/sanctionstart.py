# -*- test-case-name: tests.unit.core.test_moderation,tests.unit.admin.test_sanctionload -*-
"""
The sanctions at start: the logins' wait while the stored ones load
(L{LoadWait}: nobody banned may slip in, so a load that failed refuses
logins), and which of the stored ones still hold, under the keys their
names have now (L{inForce}: the name rule may have learned look-alikes since
they were stored).  L{chatd.core.moderation.Moderation} takes what they give.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.core import errors

if TYPE_CHECKING:
    from chatd.modstore import IModerationStore, Sanction

#: A stored grant, or sanction, whose name's key changed (the name rule learned look-alikes).
REKEYED = {
    True: "op of {name} dropped: the name rule changed",
    False: "{kind} of {name} kept:"
    " it now also holds for the names that read as it (the name rule changed)",
}


class LoadWait:
    """
    Whether the sanctions are known: logins wait while they load
    (L{whenLoaded}), and are refused if they could not be loaded.
    """

    def __init__(self) -> None:
        self._waiters: list[Deferred[None]] | None = None  # while a load runs
        self._failed = False

    async def during(self, load: Coroutine[Any, Any, int]) -> int:
        """
        Run C{load}, the logins waiting until it is done; what it returns.
        """
        self._waiters, self._failed = self._waiters or [], False
        try:
            return await load
        except BaseException:
            self._failed = True
            raise
        finally:
            waiters, self._waiters = self._waiters, None
            for waiter in waiters:
                self._fire(waiter)

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
) -> list[Sanction]:
    """
    The sanctions C{store} keeps that are in force at C{now}, under the key
    C{keyOf(kind, name)} gives their name now; those that lapsed are deleted
    from the store (C{persist} keeps the write).  One whose key changed is
    stored anew under its new key, holding for the names that read as it
    now, unless it is of kind C{grant} (a right, not a restriction): that
    one is dropped, never empowering a name it was not given to.
    """
    kept = []
    for sanction in await store.loadSanctions():
        if not sanction.activeAt(now):
            persist(store.deleteSanction(sanction.kind, sanction.target))
            continue
        if (current := keyOf(sanction.kind, sanction.name)) != sanction.target:
            persist(store.deleteSanction(sanction.kind, sanction.target))
            isGrant = sanction.kind == grant
            log.warn(REKEYED[isGrant], kind=sanction.kind, name=sanction.name)
            if isGrant:
                continue
            sanction = replace(sanction, target=current)
            persist(store.saveSanction(sanction))
        kept.append(sanction)
    return kept
