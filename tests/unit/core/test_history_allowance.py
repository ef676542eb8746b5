"""
Tests for L{chatd.core.allowance.HistoryAllowance}: history requests take
from their person's allowance (an account's, a guest's address's) as much
as their answers hold; one past it waits, or is refused; on a L{Clock}.
"""

from __future__ import annotations

from ipaddress import ip_network

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.allowance import KEPT_ALLOWANCES, Answer, HistoryAllowance
from chatd.core.chathistory import LATEST, HistoryQuery
from chatd.core.pacing import LINE_OVERHEAD
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase

#: One message of the room the tests fill: this many bytes on the wire.
TEXT = "x" * 872
SIZE = len(TEXT) + LINE_OVERHEAD  # 1000


class HistoryAllowanceTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Ten messages' worth at once, then one a second; a wait of more
        # than 5 seconds is refused.
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=10 * SIZE, rate=SIZE, patience=5
        )
        self.alice = self.login("alice")
        self.successResultOf(settled(self.service.enter(self.alice, "Général")))
        for _ in range(8):
            self.service.say(self.alice, "Général", (TEXT,))
        self.clock.advance(0)

    def test_answerCounted(self) -> None:
        """
        Answers are counted by their bytes: the first request's 8 messages
        leave 2 in the allowance, so a second one of 8 is still answered at
        once (leaving it owing 6), and the third waits until the debt is
        paid, 6 seconds later: past the patience, it is refused, saying
        when to try again; at 5 seconds it waits.
        """
        for _ in range(2):
            self.assertEqual(
                len(self.successResultOf(self.service.history(self.alice, "Général", 8))), 8
            )
        refused = self.assertRaises(errors.TooFast, self.service.history, self.alice, "Général", 8)
        self.assertEqual(refused.text, "you ask for history too fast: try again in 6s")
        self.clock.advance(1)
        waiting = self.service.history(self.alice, "Général", 8)
        self.assertNoResult(waiting)
        self.clock.advance(4.9)
        self.assertNoResult(waiting)
        self.clock.advance(0.1)
        self.assertEqual(len(self.successResultOf(waiting)), 8)

    def test_smallAnswersCostLittle(self) -> None:
        """
        Many requests whose answers are small are all answered at once.
        """
        for _ in range(10):
            self.assertEqual(
                len(self.successResultOf(self.service.history(self.alice, "Général", 1))), 1
            )

    def test_windowsShareIt(self) -> None:
        """
        C{CHATHISTORY}'s windows (IRC, the web page) take from the same
        allowance as C{HISTO}.
        """
        latest = HistoryQuery(LATEST, None, 8)
        self.successResultOf(self.service.history(self.alice, "Général", 8))
        self.successResultOf(self.service.historyWindow(self.alice, "Général", True, latest))
        self.assertRaises(
            errors.TooFast, self.service.historyWindow, self.alice, "Général", True, latest
        )
        self.clock.advance(1)
        waiting = self.service.historyWindow(self.alice, "Général", True, latest)
        self.assertNoResult(waiting)
        self.clock.advance(5)
        self.assertEqual(len(self.successResultOf(waiting)), 8)

    def entered(
        self, nick: str, address: str = "10.0.0.1", password: str | None = None
    ) -> RecordingParticipant:
        """C{nick}, connected from C{address}, in C{Général}."""
        person = self.login(nick, password, address)
        self.clock.advance(0)
        if "Général" not in self.service.roomsOf(person):  # (an account may be in already)
            self.successResultOf(settled(self.service.enter(person, "Général")))
            self.clock.advance(0)
        return person

    def spent(self, person: RecordingParticipant) -> None:
        """C{person} asks for history until it is refused."""
        for _ in range(2):
            self.successResultOf(self.service.history(person, "Général", 8))
        self.assertRaises(errors.TooFast, self.service.history, person, "Général", 8)

    def answered(self, person: RecordingParticipant) -> None:
        """C{person}'s request is answered at once, whole."""
        self.assertEqual(len(self.successResultOf(self.service.history(person, "Général", 8))), 8)

    def test_perPerson(self) -> None:
        """
        Each person has an allowance of their own: one spent does not make
        another, from another address, wait.
        """
        self.spent(self.alice)
        self.answered(self.entered("bob", "10.0.0.2"))

    def test_guestsOfOneAddressShare(self) -> None:
        """
        The guests of one address share an allowance: a guest that spent
        it and comes back under another name finds it spent, and so does
        another guest of that address meanwhile.
        """
        self.spent(self.alice)
        self.service.disconnect(self.alice)
        again = self.entered("alice2")
        self.assertRaises(errors.TooFast, self.service.history, again, "Général", 8)
        self.clock.advance(6)  # the debt paid
        self.answered(again)

    def test_guestsOfOneIPv6Network(self) -> None:
        """
        Guests of one IPv6 C{/64} share an allowance, as they share a cloak.
        """
        first = self.entered("v6a", "2001:db8:1:2::10")
        self.spent(first)
        self.service.disconnect(first)
        second = self.entered("v6b", "2001:db8:1:2:ffff::1")
        self.assertRaises(errors.TooFast, self.service.history, second, "Général", 8)
        self.answered(self.entered("v6c", "2001:db8:1:3::10"))

    def test_accountsOfOneAddress(self) -> None:
        """
        A person signed in to an account has the account's allowance: not
        its address's, which its guests share, nor another account's of
        that address; and it keeps the account's when it signs in again.
        """
        self.registered("carol", "carolpass")
        self.registered("dave", "davepass")
        self.spent(self.alice)
        carol = self.entered("carol", password="carolpass")
        self.spent(carol)
        self.answered(self.entered("dave", password="davepass"))
        self.service.disconnect(carol)
        carol = self.entered("carol", "10.0.0.9", "carolpass")
        self.assertRaises(errors.TooFast, self.service.history, carol, "Général", 8)

    def test_exemptAddressPerPerson(self) -> None:
        """
        The guests of a C{--limit-exempt} network (a school behind one NAT
        address) have an allowance each, for as long as they are connected.
        """
        self.service.admission.exempt = [ip_network("10.0.0.0/24")]
        self.spent(self.alice)
        self.answered(self.entered("bob"))

    def test_answerDueAtThePace(self) -> None:
        """
        An answer says when its parts are due (L{Answer.release}): what the
        allowance held at once, the rest as it refills; a second answer
        found meanwhile after the first.
        """
        first = self.successResultOf(self.service.history(self.alice, "Général", 8))
        assert isinstance(first, Answer) and first.release is not None
        self.assertIsNone(first.release.due(0))
        self.assertIsNone(first.release.due(8 * SIZE))
        second = self.successResultOf(self.service.history(self.alice, "Général", 8))
        assert isinstance(second, Answer) and second.release is not None
        self.assertIsNone(second.release.due(2 * SIZE))  # the 2 the allowance still held
        due = second.release.due(5 * SIZE)
        assert due is not None
        self.clock.advance(2.9)
        self.assertNoResult(due)
        self.clock.advance(0.1)
        self.successResultOf(due)

    def test_operatorNotCounted(self) -> None:
        """
        A chatd operator's requests are not counted: never refused, nor
        made to wait, their answers due at once.
        """
        self.service.grantOperator(self.alice)
        for _ in range(5):
            answer = self.successResultOf(self.service.history(self.alice, "Général", 8))
            self.assertEqual(len(answer), 8)
            self.assertIsNone(getattr(answer, "release", None))


class KeptAllowancesTests(SynchronousTestCase):
    """
    The allowances of accounts and addresses outlive their connections;
    those full again are forgotten as more are made.
    """

    def test_fullForgotten(self) -> None:
        """
        Past L{KEPT_ALLOWANCES}, a new one forgets those full again, and
        those still owing are kept.
        """
        clock = Clock()
        allowance = HistoryAllowance(clock, burst=10, rate=1)
        owing = [("address", f"192.0.2.{n}") for n in range(KEPT_ALLOWANCES)]
        for whose in owing:
            allowance._bucket(whose).charge(5)
        allowance.turn(("account", "alice"))
        self.assertEqual(len(allowance._kept), KEPT_ALLOWANCES + 1)  # none full: all kept
        clock.advance(5)
        allowance._bucket(owing[0]).charge(100)
        for n in range(KEPT_ALLOWANCES - 1):
            allowance.turn(("account", f"user{n}"))
        self.assertEqual(len(allowance._kept), 2 * KEPT_ALLOWANCES)  # then twice as many
        allowance.turn(("account", "bob"))
        self.assertEqual(set(allowance._kept), {owing[0], ("account", "bob")})
