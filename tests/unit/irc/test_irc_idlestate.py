"""
Tests for what an idle IRC connection shares with the others: the state
of one that never sent C{CAP} (L{chatd.irc.caps.Unnegotiated}) and the
channels of one that joined none (L{chatd.irc.connection.NO_ROOMS}), until
the connection needs its own.
"""

from __future__ import annotations

from chatd.irc.caps import Unnegotiated
from tests.support.irchelpers import IRCTestCase


class SharedUntilChangedTests(IRCTestCase):
    def test_capabilitiesSharedUntilCap(self) -> None:
        """
        Connections that never sent C{CAP} share one capability state; one
        that negotiates gets its own, and the others are unchanged.
        """
        alice, _ = self.connect("alice")
        bob, _ = self.connect("bob")
        self.assertIs(alice.caps, bob.caps)
        self.assertIsInstance(alice.caps, Unnegotiated)
        carol, tc = self.connect()
        self.send(carol, tc, "CAP LS 302", "CAP REQ :echo-message", "NICK carol")
        self.assertIn(" 001 ", self.send(carol, tc, "USER c 0 * :C", "CAP END"))
        self.assertIn("echo-message", carol.caps)
        self.assertIsNot(carol.caps, alice.caps)
        self.assertNotIn("echo-message", alice.caps)
        self.assertEqual(alice.caps.version, 301)
        self.assertEqual(self.numerics(self.send(bob, _, "CAP LIST")), ["CAP"])
        self.assertNotIsInstance(bob.caps, Unnegotiated)
        self.assertIsInstance(alice.caps, Unnegotiated)

    def test_sharedStateRefusesChanges(self) -> None:
        """
        The shared state cannot be negotiated in place.
        """
        alice, _ = self.connect("alice")
        self.assertRaises(TypeError, alice.caps.ls, "302")
        self.assertRaises(TypeError, alice.caps.request, "echo-message")

    def test_channelsSharedUntilJoin(self) -> None:
        """
        A connection in no channel holds no mapping of its own; joining
        gives it one, and leaving, being kicked or parting all keeps each
        connection's channels its own.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.assertIs(alice.shownRooms, bob.shownRooms)
        self.send(alice, ta, "JOIN #lobby,#den")
        self.assertEqual(sorted(alice.shownRooms.values()), ["den", "lobby"])
        self.assertEqual(dict(bob.shownRooms), {})
        self.send(bob, tb, "JOIN #den")
        self.assertEqual(list(bob.shownRooms.values()), ["den"])
        self.send(alice, ta, "PART #den")
        self.assertEqual(list(alice.shownRooms.values()), ["lobby"])
        self.assertEqual(list(bob.shownRooms.values()), ["den"])
        self.send(bob, tb, "PART #den")
        self.assertIn("PART", self.send(bob, tb, "JOIN #den", "PART #den"))
