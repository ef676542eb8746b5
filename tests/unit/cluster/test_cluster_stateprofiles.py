"""
Tests for L{chatd.cluster.profiles.ProfileSync.profileShown}: a change of
a user's profile that another node learns only from their node's whole
state (the envelope that named it lost while Redis was away) is shown to
the people there as a live change is.
"""

from __future__ import annotations

from chatd.core import status
from tests.support.fakenode import GUEST_HOST, IRCClient, TwoNodes


class WholeStateProfileTests(TwoNodes):
    """
    alice on node C{a} with every status capability, bob on C{b} with them
    too, carol on C{b} with none, all in C{#lobby}.
    """

    CAPS = ("away-notify", "setname", "account-notify", "chghost")

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.ircClient(self.a, "alice", *self.CAPS)
        self.bob = self.ircClient(self.b, "bob", *self.CAPS)
        self.carol = self.ircClient(self.b, "carol")
        for client in (self.alice, self.bob, self.carol):
            client.send("JOIN #lobby")
        self.settle()
        for client in (self.alice, self.bob, self.carol):
            client.read()

    def cutOff(self) -> None:
        """
        Redis goes away for longer than node C{a}'s queue and the envelopes
        it keeps to send again hold: what changes meanwhile reaches C{b}
        only in C{a}'s whole state once the link is back.
        """
        self.down()
        self.a.bus.queueLimit = self.a.bus.sent.limit = 0
        self.a.bus.sent.forget("b")

    def learntFromState(self, *lines: str) -> str:
        """
        alice sends C{lines} while cut off; what bob is shown once the
        link is back (carol, with no capability, is shown nothing).
        """
        self.cutOff()
        self.alice.send(*lines)
        self.settle()
        self.alice.read()
        self.assertEqual(self.bob.read(), "")
        self.up()
        self.assertEqual(self.carol.read(), "")
        return self.bob.read()

    def test_away(self) -> None:
        """
        Going away while cut off is shown as C{AWAY} with the text to an
        C{away-notify} client on the other node; coming back as C{AWAY}.
        """
        shown = self.learntFromState("AWAY :at lunch")
        self.assertEqual(shown, f":alice!alicex@{GUEST_HOST} AWAY :at lunch\r\n")
        shown = self.learntFromState("AWAY")
        self.assertEqual(shown, f":alice!alicex@{GUEST_HOST} AWAY\r\n")

    def test_realName(self) -> None:
        """
        A C{SETNAME} while cut off is shown as C{SETNAME} to a C{setname}
        client on the other node, and C{WHOIS} there gives the new name.
        """
        shown = self.learntFromState("SETNAME :Alice P. Liddell")
        self.assertEqual(shown, f":alice!alicex@{GUEST_HOST} SETNAME :Alice P. Liddell\r\n")
        self.bob.send("WHOIS alice")
        self.assertIn(
            f" 311 bob alice alicex {GUEST_HOST} * :Alice P. Liddell\r\n", self.bob.read()
        )

    def test_account(self) -> None:
        """
        An account registered while cut off (on any protocol) is shown as
        on alice's own node: the host it brings (C{CHGHOST}), then
        C{ACCOUNT}.
        """
        erin = self.ircClient(self.a, "erin", *self.CAPS)
        erin.send("JOIN #lobby")
        for client in (erin, self.alice, self.bob, self.carol):
            client.read()
        self.cutOff()
        status.accountCreated(self.a.service, self.alice.proto, self.a.service.people.presence)
        self.settle()
        own = erin.read()
        self.assertEqual(
            own,
            f":alice!alicex@{GUEST_HOST} CHGHOST alicex user/alice\r\n"
            ":alice!alicex@user/alice ACCOUNT alice\r\n",
        )
        self.assertEqual(self.bob.read(), "")
        self.up()
        self.assertEqual(self.carol.read(), "")
        self.assertEqual(self.bob.read(), own)

    def test_everyChangeOnce(self) -> None:
        """
        Several changes while cut off are each shown once, however many
        other nodes' states follow.
        """
        shown = self.learntFromState("AWAY :at lunch", "SETNAME :Alice P. Liddell")
        self.assertEqual(
            shown,
            f":alice!alicex@{GUEST_HOST} SETNAME :Alice P. Liddell\r\n"
            f":alice!alicex@{GUEST_HOST} AWAY :at lunch\r\n",
        )
        self.a.bridge.publishState("b")
        self.settle()
        self.assertEqual(self.bob.read(), "")

    def test_changedBackShowsNothing(self) -> None:
        """
        A change undone before the link is back changes nothing the other
        node shows, and nothing is shown there.
        """
        shown = self.learntFromState("AWAY :at lunch", "AWAY", "SETNAME :A. L.", "SETNAME :Alice")
        self.assertEqual(shown, "")

    def test_monitored(self) -> None:
        """
        A C{MONITOR}ing C{extended-monitor} client on the other node that
        shares no channel with alice is shown the change too.
        """
        dave = IRCClient(self.b, self.clock, "dave", "Dave", "away-notify", "extended-monitor")
        self.addCleanup(dave.proto.connectionLost, None)
        dave.send("MONITOR + alice")
        dave.read()
        self.learntFromState("AWAY :at lunch")
        self.assertEqual(dave.read(), f":alice!alicex@{GUEST_HOST} AWAY :at lunch\r\n")
