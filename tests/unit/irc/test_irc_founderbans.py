"""
Tests for a channel's founder and its bans over IRC: a ban on the guest
cloak of the founder's address (which also matches the accounts signed in
from it) neither silences the founder (C{404}) nor keeps them out
(C{474}), and the founder lifts it from outside the channel (no C{482});
the operator who sets such a ban is told which members signed in to
accounts it holds.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase


class FounderBanTests(IRCStoreTestCase):
    def banned(self) -> tuple[IRCProtocol, StringTransport, IRCProtocol, StringTransport]:
        """
        Alice, signed in, founded C{#fc2}; guest bob, of her address, is in
        it; she banned every guest cloak (HexChat's C{/ban} of a guest sets
        one) and kicked him.
        """
        alice, ta = self.client()
        self.send(alice, ta, "PASS sesame", "NICK alice", "USER alice 0 * :A", "JOIN #fc2")
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER bob 0 * :B", "JOIN #fc2")
        told = self.send(alice, ta, "MODE #fc2 +b *!*@guest-*", "KICK #fc2 bob")
        self.assertEqual(self.codes(told), ["JOIN", "MODE", "KICK"])  # bob came first
        self.send(bob, tb)
        return alice, ta, bob, tb

    def test_founderNotSilencedNorKeptOut(self) -> None:
        """
        The founder still speaks in the channel and enters it again; the
        guest the ban matches does not.
        """
        alice, ta, bob, tb = self.banned()
        self.assertEqual(self.send(alice, ta, "PRIVMSG #fc2 :still here"), [])
        self.assertEqual(
            self.codes(self.send(alice, ta, "PART #fc2", "JOIN #fc2"))[:2], ["PART", "JOIN"]
        )
        self.assertEqual(self.codes(self.send(bob, tb, "JOIN #fc2")), ["474"])

    def test_founderLiftsBanFromOutside(self) -> None:
        """
        Outside the channel, its founder lifts the ban (a stranger gets
        C{482}), seeing the change made as members do, and the guest enters
        again.
        """
        alice, ta, bob, tb = self.banned()
        self.send(alice, ta, "PART #fc2")
        self.assertEqual(self.codes(self.send(bob, tb, "MODE #fc2 -b *!*@guest-*")), ["482"])
        told = self.send(alice, ta, "MODE #fc2 -b *!*@guest-*")
        self.assertEqual(
            [(m.command, m.params) for m in told], [("MODE", ["#fc2", "-b", "*!*@guest-*"])]
        )
        self.assertEqual(self.service.roomBans("fc2"), [])
        self.assertEqual(self.codes(self.send(bob, tb, "JOIN #fc2"))[0], "JOIN")

    def test_operatorToldOfAccountsHeld(self) -> None:
        """
        A ban on the guest cloak of an address that also holds a member
        signed in from it (shown as C{user/carol}) is answered with a
        notice naming her; not the founder, whom no ban holds, nor a guest,
        whom the mask matches as shown.
        """
        self.registered("carol", "carolpw")
        alice, ta = self.client()
        self.send(alice, ta, "PASS sesame", "NICK alice", "USER alice 0 * :A", "JOIN #fc2")
        carol, tc = self.client()
        self.send(carol, tc, "PASS carolpw", "NICK carol", "USER carol 0 * :C", "JOIN #fc2")
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER bob 0 * :B", "JOIN #fc2")
        told = self.send(alice, ta, "MODE #fc2 +b *!*@guest-*")
        (notice,) = [m for m in told if m.command == "NOTICE"]
        self.assertIn("*!*@guest-* also holds carol, signed in", notice.params[-1])
        told = self.send(alice, ta, "MODE #fc2 +b *!*@user/carol")
        self.assertEqual(self.codes(told), ["MODE"])

    def test_exemptNotNamed(self) -> None:
        """
        A member a ban exception (C{+e}) lets through is not named by the
        notice of a ban that holds them by their address: it does not.
        """
        self.registered("carol", "carolpw")
        alice, ta = self.client()
        self.send(alice, ta, "PASS sesame", "NICK alice", "USER alice 0 * :A", "JOIN #fc2")
        carol, tc = self.client()
        self.send(carol, tc, "PASS carolpw", "NICK carol", "USER carol 0 * :C", "JOIN #fc2")
        self.send(alice, ta, "MODE #fc2 +e *!*@user/carol")
        told = self.send(alice, ta, "MODE #fc2 +b *!*@guest-*")
        self.assertEqual([m for m in told if m.command == "NOTICE"], [])
