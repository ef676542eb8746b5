# -*- test-case-name: tests.unit.admin.test_admin_ipban -*-
"""
Tests for the console's C{ban ip} with a timeout
(L{chatd.admin.sanctioncommands}, L{chatd.core.moderation}): the ban
lapses as a kick does; without one it lasts until lifted.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.service import ChatService
from chatd.modstore import IPBAN, MemoryModerationStore
from chatd.testing import RecordingParticipant
from tests.support.admincases import ConsoleScreen

START = 1_795_000_000  # 2026-11-18 11:06:40 UTC


class TimedAddressBanTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryModerationStore()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.service.moderation.store = self.store
        self.console = ConsoleScreen(self.service)

    def test_timeout(self) -> None:
        """
        C{ban ip 203.0.113.7 2h spam} closes the address's connections,
        saying for how long, refuses new ones for two hours (stored with
        its end, audited with its timeout), then lets them in.
        """
        user = RecordingParticipant("203.0.113.7")
        self.service.connect(user)
        self.assertEqual(
            "banned 203.0.113.7/32 for 2h, until 2026-11-18 13:06:40 UTC; 1 connection(s) closed",
            self.console.type("ban ip 203.0.113.7 2h spam"),
        )
        assert user.disconnectedWith is not None
        self.assertEqual(
            "your address was banned by the administrator root for 2h: spam",
            user.disconnectedWith.text,
        )
        refused = self.assertRaises(
            errors.Banned, self.service.connect, RecordingParticipant("203.0.113.7")
        )
        self.assertEqual("your address is banned for 2h more: spam", refused.text)
        self.assertEqual(START + 7200, self.store.sanctions[(IPBAN, "203.0.113.7/32")].until)
        self.assertEqual("ban ip 203.0.113.7/32 2h spam", self.store.audit[-1].what)
        self.clock.advance(7200)
        self.service.connect(RecordingParticipant("203.0.113.7"))

    def test_reasonStartingWithANumber(self) -> None:
        """
        Without a unit the first word is the reason's, and the ban lasts;
        a lone timeout-like word is the reason too.
        """
        self.assertEqual(
            "banned 198.51.100.0/24; 0 connection(s) closed",
            self.console.type("ban ip 198.51.100.0/24 3 bots"),
        )
        self.assertEqual(
            "banned 192.0.2.1/32; 0 connection(s) closed", self.console.type("ban ip 192.0.2.1 2h")
        )
        self.clock.advance(3650 * 86400)
        for address, reason in (("198.51.100.9", "3 bots"), ("192.0.2.1", "2h")):
            refused = self.assertRaises(
                errors.Banned, self.service.connect, RecordingParticipant(address)
            )
            self.assertEqual(f"your address is banned for good: {reason}", refused.text)
