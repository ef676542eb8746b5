# -*- test-case-name: tests.unit.irc.test_irc_whox -*-
"""
WHOX: C{WHO <mask> %fields[,token]} answered with C{354} in the standard
field order.
"""

from __future__ import annotations

from chatd.irc.whox import parseWhox
from tests.support.irchelpers import IRCTestCase


class WhoxTests(IRCTestCase):
    def test_parse(self) -> None:
        """
        The fields are put in the standard order; the token defaults to 0
        and is at most 3 characters; a parameter without C{%} is plain WHO.
        """
        self.assertEqual(parseWhox("%nt,42"), ("tn", "42"))
        self.assertEqual(parseWhox("%rn"), ("nr", "0"))
        self.assertEqual(parseWhox("%t,12345"), ("t", "123"))
        self.assertIsNone(parseWhox("o"))

    def test_full(self) -> None:
        """
        Every field, asked in any order, comes in C{tcuihsnfdlaor} order:
        the token, channel, user, a hidden address, host, server, nick,
        flags, hop count 0, idle seconds, account C{0} for a guest, the op
        level, the real name.
        """
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #lobby")
        alice, t = self.connect("alice")
        self.clock.advance(5)
        for fields in ("%tcuihsnfdlaor,123", "%roaldfnshiuct,123"):
            reply, end = self.messages(self.send(alice, t, f"WHO bob {fields}"))
            self.assertEqual(reply.command, "354")
            self.assertEqual(
                reply.params,
                [
                    "alice",
                    "123",
                    "#lobby",
                    "bob",
                    "255.255.255.255",
                    self.guestHost,
                    self.factory.serverName,
                    "bob",
                    "H",
                    "0",
                    "5",
                    "0",
                    "n/a",
                    "bob Real",
                ],
            )
            self.assertEqual((end.command, end.params[1]), ("315", "bob"))

    def test_channelFewFields(self) -> None:
        """
        C{WHO #channel %tna,7}: one 354 per member with only those fields;
        a registered account's name is shown for C{a}.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "JOIN #lobby")
        alice.account = "alice"
        replies = self.messages(self.send(alice, t, "WHO #lobby %tna,7"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in replies],
            [("354", ["7", "alice", "alice"]), ("315", ["#lobby", "End of /WHO list."])],
        )
