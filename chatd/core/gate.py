# -*- test-case-name: tests.unit.core.test_gate -*-
"""
The one gate every password check passes: account logins (TCHAT, talk, the
web, IRC SASL and PASS), the admin consoles (telnet, SSH, manhole) and IRC
C{OPER}.

Guessing is slowed where the hash is computed, not where the answer is
sent: attempts wait in two kinds of lanes, one per name and one per address.
A lane checks one attempt at a time, and after its free failures it lets
the next one start only once its back-off has passed, so however many
guesses arrive in parallel, in N seconds a name or an address gets about
N / back-off of them evaluated.  A name's turns go round the addresses
waiting for it, so one address's queue of guesses never stands between
another address and the name.  An address from which the name's account
signed in lately (L{chatd.core.knownaddresses}) goes ahead of the name's
turns: its attempt starts as soon as its own address lane lets it, whatever
guesses from elsewhere wait or back off for the name, so its owner is not
kept out by them.  A success clears both lanes.  At most
C{concurrency} argon2 hashes run at once (each takes tens of MiB), and at
most C{maxPending} attempts (C{maxPerAddress} per address) wait: beyond,
the attempt is refused at once with L{errors.TooManyAttempts}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, DeferredSemaphore, fail, maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.knownaddresses import KnownAddresses
from chatd.core.names import key

#: Lanes kept at once; beyond, the oldest idle ones are forgotten.
MAX_TRACKED = 10000


class Lane:
    """
    The attempts of one name or one address: its failures and when the
    next attempt may start.

    @ivar queue: (address lanes) attempts waiting, in arrival order.
    @ivar waiters: (name lanes) address lanes with an attempt for this name,
        in the order they get their turn.
    """

    def __init__(self, table: dict[str, Lane], lid: str, free: int) -> None:
        self.table, self.lid, self.free = table, lid, free
        self.failures = 0
        self.nextAt = 0.0
        self.lastFailure = 0.0
        self.busy = False
        self.waking = False
        self.timer: IDelayedCall | None = None
        self.queue: list[_Attempt] = []
        self.waiters: dict[Lane, None] = {}

    def idle(self) -> bool:
        return not (self.busy or self.queue or self.waiters or self.timer)


class _Attempt:
    def __init__(
        self,
        name: Lane,
        address: Lane,
        verify: Callable[[], Deferred[bool]],
        cancel: Callable[[_Attempt], None],
    ) -> None:
        self.name, self.address, self.verify = name, address, verify
        self.started = False
        #: it went ahead of the name's turns (from a known address)
        self.ahead = False
        self.result: Deferred[bool] = Deferred(lambda d: cancel(self))


class PasswordGate:
    """
    Serialises, spaces out and bounds password checks (see the module).

    @ivar nameFree: failures for a name before its back-off starts.
    @ivar addressFree: failures from an address before its back-off starts.
    @ivar base: the first back-off, in seconds; it doubles per failure.
    @ivar maximum: the longest back-off, in seconds.
    @ivar forget: seconds after its last failure that a lane is forgiven.
    """

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        concurrency: int = 2,
        maxPending: int = 1000,
        maxPerAddress: int = 32,
        nameFree: int = 3,
        addressFree: int = 10,
        base: float = 1.0,
        maximum: float = 30.0,
        forget: float = 3600.0,
        runInThread: Callable[..., Deferred[Any]] = deferToThread,
    ) -> None:
        self.clock = clock
        self.maxPending, self.maxPerAddress = maxPending, maxPerAddress
        self.nameFree, self.addressFree = nameFree, addressFree
        self.base, self.maximum, self.forget = base, maximum, forget
        self.runInThread = runInThread
        self.hashing = DeferredSemaphore(concurrency)
        self.pending = 0
        self._names: dict[str, Lane] = {}
        self._addresses: dict[str, Lane] = {}
        self._listeners: list[Callable[[str, str, bool], None]] = []
        #: where each account signed in lately: its attempts go ahead
        self.known = KnownAddresses(nameFree)

    def inThread(self, fn: Callable[..., Any], *args: Any) -> Deferred[Any]:
        """
        Run the blocking (hashing) C{fn(*args)} in a thread, when one of the
        C{concurrency} hashing slots is free.
        """
        return self.hashing.run(self.runInThread, fn, *args)

    def check(
        self, name: str, address: str, verify: Callable[[], Deferred[bool]]
    ) -> Deferred[bool]:
        """
        Run C{verify()} (which hashes, via L{inThread}) when the lanes of
        C{name} (any look-alike of it: one lane per L{key}) and C{address}
        give the attempt its turn; fires with its
        answer.  Cancelling the result withdraws an attempt still waiting.

        @raise TooManyAttempts: (the result fails with it) too many attempts
            wait already, in all or from C{address}.
        """
        addressLane = self._lane(self._addresses, address, self.addressFree)
        if (
            self.pending >= self.maxPending
            or len(addressLane.queue) + addressLane.busy >= self.maxPerAddress
        ):
            self.log.warn(
                "password check for {name!r} from {address} refused: too many waiting",
                name=name,
                address=address,
            )
            self._tidy(addressLane)
            return fail(errors.TooManyAttempts())
        nameLane = self._lane(self._names, key(name), self.nameFree)
        attempt = _Attempt(nameLane, addressLane, verify, self._cancel)
        addressLane.queue.append(attempt)
        self.pending += 1
        self._pump(addressLane)
        return attempt.result

    def reportTo(self, listener: Callable[[str, str, bool], None]) -> None:
        """Tell C{listener(nameKey, address, right)} each answer checked here (L{heard})."""
        self._listeners.append(listener)

    def heard(self, nameKey: str, address: str, right: bool) -> None:
        """
        Count an answer another node checked as if it were checked here, so
        that guesses spread over a cluster's nodes are slowed as on one.
        """
        now = self.clock.seconds()
        self.known.heard(nameKey, address, right)
        if right:
            nameLane, addressLane = self._names.get(nameKey), self._addresses.get(address)
        else:
            nameLane = self._lane(self._names, nameKey, self.nameFree)
            addressLane = self._lane(self._addresses, address, self.addressFree)
        for lane in (nameLane, addressLane):
            if lane is not None:
                self._counted(lane, right, now)
        if addressLane is not None:  # a right answer may let a waiting attempt go now
            self._pump(addressLane)
            self._tidy(addressLane)
        if nameLane is not None:
            self._wakeName(nameLane)
            self._tidy(nameLane)

    def backoff(self, name: str | None = None, address: str | None = None) -> float:
        """
        Seconds until the lane of C{name} or C{address} lets an attempt start
        (0 if it would at once), for the operator and the tests.
        """
        table, lid = (self._names, key(name)) if name is not None else (self._addresses, address)
        lane = table.get(lid or "")
        return 0.0 if lane is None else max(0.0, lane.nextAt - self.clock.seconds())

    def tracked(self) -> int:
        """
        How many names and addresses the gate remembers (failures, waiting
        attempts): bounded by about C{2 * MAX_TRACKED}.
        """
        return len(self._names) + len(self._addresses)

    # Scheduling

    def _lane(self, table: dict[str, Lane], lid: str, free: int) -> Lane:
        lane = table.get(lid)
        if lane is None:
            if len(table) >= MAX_TRACKED:
                self._prune(table)
            lane = table[lid] = Lane(table, lid, free)
        return lane

    def _prune(self, table: dict[str, Lane]) -> None:
        now = self.clock.seconds()
        idle = sorted((lane for lane in table.values() if lane.idle()), key=lambda x: x.lastFailure)
        for lane in idle:
            if lane.lastFailure + self.forget < now or len(table) > MAX_TRACKED * 9 // 10:
                del table[lane.lid]

    def _tidy(self, lane: Lane) -> None:
        if lane.idle() and lane.failures == 0 and lane.table.get(lane.lid) is lane:
            del lane.table[lane.lid]

    def _wakeAt(self, lane: Lane, at: float, wake: Callable[[Lane], None]) -> None:
        if lane.timer is not None and lane.timer.active():
            if lane.timer.getTime() <= at:
                return
            lane.timer.cancel()

        def fire() -> None:
            lane.timer = None
            wake(lane)
            self._tidy(lane)

        lane.timer = self.clock.callLater(max(0.0, at - self.clock.seconds()), fire)

    def _ready(self, lane: Lane, now: float) -> bool:
        if lane.failures and lane.lastFailure + self.forget < now:
            lane.failures, lane.nextAt = 0, now
        return not lane.busy and lane.nextAt <= now

    def _pump(self, address: Lane) -> None:
        """
        Start the first attempt of C{address} whose name lane is free, if the
        address lane itself is; otherwise make sure someone wakes it.
        """
        now = self.clock.seconds()
        if not address.queue or not self._ready(address, now):
            if address.queue and not address.busy:
                self._wakeAt(address, address.nextAt, self._pump)
            return
        for attempt in address.queue:
            name = attempt.name
            if self.known.knows(name.lid, address.lid):
                address.queue.remove(attempt)
                name.waiters.pop(address, None)
                attempt.ahead = True
                self._start(attempt)
                return
            first = next(iter(name.waiters), address)
            if self._ready(name, now) and (name.waking or first is address):
                address.queue.remove(attempt)
                name.waiters.pop(address, None)
                self._start(attempt)
                return
            name.waiters.setdefault(address)
            if not name.busy:
                self._wakeAt(name, name.nextAt, self._wakeName)

    def _wakeName(self, name: Lane) -> None:
        """
        Give C{name}'s turn to the first address lane waiting for it that
        can take it; the others keep their place in line.
        """
        if name.busy:
            return
        if name.nextAt > self.clock.seconds():
            if name.waiters:
                self._wakeAt(name, name.nextAt, self._wakeName)
            return
        waiting = list(name.waiters)
        name.waiters.clear()
        name.waking = True
        try:
            for address in waiting:
                self._pump(address)
        finally:
            name.waking = False

    def _start(self, attempt: _Attempt) -> None:
        attempt.started = True
        attempt.address.busy = True
        if not attempt.ahead:  # one ahead leaves the name's turns to the others
            attempt.name.busy = True
        maybeDeferred(attempt.verify).addBoth(self._finished, attempt)

    def _finished(self, result: bool | Failure, attempt: _Attempt) -> None:
        self.pending -= 1
        now = self.clock.seconds()
        if attempt.ahead:
            attempt.name = self._lane(self._names, attempt.name.lid, self.nameFree)
        else:
            attempt.name.busy = False
        attempt.address.busy = False
        lanes = (attempt.name, attempt.address)
        for lane in lanes:
            if not isinstance(result, Failure):  # a failure to check is not the guesser's
                self._counted(lane, bool(result), now)
        if not isinstance(result, Failure):
            self.known.heard(attempt.name.lid, attempt.address.lid, bool(result))
            for listener in self._listeners:
                listener(attempt.name.lid, attempt.address.lid, bool(result))
        if not attempt.result.called:
            if isinstance(result, Failure):
                attempt.result.errback(result)
            else:
                attempt.result.callback(bool(result))
        self._pump(attempt.address)
        self._wakeName(attempt.name)
        for lane in lanes:
            self._tidy(lane)

    def _counted(self, lane: Lane, right: bool, now: float) -> None:
        """A right answer clears C{lane}'s back-off; a wrong one lengthens it."""
        if right:
            lane.failures, lane.nextAt = 0, now
            return
        lane.failures += 1
        lane.lastFailure = now
        over = lane.failures - lane.free
        wait = min(self.base * 2**over, self.maximum) if over >= 0 else 0
        lane.nextAt = max(lane.nextAt, now + wait)

    def _cancel(self, attempt: _Attempt) -> None:
        if attempt.started:
            return  # its hash runs on; only the answer is dropped
        attempt.address.queue.remove(attempt)
        self.pending -= 1
        self._tidy(attempt.address)
        self._tidy(attempt.name)
