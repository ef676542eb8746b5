"""
Tests for what C{WHO #channel} and C{NAMES #channel} show someone not on
the channel: its members who are not C{+i}, when it is not secret, as RFC
2812 and IRC servers do (the core's rule: L{RoomQueries.shownMembers}).
"""

from __future__ import annotations

from tests.support.irchelpers import IRCTestCase


class OutsiderTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.erin, self.te = self.connect("erin")
        self.hidden, self.th = self.connect("hidden")
        self.send(self.erin, self.te, "JOIN #pub")
        self.send(self.hidden, self.th, "MODE hidden +i", "JOIN #pub")
        self.carol, self.tc = self.connect("carol")

    def test_whoOfPublicChannel(self) -> None:
        """
        C{WHO #pub} from outside lists its members who are not C{+i}, with
        their status, as C{WHO erin} shows erin there.
        """
        replies = self.messages(self.send(self.carol, self.tc, "WHO #pub"))
        self.assertEqual([m.command for m in replies], ["352", "315"])
        self.assertEqual(
            (replies[0].params[1], replies[0].params[5], replies[0].params[6]),
            ("#pub", "erin", "H@"),
        )

    def test_namesOfPublicChannel(self) -> None:
        """
        C{NAMES #pub} from outside lists them too; once the channel is
        secret, neither shows anyone.
        """
        replies = self.messages(self.send(self.carol, self.tc, "NAMES #pub"))
        self.assertEqual([m.command for m in replies], ["353", "366"])
        self.assertEqual(replies[0].params[-1], "@erin")
        self.send(self.erin, self.te, "MODE #pub +s")
        self.assertEqual(self.numerics(self.send(self.carol, self.tc, "WHO #pub")), ["315"])
        self.assertEqual(self.numerics(self.send(self.carol, self.tc, "NAMES #pub")), ["366"])

    def test_whoOfSecretMember(self) -> None:
        """
        C{WHO} of someone in a secret channel, by nickname or by mask, names
        no channel (C{*}) and no status there to someone outside it, for a
        C{+i} member too; a member of it is shown the channel.
        """
        self.send(self.erin, self.te, "MODE #pub +s")
        for asked in ("WHO erin", "WHO hidden", "WHO *", "WHO 0", "WHO e* %cnf"):
            for reply in self.messages(self.send(self.carol, self.tc, asked)):
                if reply.command in ("352", "354") and reply.params[-1] != "carol":
                    self.assertNotIn("#pub", reply.params, asked)
                    self.assertNotIn("H@", reply.params, asked)
        replies = self.messages(self.send(self.carol, self.tc, "WHO erin"))
        self.assertEqual((replies[0].params[1], replies[0].params[6]), ("*", "H"))
        mine = self.messages(self.send(self.hidden, self.th, "WHO erin"))
        who = [m for m in mine if m.command == "352"]
        self.assertEqual([(m.params[1], m.params[6]) for m in who], [("#pub", "H@")])
