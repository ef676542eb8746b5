# -*- test-case-name: tests.unit.core.test_registrations -*-
"""
How many new accounts one address may register: accounts cost nothing,
and each one's rooms last, so made in bulk from one place they would use up
the room list (C{--max-rooms}) for everyone, for good.  A token bucket per
address group, as L{chatd.core.admission.Admission} groups addresses: the
networks of C{--limit-exempt} are not limited.

And how often an account, and an address group, may change a password:
each change is an argon2 hash (~64 MiB, a core busy), so changes in a loop
would slow every other user's login.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IReactorTime

from chatd.core import errors
from chatd.core.admission import UNGROUPED, Admission
from chatd.core.names import key
from chatd.core.tokenbucket import TokenBucket

#: New accounts an address may register in an hour, by default.
REGISTRATIONS_PER_HOUR = 10
#: Changes of password one account, and one address group, may make in an
#: hour, by default.
PASSWORD_CHANGES_PER_HOUR = 5


def _hourly(
    clock: IReactorTime, buckets: dict[str, TokenBucket], name: str, perHour: int
) -> TokenBucket:
    """
    C{name}'s bucket of C{perHour} an hour in C{buckets}, made if need be;
    a table grown large forgets the buckets as good as new.
    """
    bucket = buckets.get(name)
    if bucket is None:
        if len(buckets) >= 4096:
            for full in [n for n, b in buckets.items() if b.full()]:
                del buckets[full]
        bucket = buckets[name] = TokenBucket(clock, perHour / 3600.0, float(perHour))
    return bucket


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
        if not group or not self.perHour:
            return None
        return _hourly(self.clock, self._buckets, group, self.perHour)


class PasswordChangePace:
    """
    At most C{perHour} changes of password an hour for one account, and
    from one address group (C{None} or 0: no limit; the C{--limit-exempt}
    networks: the account's limit only).
    """

    def __init__(self, clock: IReactorTime, admission: Admission, perHour: int | None) -> None:
        self.clock = clock
        self.admission = admission
        self.perHour = perHour
        self._byAccount: dict[str, TokenBucket] = {}
        self._byGroup: dict[str, TokenBucket] = {}
        self._listeners: list[Callable[[str, str, bool], None]] = []

    def reportTo(self, listener: Callable[[str, str, bool], None]) -> None:
        """
        Tell C{listener(accountKey, address, back)} each change counted here
        (L{heard}), and each given back (C{back}: L{giveBack}).
        """
        self._listeners.append(listener)

    def heard(self, accountKey: str, address: str, back: bool = False) -> None:
        """
        Count a change another node of a cluster made, as if made here, or
        give it back (C{back}) as that node did.
        """
        for bucket in self._buckets(accountKey, address):
            if back:
                bucket.give()
            else:
                bucket.take()

    def _buckets(self, accountKey: str, address: str) -> list[TokenBucket]:
        if not self.perHour:
            return []
        buckets = [_hourly(self.clock, self._byAccount, accountKey, self.perHour)]
        group = self.admission.group(address)
        if group:
            buckets.append(_hourly(self.clock, self._byGroup, group, self.perHour))
        return buckets

    def take(self, account: str, address: str) -> None:
        """
        Count one change of C{account}'s password, asked from C{address}.

        @raise errors.TooManyPasswordChanges: the account, or the address
            group, changed C{perHour} passwords in the last hour.
        """
        buckets = self._buckets(key(account), address)
        if not all(bucket.ready() for bucket in buckets):
            raise errors.TooManyPasswordChanges()
        for bucket in buckets:
            bucket.take()
        for listener in self._listeners if buckets else ():
            listener(key(account), address, False)

    def giveBack(self, account: str, address: str) -> None:
        """
        The change of C{account}'s password L{take} counted did not happen
        (the store was away): it no longer counts, here or on other nodes.
        """
        buckets = self._buckets(key(account), address)
        for bucket in buckets:
            bucket.give()
        for listener in self._listeners if buckets else ():
            listener(key(account), address, True)
