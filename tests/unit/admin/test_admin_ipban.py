# -*- test-case-name: tests.unit.admin.test_admin_ipban -*-
"""
Tests for the console's C{ban ip} with a timeout
(L{chatd.admin.sanctioncommands}, L{chatd.core.moderation}): the ban
lapses as a kick does; without one it lasts until lifted.  A sweeping
ban (L{chatd.core.banreach}) needs C{--force}.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.shell import peerHost
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


class SweepingAddressBanTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryModerationStore()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.service.moderation.store = self.store
        self.console = ConsoleScreen(self.service)

    def test_everyoneNeedsForce(self) -> None:
        """
        C{ban ip 0.0.0.0/0 everyone} is refused, saying why and how to
        confirm, closing nothing and auditing nothing; with C{--force}
        first or last it bans.
        """
        user = RecordingParticipant("203.0.113.7")
        self.service.connect(user)
        self.assertEqual(
            "refused: 0.0.0.0/0 is broader than a /8 (IPv4): repeat with --force to ban it"
            " all the same",
            self.console.type("ban ip 0.0.0.0/0 everyone"),
        )
        self.assertIsNone(user.disconnectedWith)
        self.assertEqual([], self.store.audit)
        self.assertEqual(
            "banned 0.0.0.0/0; 1 connection(s) closed",
            self.console.type("ban ip --force 0.0.0.0/0 everyone"),
        )
        self.assertEqual("ban ip 0.0.0.0/0 everyone", self.store.audit[-1].what)
        self.assertEqual(
            "banned ::/0; 0 connection(s) closed", self.console.type("ban ip ::/0 all --force")
        )
        self.assertEqual("ban ip ::/0 all", self.store.audit[-1].what)  # the reason, no space

    def test_ownAddressNeedsForce(self) -> None:
        """
        A ban covering the console's own client address is refused without
        C{--force}; so is one on a loopback address.
        """
        self.console.protocol.console.address = "198.51.100.20"
        reply = self.console.type("ban ip 198.51.100.0/24 lab")
        self.assertEqual(
            "refused: 198.51.100.0/24 covers your own address (198.51.100.20): repeat with"
            " --force to ban it all the same",
            reply,
        )
        self.assertIn("covers loopback clients", self.console.type("ban ip 127.0.0.1 local"))
        self.assertEqual(
            "banned 198.51.100.0/24; 0 connection(s) closed",
            self.console.type("ban ip 198.51.100.0/24 lab --force"),
        )

    def test_peerHost(self) -> None:
        """
        L{peerHost} finds a terminal's client address through the
        transports it wraps, and an SSH address's TCP one.
        """

        class Wrapper:
            def __init__(self, transport: object) -> None:
                self.transport = transport

        class SSHAddress:
            address = IPv4Address("TCP", "192.0.2.5", 22)

        class SSHChannel:
            def getPeer(self) -> SSHAddress:
                return SSHAddress()

        transport = StringTransport(peerAddress=IPv4Address("TCP", "203.0.113.9", 4000))
        self.assertEqual("203.0.113.9", peerHost(Wrapper(Wrapper(transport))))
        self.assertEqual("192.0.2.5", peerHost(SSHChannel()))
        self.assertIsNone(peerHost(object()))
