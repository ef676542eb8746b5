"""
Tests for L{chatd.cluster.guards}: two nodes on a fake Redis count each
other's password answers in their gates and each other's new accounts in
their limits on registration.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, succeed

from chatd.cluster.guards import Guards
from chatd.core import errors
from chatd.core.admission import Admission
from chatd.core.gate import PasswordGate
from chatd.core.registrations import PasswordChangePace, RegistrationPace
from tests.support.fakenode import FakeNode, TwoNodes


class GuardsTests(TwoNodes):
    def setUp(self) -> None:
        super().setUp()
        self.gates: dict[FakeNode, PasswordGate] = {}
        self.paces: dict[FakeNode, RegistrationPace] = {}
        self.changes: dict[FakeNode, PasswordChangePace] = {}
        for node in (self.a, self.b):
            gate = PasswordGate(self.clock, nameFree=1, base=8.0, maximum=60.0)
            pace = RegistrationPace(self.clock, Admission(self.clock), perHour=2)
            changes = PasswordChangePace(self.clock, Admission(self.clock), perHour=2)
            Guards(node.bus, gate, pace, changes)
            self.gates[node], self.paces[node], self.changes[node] = gate, pace, changes

    def guess(self, node: FakeNode, right: bool, name: str = "kid") -> Deferred[bool]:
        answer: Deferred[Any] = self.gates[node].check(name, "192.0.2.7", lambda: succeed(right))
        self.settle()
        return answer

    def wait(self, seconds: int) -> None:
        """Let C{seconds} pass, a second at a time: the nodes keep beating."""
        for _ in range(seconds):
            self.clock.advance(1)
            self.settle()

    def test_wrongAnswerSlowsEveryNode(self) -> None:
        """
        A wrong answer past the free ones on node A makes node B wait the
        back-off before it checks the next guess for that name: the guess
        starts only then.
        """
        self.assertFalse(self.successResultOf(self.guess(self.a, False)))
        self.assertEqual(self.gates[self.b].backoff(name="kid"), 8.0)
        self.assertEqual(self.gates[self.b].backoff(address="192.0.2.7"), 0.0)  # 10 free
        later = self.guess(self.b, False)
        self.assertNoResult(later)
        self.wait(7)
        self.assertNoResult(later)
        self.wait(1)
        self.assertFalse(self.successResultOf(later))
        self.assertEqual(self.gates[self.a].backoff(name="kid"), 16.0)  # B's counted on A

    def test_lookAlikeNamesShareTheirLane(self) -> None:
        """
        The name travels as its key: a guess at C{KlD} on node B waits for
        the back-off C{kid} earned on node A.
        """
        self.guess(self.a, False)
        self.assertNoResult(self.guess(self.b, False, name="KlD"))

    def test_rightAnswerClearsEveryNode(self) -> None:
        """
        The owner's right password on node A forgives the name's failures on
        node B too: B's next wrong answer starts the back-off afresh (8 s),
        not doubled from A's (16 s).
        """
        self.guess(self.a, False)
        self.wait(8)
        self.assertTrue(self.successResultOf(self.guess(self.a, True)))
        self.assertEqual(self.gates[self.b].backoff(name="kid"), 0.0)
        self.assertFalse(self.successResultOf(self.guess(self.b, False)))
        self.assertEqual(self.gates[self.b].backoff(name="kid"), 8.0)

    def test_registrationsCountOnEveryNode(self) -> None:
        """
        An address that registered its two accounts an hour on node A may
        register none on node B.
        """
        for _ in range(2):
            self.paces[self.a].take("192.0.2.7")
        self.settle()
        self.assertRaises(errors.TooManyRegistrations, self.paces[self.b].take, "192.0.2.7")
        self.paces[self.b].take("192.0.2.8")  # another address may

    def test_passwordChangesCountOnEveryNode(self) -> None:
        """
        An account whose password changed twice this hour on node A may not
        change it on node B, whatever the address; another account may.
        """
        for address in ("192.0.2.7", "192.0.2.8"):
            self.changes[self.a].take("kid", address)
        self.settle()
        self.assertRaises(
            errors.TooManyPasswordChanges, self.changes[self.b].take, "KID", "198.51.100.1"
        )
        self.changes[self.b].take("other", "198.51.100.1")

    def test_passwordChangeGivenBackOnEveryNode(self) -> None:
        """
        A change node A counted, then gave back (the store refused it), no
        longer counts on node B either.
        """
        for address in ("192.0.2.7", "192.0.2.8"):
            self.changes[self.a].take("kid", address)
        self.changes[self.a].giveBack("kid", "192.0.2.8")
        self.settle()
        self.changes[self.b].take("KID", "198.51.100.1")
        self.assertRaises(
            errors.TooManyPasswordChanges, self.changes[self.b].take, "KID", "198.51.100.2"
        )
