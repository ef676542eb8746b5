"""
Talk mode's C{/pmhistory <nick> [n]} (L{chatd.talk.privatehistory}): the
last messages of one's own private conversation with someone, each with
its time and sender, between two server lines; the core's rule says who
may read what (a registered account, its own conversations only).
"""

from __future__ import annotations

import time

from chatd.core.limits import HISTORY_COUNT
from tests.support.helpers import output
from tests.support.talkstorecase import TalkStoreTestCase


def hhmm(when: int) -> str:
    return time.strftime("%H:%M", time.localtime(when))


class PmHistoryTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.registered("bob", "sesame")
        self.start = int(self.clock.seconds())

    def exchange(self) -> None:
        """
        alice writes to bob while he is away, then they talk; both leave.
        """
        alice, ta = self.talk("alice", "sesame")
        self.assertIn(b"bob is away", self.type(alice, ta, "/pm bob are you there?"))
        self.clock.advance(60)
        bob, tb = self.talk("bob", "sesame")
        self.type(bob, tb, "/pm alice back now")
        self.clock.advance(60)
        self.type(alice, ta, "/pm bob good")
        alice.connectionLost(None)
        bob.connectionLost(None)
        self.clock.advance(1)

    def test_conversation(self) -> None:
        """
        C{/pmhistory bob} shows the conversation oldest first, each message
        with its time and its sender (either party); with n, the last n.
        Each party reads the same conversation.
        """
        self.exchange()
        start = self.start
        lines = [
            f"*private with bob {hhmm(start)}* <alice> are you there?\r\n",
            f"*private with bob {hhmm(start + 60)}* <bob> back now\r\n",
            f"*private with bob {hhmm(start + 120)}* <alice> good\r\n",
        ]
        alice, ta = self.talk("alice", "sesame")
        output(ta, self.clock)
        self.assertEqual(
            self.type(alice, ta, "/pmhistory bob"),
            (
                "*** Private history with bob, the last 3 messages:\r\n"
                + "".join(lines)
                + "*** End of history.\r\n"
            ).encode(),
        )
        self.assertEqual(
            self.type(alice, ta, "/pmhistory bob 1"),
            (
                "*** Private history with bob, the last message:\r\n"
                + lines[2]
                + "*** End of history.\r\n"
            ).encode(),
        )
        bob, tb = self.talk("bob", "sesame")
        output(tb, self.clock)
        shown = self.type(bob, tb, "/pmhistory alice")
        self.assertIn(f"*private with alice {hhmm(start + 60)}* <bob> back now\r\n".encode(), shown)
        self.assertEqual(shown.count(b"*private with alice"), 3)

    def test_defaultCount(self) -> None:
        """
        Without n, as many as C{/history} shows (L{HISTORY_COUNT}), the
        newest.
        """
        self.talk("bob", "sesame")
        alice, ta = self.talk("alice", "sesame")
        for i in range(HISTORY_COUNT + 3):
            self.type(alice, ta, f"/pm bob m{i}")
        shown = self.type(alice, ta, "/pmhistory bob")
        self.assertEqual(shown.count(b"*private with bob"), HISTORY_COUNT)
        self.assertIn(f"<alice> m{HISTORY_COUNT + 2}\r\n*** End".encode(), shown)

    def test_othersNotReadable(self) -> None:
        """
        carol, another account, reads none of alice's and bob's messages.
        """
        self.exchange()
        self.registered("carol", "sesame")
        carol, tc = self.talk("carol", "sesame")
        output(tc, self.clock)
        self.assertEqual(
            self.type(carol, tc, "/pmhistory bob"), b"*** No private messages with bob yet.\r\n"
        )
        self.assertEqual(
            self.type(carol, tc, "/pmhistory alice"), b"*** No private messages with alice yet.\r\n"
        )

    def test_guestAndUsage(self) -> None:
        """
        A guest keeps no private history: refused, saying so.  A bad n,
        or no nick, gets the usage line; a name nobody can have is refused.
        """
        self.exchange()
        guest, tg = self.talk("zed")
        output(tg, self.clock)
        self.assertEqual(
            self.type(guest, tg, "/pmhistory alice"),
            b"*** Sorry, private history is kept for registered names only.\r\n",
        )
        alice, ta = self.talk("alice", "sesame")
        output(ta, self.clock)
        for bad in ("", "bob 0", "bob 1001", "bob x", "bob 2 3"):
            self.assertIn(
                b"Usage: /pmhistory <nick> [n]", self.type(alice, ta, f"/pmhistory {bad}")
            )
        self.assertIn(b"not a valid nickname", self.type(alice, ta, "/pmhistory b!"))
