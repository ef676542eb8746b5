"""
Tests for L{chatd.core.liveorder}: the live private messages held for a
connection whose waiting messages are being handed over.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.events import PrivateMessage
from chatd.core.liveorder import LIVE_HOLD, LiveHold
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


def message(text: str) -> PrivateMessage:
    return PrivateMessage("bob", "carol", (text,), 1_700_000_000)


class LiveHoldTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.live = LiveHold(self.clock)
        self.carol = RecordingParticipant()

    def texts(self) -> list[tuple[str, ...]]:
        return [e.lines for e in self.carol.events if isinstance(e, PrivateMessage)]

    def test_notHeld(self) -> None:
        """
        A connection nobody holds for gets its messages at once.
        """
        self.live.hand(self.carol, message("hi"))
        self.assertEqual(self.texts(), [("hi",)])

    def test_heldUntilReleased(self) -> None:
        """
        What is sent to a held connection follows its release, in order.
        """
        self.live.hold(self.carol)
        self.live.hand(self.carol, message("one"))
        self.live.hand(self.carol, message("two"))
        self.assertEqual(self.texts(), [])
        self.live.release(self.carol)
        self.assertEqual(self.texts(), [("one",), ("two",)])
        self.live.hand(self.carol, message("three"))
        self.assertEqual(self.texts(), [("one",), ("two",), ("three",)])
        self.assertFalse(self.clock.getDelayedCalls())

    def test_heldAtMostAWhile(self) -> None:
        """
        A delivery that never ends holds nothing longer than L{LIVE_HOLD}.
        """
        self.live.hold(self.carol)
        self.live.hand(self.carol, message("one"))
        self.clock.advance(LIVE_HOLD)
        self.assertEqual(self.texts(), [("one",)])


class LoginHoldTests(PersistenceTestCase):
    """
    A registered login holds what is sent to it live until the messages
    that waited for it are handed over; a login that fails holds nothing.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("carol", "secret1")
        self.bob = self.login("bob")

    def texts(self, participant: RecordingParticipant) -> list[tuple[str, ...]]:
        return [e.lines for e in participant.events if isinstance(e, PrivateMessage)]

    def test_afterTheWaiting(self) -> None:
        """
        A message sent to carol as she is admitted comes after the one that
        waited for her, on her welcome's turn.
        """
        self.successResultOf(settled(self.service.tell(self.bob, "carol", ("waited",))))
        carol = RecordingParticipant()
        self.service.connect(carol)
        login = settled(self.service.login(carol, "carol", "secret1"))
        self.assertEqual(self.successResultOf(login), "carol")
        self.successResultOf(settled(self.service.tell(self.bob, "carol", ("live",))))
        self.assertEqual(self.texts(carol), [])
        self.clock.advance(0)
        self.assertEqual(self.texts(carol), [("waited",), ("live",)])

    def test_failedLogin(self) -> None:
        """
        A registered login refused after its password was proven holds
        nothing for its connection (nor keeps a timer for it): logged in as
        a guest then, it is written to at once.
        """
        gus = RecordingParticipant()
        self.service.connect(gus)

        def refused(*args: object, **kwargs: object) -> str:
            raise errors.NickTaken()

        patched = self.patch(self.service.logins, "admitChecked", refused)
        self.failureResultOf(settled(self.service.login(gus, "carol", "secret1")), errors.NickTaken)
        patched.restore()
        persistence = self.service.persistence
        assert persistence is not None
        release = persistence.inbox.live.release
        pending = [getattr(call, "func", None) for call in self.clock.getDelayedCalls()]
        self.assertNotIn(release, pending)
        self.assertEqual(self.successResultOf(settled(self.service.login(gus, "gus"))), "gus")
        self.clock.advance(0)
        self.successResultOf(settled(self.service.tell(self.bob, "gus", ("now",))))
        self.assertEqual(self.texts(gus), [("now",)])
