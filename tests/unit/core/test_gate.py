"""
Tests for L{chatd.core.gate}: password checks serialised per name and per
address, back-off served before the hash, a bounded number of hashes at once
and of attempts waiting, with a fake hasher counting what is computed.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import CancelledError, Deferred, fail
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors, gate, knownaddresses
from chatd.core.gate import PasswordGate
from chatd.core.names import key


class FakeHasher:
    """
    Verifications that take as long as the test says: each waits in
    C{running} until C{finish} is called; C{computed} counts them.
    """

    def __init__(self, gate: PasswordGate, right: str = "sesame") -> None:
        self.gate, self.right = gate, right
        self.running: list[Deferred[Any]] = []
        self.computed = 0

    def thread(self, fn: Any, *args: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.running.append(d)
        return d.addCallback(lambda _: fn(*args))

    def verify(self, password: str) -> Deferred[bool]:
        def compute() -> bool:
            self.computed += 1
            return password == self.right

        return self.gate.inThread(compute)

    def finish(self) -> None:
        """
        Finish every hash running now.
        """
        running, self.running = self.running, []
        for d in running:
            d.callback(None)


class GateTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.gate = PasswordGate(self.clock, concurrency=4, runInThread=self.thread)
        self.hasher = FakeHasher(self.gate)

    def thread(self, fn: Any, *args: Any) -> Deferred[Any]:
        return self.hasher.thread(fn, *args)

    def attempt(self, password: str, name: str = "alice", address: str = "10.0.0.1") -> Any:
        return self.gate.check(name, address, lambda: self.hasher.verify(password))

    def test_parallelGuessesOneName(self) -> None:
        """
        100 parallel wrong guesses at one name, from 100 addresses, are
        evaluated one at a time and, past the 3 free failures, no faster than
        the back-off allows (1, 2, 4... up to 30 s between them); the right
        password sent among them is not checked before its turn, and is
        accepted then.
        """
        guesses = [self.attempt(f"guess{i}", address=f"10.1.{i}.1") for i in range(100)]
        right = self.attempt("sesame", address="10.9.9.9")
        elapsed = 0.0
        for _ in range(3):
            self.assertEqual(len(self.hasher.running), 1)
            self.hasher.finish()
        self.assertEqual(self.hasher.computed, 3)
        self.assertEqual(len(self.hasher.running), 0)
        # Now at most one evaluation per back-off interval: in 120 s, 1+2+4+8+16+30+30+30.
        while elapsed < 120:
            self.clock.advance(0.5)
            elapsed += 0.5
            self.assertLessEqual(len(self.hasher.running), 1)
            self.hasher.finish()
        self.assertEqual(self.hasher.computed, 3 + 7)
        self.assertNoResult(right)
        self.assertEqual(sum(1 for g in guesses if g.called), 10)

    def test_ownerNotBehindOneAddressQueue(self) -> None:
        """
        Many guesses at a name from one address take turns with another
        address trying the same name: the owner's attempt is checked at the
        name's second turn (after one guess), not after the whole queue.
        """
        guesses = [self.attempt(f"guess{i}", address="10.1.0.1") for i in range(20)]
        for _ in range(3):
            self.hasher.finish()
        owner = self.attempt("sesame", address="10.2.0.1")
        self.clock.advance(1)  # the name's back-off after 3 failures: one guess
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertNoResult(owner)
        self.clock.advance(2)  # the next turn is the owner's
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertTrue(self.successResultOf(owner))
        self.assertEqual(self.hasher.computed, 5)
        self.assertEqual(sum(1 for g in guesses if g.called), 4)
        self.assertEqual(self.gate.backoff(name="alice"), 0)

    def test_oneAddressSerialised(self) -> None:
        """
        Attempts from one address for different names run one at a time,
        and after 10 failures each waits for the address's back-off.
        """
        tries = [self.attempt("bad", name=f"n{i}") for i in range(12)]
        for _ in range(10):
            self.assertEqual(len(self.hasher.running), 1)
            self.hasher.finish()
        self.assertEqual(len(self.hasher.running), 0)
        self.clock.advance(0.9)
        self.assertEqual(len(self.hasher.running), 0)
        self.clock.advance(0.1)
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertEqual([t.called for t in tries].count(True), 11)
        self.assertEqual(self.gate.backoff(address="10.0.0.1"), 2.0)

    def test_successResetsAddress(self) -> None:
        """
        After 10 failures from one address (a school behind one NAT), a right
        password waits only the current back-off (1 s), not a queue of
        reserved slots, and clears the address's back-off: the next login
        from there is checked at once.
        """
        for i in range(10):
            self.attempt("bad", name=f"n{i}")
            self.hasher.finish()
        right = self.attempt("sesame", name="bob")
        self.assertNoResult(right)
        self.clock.advance(1)
        self.hasher.finish()
        self.assertTrue(self.successResultOf(right))
        self.assertEqual(self.gate.backoff(address="10.0.0.1"), 0)
        following = self.attempt("sesame", name="carol")
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertTrue(self.successResultOf(following))

    def test_concurrencyBound(self) -> None:
        """
        Attempts for different names from different addresses run in
        parallel, but no more than C{concurrency} hashes at once.
        """
        tries = [self.attempt("sesame", name=f"n{i}", address=f"10.0.{i}.1") for i in range(10)]
        self.assertEqual(len(self.hasher.running), 4)
        self.hasher.finish()
        self.assertEqual(len(self.hasher.running), 4)
        self.hasher.finish()
        self.assertEqual(len(self.hasher.running), 2)
        self.hasher.finish()
        self.assertEqual([self.successResultOf(t) for t in tries], [True] * 10)

    def test_queueBounded(self) -> None:
        """
        Beyond C{maxPerAddress} attempts waiting from one address, or
        C{maxPending} in all, an attempt is refused at once with
        L{errors.TooManyAttempts} (code 29), without any hash.
        """
        gate = PasswordGate(self.clock, maxPending=40, maxPerAddress=5)
        hasher = FakeHasher(gate)
        gate.runInThread = hasher.thread
        waiting = [gate.check(f"n{i}", "10.0.0.1", lambda: hasher.verify("x")) for i in range(5)]
        refused = gate.check("other", "10.0.0.1", lambda: hasher.verify("x"))
        self.assertEqual(self.failureResultOf(refused, errors.TooManyAttempts).value.code, 29)
        more = [gate.check("n", f"10.1.0.{i}", lambda: hasher.verify("x")) for i in range(35)]
        self.failureResultOf(gate.check("m", "10.2.0.1", lambda: hasher.verify("x")))
        self.assertEqual(gate.pending, 40)
        self.assertEqual(hasher.computed, 0)
        while hasher.running:
            hasher.finish()
            self.clock.advance(30)
        self.assertTrue(all(d.called for d in waiting + more))
        self.assertEqual(gate.pending, 0)

    def test_cancelWithdraws(self) -> None:
        """
        Cancelling a waiting attempt (its connection closed) removes it: it
        is never hashed, and it no longer counts as waiting.
        """
        first = self.attempt("bad")
        second = self.attempt("bad")
        self.assertEqual(self.gate.pending, 2)
        second.cancel()
        self.failureResultOf(second, CancelledError)
        self.assertEqual(self.gate.pending, 1)
        self.hasher.finish()
        self.assertFalse(self.successResultOf(first))
        self.assertEqual(self.hasher.computed, 1)
        self.assertEqual(self.gate.pending, 0)

    def test_errorsCountNoFailure(self) -> None:
        """
        A check that fails with an error (the store is down) is passed on
        and counts as no failure.
        """
        broken = self.gate.check("alice", "10.0.0.1", lambda: fail(ZeroDivisionError()))
        self.failureResultOf(broken, ZeroDivisionError)
        self.assertEqual(self.gate.pending, 0)
        for _ in range(3):
            self.attempt("bad")
            self.hasher.finish()
        self.assertEqual(self.gate.backoff(name="alice"), 1.0)

    def test_forgets(self) -> None:
        """
        Failures are forgiven C{forget} seconds after the last one, and lanes
        without failures are not kept.
        """
        for _ in range(5):
            self.attempt("bad")
            self.clock.advance(30)
            self.hasher.finish()
        self.assertGreater(self.gate.backoff(name="alice"), 0)
        self.clock.advance(3601)
        self.attempt("bad")
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertEqual(self.gate.backoff(name="alice"), 0)
        self.attempt("sesame")
        self.hasher.finish()
        self.assertEqual(self.gate.backoff(name="alice"), 0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_memoryBounded(self) -> None:
        """
        Guesses at ever new names from ever new addresses do not grow what
        the gate remembers beyond its bound: the oldest idle ones go first.
        """
        self.patch(gate, "MAX_TRACKED", 10)
        for i in range(50):
            self.attempt("bad", name=f"n{i}", address=f"10.0.{i}.1")
            self.hasher.finish()
            self.clock.advance(1)
        self.assertLessEqual(self.gate.tracked(), 20)
        self.assertGreater(self.gate.tracked(), 0)

    def attackersHoldTheName(self) -> list[Any]:
        """
        8 addresses each with a queue of wrong guesses at alice, checked
        until the name's back-off is at its longest (30 s).
        """
        guesses = [
            self.attempt(f"wrong{n}", address=f"10.1.{a}.1") for n in range(8) for a in range(8)
        ]
        for _ in range(10):
            self.clock.advance(30)
            self.hasher.finish()
        self.assertEqual(self.gate.backoff(name="alice"), 30)
        return guesses

    def test_knownAddressGoesAhead(self) -> None:
        """
        The owner's right password from an address alice signed in from
        before is checked at once, ahead of guesses from 8 other addresses
        queued for the name and of its back-off; from a new address it
        waits its turn.  The guesses are no faster for it.
        """
        first = self.attempt("sesame", address="10.9.9.9")
        self.hasher.finish()
        self.assertTrue(self.successResultOf(first))
        self.attackersHoldTheName()
        checked = self.hasher.computed
        stranger = self.attempt("sesame", address="10.8.8.8")
        owner = self.attempt("sesame", address="10.9.9.9")
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertTrue(self.successResultOf(owner))
        self.assertNoResult(stranger)
        self.assertEqual(self.hasher.computed, checked + 1)

    def test_knownAddressRunsBesideAGuess(self) -> None:
        """
        While a guess at the name is being checked, the owner's attempt
        from a known address starts beside it, and the guess's end leaves
        the name's one-at-a-time turns as they were.
        """
        self.attempt("sesame", address="10.9.9.9")
        self.hasher.finish()
        guesses = [self.attempt(f"wrong{i}", address=f"10.1.{i}.1") for i in range(3)]
        self.assertEqual(len(self.hasher.running), 1)
        owner = self.attempt("sesame", address="10.9.9.9")
        self.assertEqual(len(self.hasher.running), 2)
        self.hasher.running.pop().callback(None)
        self.assertTrue(self.successResultOf(owner))
        self.assertEqual(len(self.hasher.running), 1)
        self.hasher.finish()
        self.assertEqual(sum(1 for g in guesses if g.called), 1)
        self.assertEqual(len(self.hasher.running), 1)

    def test_knownAddressKeepsItsOwnBackoff(self) -> None:
        """
        A known address that failed 10 times (for other names) waits for
        its own back-off.
        """
        self.attempt("sesame", address="10.9.9.9")
        self.hasher.finish()
        for i in range(10):
            self.attempt("bad", name=f"n{i}", address="10.9.9.9")
            self.hasher.finish()
        owner = self.attempt("sesame", address="10.9.9.9")
        self.assertNoResult(owner)
        self.clock.advance(1)
        self.hasher.finish()
        self.assertTrue(self.successResultOf(owner))

    def test_guessingForgetsTheAddress(self) -> None:
        """
        More than 3 wrong passwords for alice from a known address make the
        gate forget it for her: the next attempt from there takes its turn
        behind the name's back-off.
        """
        self.attempt("sesame", address="10.9.9.9")
        self.hasher.finish()
        for i in range(3):
            self.attempt(f"bad{i}", address="10.9.9.9")
            self.hasher.finish()
        self.assertTrue(self.gate.known.knows(key("alice"), "10.9.9.9"))
        self.attempt("bad3", address="10.9.9.9")
        self.clock.advance(1)
        self.hasher.finish()
        self.assertFalse(self.gate.known.knows(key("alice"), "10.9.9.9"))

    def test_knownIPv6Network(self) -> None:
        """
        An IPv6 address is known by its /64; an IPv4-mapped one as the IPv4
        address.
        """
        self.attempt("sesame", address="2001:db8:1:2::1")
        self.hasher.finish()
        self.attempt("sesame", address="10.9.9.9")
        self.hasher.finish()
        known = self.gate.known
        self.assertTrue(known.knows(key("alice"), "2001:db8:1:2:aaaa::7"))
        self.assertFalse(known.knows(key("alice"), "2001:db8:1:3::1"))
        self.assertTrue(known.knows(key("alice"), "::ffff:10.9.9.9"))
        self.assertFalse(known.knows(key("bob"), "10.9.9.9"))

    def test_knownFromAnotherNode(self) -> None:
        """
        A right password another cluster node checked (L{PasswordGate.heard})
        makes its address known here too.
        """
        self.gate.heard(key("alice"), "10.9.9.9", True)
        self.attackersHoldTheName()
        owner = self.attempt("sesame", address="10.9.9.9")
        self.hasher.finish()
        self.assertTrue(self.successResultOf(owner))

    def test_knownBounded(self) -> None:
        """
        An account keeps its last 4 networks; the accounts remembered are
        bounded, the least recently signed in forgotten first.
        """
        self.patch(knownaddresses, "MAX_ACCOUNTS", 3)
        known = self.gate.known
        for i in range(6):
            known.heard("alice", f"10.0.0.{i}", True)
        self.assertEqual(
            [known.knows("alice", f"10.0.0.{i}") for i in range(6)], [False] * 2 + [True] * 4
        )
        for name in ("bob", "carol", "dave"):
            known.heard(name, "10.0.0.1", True)
        self.assertEqual(len(known), 3)
        self.assertFalse(known.knows("alice", "10.0.0.5"))
