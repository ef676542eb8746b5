"""
L{chatd.core.clientids}: a message whose client id was accepted is
answered as the first was, also while the first one's answer is on its way.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.clientids import ClientIds, Said
from chatd.core.errors import NoSuchUser, NotLoggedIn
from chatd.testing import RecordingParticipant

CID = "0123456789abcdef"


class PendingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.alice = RecordingParticipant()
        self.alice.nick = "alice"
        people = SimpleNamespace(accounts=SimpleNamespace(key=lambda participant: None))
        self.ids = ClientIds(Clock(), people, self.requireLogin)  # type: ignore[arg-type]
        self.sent: list[Deferred[Any]] = []

    def requireLogin(self, participant: Any) -> str:
        if participant.nick is None:
            raise NotLoggedIn()
        nick: str = participant.nick
        return nick

    def send(self) -> Deferred[Any]:
        self.sent.append(Deferred())
        return self.sent[-1]

    def attempt(self) -> Deferred[Said]:
        """alice's message with L{CID}: a L{Deferred}, as L{send}'s answer is."""
        said = self.ids.attempt(self.alice, CID, self.send)
        assert isinstance(said, Deferred)
        return said

    def test_repeatWaits(self) -> None:
        """
        A repeat while the first one's answer is on its way is sent nowhere
        and gets that answer once it comes.
        """
        first = self.attempt()
        again = self.attempt()
        self.assertEqual(len(self.sent), 1)
        self.assertNoResult(again)
        self.sent[0].callback("told")
        self.assertEqual(
            (self.successResultOf(first), self.successResultOf(again)),
            (Said("told", False), Said("told", True)),
        )
        self.assertEqual(self.successResultOf(self.attempt()), Said("told", True))
        self.assertEqual(len(self.sent), 1)

    def test_failedIsNotAccepted(self) -> None:
        """
        The first one failing, a repeat waiting for it fails the same way,
        and the id is not accepted: sent again, it is sent.
        """
        first = self.attempt()
        again = self.attempt()
        self.sent[0].errback(NoSuchUser("bob"))
        self.failureResultOf(first, NoSuchUser)
        self.failureResultOf(again, NoSuchUser)
        self.assertIsNone(self.ids.accepted(self.alice, CID))
        self.attempt()
        self.assertEqual(len(self.sent), 2)

    def test_loggedInOnly(self) -> None:
        """
        Whose id it is needs a login: L{NotLoggedIn}, nothing sent.
        """
        self.assertRaises(NotLoggedIn, self.ids.attempt, RecordingParticipant(), CID, self.send)
        self.assertEqual(self.sent, [])
