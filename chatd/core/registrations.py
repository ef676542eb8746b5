# -*- test-case-name: tests.unit.core.test_registrations -*-
"""
How many new accounts one address may register: accounts cost nothing,
and each one's rooms last, so made in bulk from one place they would use up
the room list (C{--max-rooms}) for everyone, for good.  A token bucket per
address group, as L{chatd.core.admission.Admission} groups addresses: the
networks of C{--limit-exempt} are not limited.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime

from chatd.core import errors
from chatd.core.admission import UNGROUPED, Admission
from chatd.lines.throttle import TokenBucket

#: New accounts an address may register in an hour, by default.
REGISTRATIONS_PER_HOUR = 10


class RegistrationPace:
    """
    At most C{perHour} new accounts an hour from one address group, in
    bursts of as many (C{None} or 0: no limit).
    """

    def __init__(self, clock: IReactorTime, admission: Admission, perHour: int | None) -> None:
        self.clock = clock
        self.admission = admission
        self.perHour = perHour
        self._buckets: dict[str, TokenBucket] = {}
        self._listeners: list[Callable[[str], None]] = []

    def reportTo(self, listener: Callable[[str], None]) -> None:
        """Tell C{listener(address)} each new account counted here (L{heard})."""
        self._listeners.append(listener)

    def take(self, address: str) -> None:
        """
        Count one new account registered from C{address}.

        @raise errors.TooManyRegistrations: it registered C{perHour} in the
            last hour.
        """
        bucket = self._bucket(address)
        if bucket is None:
            return
        if not bucket.ready():
            raise errors.TooManyRegistrations()
        bucket.take()
        for listener in self._listeners:
            listener(address)

    def heard(self, address: str) -> None:
        """
        Count a new account another node of a cluster let C{address}
        register, so that registrations spread over the nodes are limited
        as on one.
        """
        bucket = self._bucket(address)
        if bucket is not None:
            bucket.take()

    def _bucket(self, address: str) -> TokenBucket | None:
        group = self.admission.group(address) if self.perHour else UNGROUPED
        if not group:
            return None
        bucket = self._buckets.get(group)
        if bucket is None:
            if len(self._buckets) >= 4096:  # forget the groups as good as new
                self._buckets = {g: b for g, b in self._buckets.items() if not b.full()}
            burst = float(self.perHour or 0)
            bucket = self._buckets[group] = TokenBucket(self.clock, burst / 3600.0, burst)
        return bucket
