"""
Tests for L{chatd.core.logindeadline}: a connection that has not logged in
within the service's login timeout is ended, whatever its front-end.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from tests.support.persistencecase import PersistenceTestCase


class LoginDeadlineTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(self.clock, maxClients=10)
        self.service.loginDeadlines.timeout = 60.0

    def connect(self, address: str = "127.0.0.1") -> RecordingParticipant:
        participant = RecordingParticipant(address, protocolName="tchat")
        self.service.connect(participant)
        return participant

    def test_closedAtDeadline(self) -> None:
        """
        A connection that has not logged in is ended with L{LoginTimedOut}
        (code 01) at the deadline, not a moment before, and is no longer
        counted as connected.
        """
        silent = self.connect()
        self.clock.advance(59.9)
        self.assertIsNone(silent.disconnectedWith)
        self.clock.advance(0.1)
        error = silent.disconnectedWith
        self.assertIsInstance(error, errors.LoginTimedOut)
        assert error is not None
        self.assertEqual(
            (error.code, error.text),
            (1, "login timed out: you did not log in within 60 seconds"),
        )
        self.assertEqual(self.service.connections(), [])
        self.assertEqual(self.service.stats.disconnects["tchat", "timeout"], 1)

    def test_loginInTime(self) -> None:
        """
        A login before the deadline cancels it: the connection stays.
        """
        quick = self.connect()
        self.clock.advance(59)
        self.service.login(quick, "alice")
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.clock.advance(3600)
        self.assertIsNone(quick.disconnectedWith)

    def test_closedFirst(self) -> None:
        """
        A connection that closes before its deadline leaves no timer.
        """
        gone = self.connect()
        self.service.disconnect(gone, "bye")
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.assertEqual([call for call in self.clock.getDelayedCalls() if call.active()], [])

    def test_noTimeout(self) -> None:
        """
        With no timeout (the service's default), no deadline is set.
        """
        self.service.loginDeadlines.timeout = None
        lingering = self.connect()
        self.clock.advance(86400)
        self.assertIsNone(lingering.disconnectedWith)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def waitForSanctions(self) -> list[Deferred[None]]:
        """
        Make every login wait (for the sanctions to load) until each
        L{Deferred} returned is fired.
        """
        waits: list[Deferred[None]] = []

        def whenLoaded() -> Deferred[None]:
            waits.append(Deferred())
            return waits[-1]

        self.patch(self.service.moderation, "whenLoaded", whenLoaded)
        return waits

    def test_loginUnderWay(self) -> None:
        """
        A login still under way at the deadline is waited for: the
        connection it names stays, one whose login fails then is ended.
        """
        waits = self.waitForSanctions()
        first, second = self.connect(), self.connect()
        named = self.service.login(first, "alice")
        refused = self.service.login(second, "alice")
        assert isinstance(named, Deferred) and isinstance(refused, Deferred)
        self.clock.advance(60)
        self.assertEqual((first.disconnectedWith, second.disconnectedWith), (None, None))
        for wait in waits:
            wait.callback(None)
        self.assertEqual(self.successResultOf(named), "alice")
        self.failureResultOf(refused, errors.NickTaken)
        self.assertIsNone(first.disconnectedWith)
        self.assertIsInstance(second.disconnectedWith, errors.LoginTimedOut)


class SecondConnectionTests(PersistenceTestCase):
    def test_secondConnectionInTime(self) -> None:
        """
        A connection that signs in to an account already signed in (it joins
        the person) has logged in: its deadline is cancelled too.
        """
        self.service.loginDeadlines.timeout = 60.0
        self.registered("alice", "sesame")
        phone = self.login("alice", "sesame")
        laptop = self.login("alice", "sesame")
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.clock.advance(60)
        self.assertEqual((phone.disconnectedWith, laptop.disconnectedWith), (None, None))

    def test_closedWhileLoginWaited(self) -> None:
        """
        A connection that closes (its keepalive, its peer gone) while its
        password check is waited for past the deadline did not time out:
        its session is not ended again, nor counted or logged as a login
        timeout.
        """
        self.service.loginDeadlines.timeout = 60.0
        self.registered("alice", "sesame")
        assert self.service.persistence is not None
        gate = self.service.persistence.accounts.gate
        gate.base = gate.maximum = 100.0  # the owner's turn comes after the deadline
        for _ in range(3):
            guess = RecordingParticipant("10.6.6.6")
            self.service.connect(guess)
            self.refused(self.service.login(guess, "alice", "guess"), errors.BadPassword)
        owner = RecordingParticipant("10.1.1.1", protocolName="web")
        self.service.connect(owner)
        login = self.service.login(owner, "alice", "sesame")
        self.clock.advance(60)
        self.assertIsNone(owner.disconnectedWith)
        logged: list[str] = []
        self.patch(self.service.loginDeadlines.log, "info", lambda *a, **kw: logged.append(a[0]))
        self.service.disconnect(owner, "timeout: no pong")
        self.refused(login, errors.NotLoggedIn)
        self.assertIsNone(owner.disconnectedWith)
        self.assertEqual(logged, [])
        self.assertEqual(self.service.stats.disconnects["web", "timeout"], 1)
