"""
Tests for L{chatd.core.banreach} and its use by L{chatd.core.moderation}:
an address ban broader than an IPv4 /8 or an IPv6 /32, one covering the
banning administrator's address, or one covering loopback clients is taken
only with confirmation.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.admission import parseNetwork
from chatd.core.banreach import sweepingBan
from chatd.core.service import ChatService
from chatd.modstore import IPBAN, MemoryModerationStore


class SweepingBanTests(SynchronousTestCase):
    def test_broaderThanTheBound(self) -> None:
        """
        IPv4 networks broader than a /8 and IPv6 ones broader than a /32
        need confirming; a /8 or a /32 itself does not.
        """
        for text in ("0.0.0.0/0", "10.0.0.0/7", "::/0", "2001:db8::/31"):
            why = sweepingBan(parseNetwork(text))
            self.assertIsNotNone(why, text)
            self.assertIn("is broader than a /", str(why))
        for text in ("10.0.0.0/8", "2001:db8::/32", "203.0.113.7", "2001:db8::1"):
            self.assertIsNone(sweepingBan(parseNetwork(text)), text)

    def test_ownAddress(self) -> None:
        """
        A network holding the banning administrator's address (an
        IPv4-mapped one included) needs confirming; another does not.
        """
        network = parseNetwork("192.0.2.0/24")
        self.assertEqual(
            "192.0.2.0/24 covers your own address (192.0.2.10)",
            sweepingBan(network, "::ffff:192.0.2.10"),
        )
        self.assertIsNone(sweepingBan(network, "198.51.100.1"))
        self.assertIsNone(sweepingBan(network, "2001:db8::1"))

    def test_loopback(self) -> None:
        """
        A network covering a loopback address (a reverse proxy's clients,
        or this machine's) needs confirming.
        """
        for text in ("127.0.0.1", "127.0.0.0/8", "::1"):
            self.assertIn("covers loopback clients", str(sweepingBan(parseNetwork(text))), text)
        self.assertIsNone(sweepingBan(parseNetwork("::2")))


class ModerationBanTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby"])
        self.store = MemoryModerationStore()
        self.service.moderation.store = self.store
        self.moderation = self.service.moderation

    def test_refusedUnlessForced(self) -> None:
        """
        L{Moderation.banAddress} refuses a sweeping ban, storing nothing,
        unless forced.
        """
        everyone = parseNetwork("0.0.0.0/0")
        refused = self.assertRaises(
            errors.Unconfirmed, self.moderation.banAddress, everyone, "everyone", "root"
        )
        self.assertIn("repeat with --force", refused.text)
        self.assertEqual({}, self.store.sanctions)
        self.moderation.banAddress(everyone, "everyone", "root", force=True)
        self.assertIn((IPBAN, "0.0.0.0/0"), self.store.sanctions)

    def test_ownAddressRefused(self) -> None:
        """
        The banning administrator's own address, when given, is checked.
        """
        network = parseNetwork("198.51.100.0/24")
        self.assertRaises(
            errors.Unconfirmed,
            self.moderation.banAddress,
            network,
            "x",
            "root",
            own="198.51.100.4",
        )
        self.moderation.banAddress(network, "x", "root", own="203.0.113.4")
        self.assertIn((IPBAN, "198.51.100.0/24"), self.store.sanctions)
