"""
TCHAT's C{HISTP}: one's own private conversation with someone, read as
the MSGPV blocks a recipient gets (the core's history windows and their
rule: a registered account reads its own private conversations only).
"""

from __future__ import annotations

import re

from chatd.core.allowance import HistoryAllowance
from chatd.core.limits import HISTORY_COUNT
from tests.support.helpers import connect, output
from tests.support.tchatstorecase import TchatStoreTestCase


class HistpTests(TchatStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.registered("bob", "sesame")

    def exchange(self) -> None:
        """
        alice writes to bob while he is away, then they talk; both leave.
        """
        alice, ta = self.connectAs("alice", "sesame")
        self.assertEqual(
            self.send(alice, ta, "clt: MSGPV bob", "clt: hi", "clt: ."), b"srv: OKAY!\n"
        )
        self.clock.advance(10)
        bob, tb = self.connectAs("bob", "sesame")
        self.send(bob, tb, "clt: MSGPV alice", "clt: back", "clt: .")
        self.clock.advance(10)
        self.send(alice, ta, "clt: MSGPV bob", "clt: good", "clt: .")
        ta.loseConnection()
        alice.connectionLost(None)
        tb.loseConnection()
        bob.connectionLost(None)
        self.clock.advance(1)

    def test_conversation(self) -> None:
        """
        HISTP answers the last n messages of one's private conversation,
        oldest first, each as the MSGPV block its recipient got (its sender
        either party), then OKAY!; each party reads the same conversation.
        """
        self.exchange()
        whole = (
            b"srv: MSGPV alice 1700000000\nsrv: hi\nsrv: .\n"
            b"srv: MSGPV bob 1700000010\nsrv: back\nsrv: .\n"
            b"srv: MSGPV alice 1700000020\nsrv: good\nsrv: .\n"
            b"srv: OKAY!\n"
        )
        alice, ta = self.connectAs("alice", "sesame")
        self.assertEqual(self.send(alice, ta, "clt: HISTP bob"), whole)
        self.assertEqual(
            self.send(alice, ta, "clt: HISTP bob 2"), whole[whole.index(b"srv: MSGPV bob") :]
        )
        bob, tb = self.connectAs("bob", "sesame")
        self.assertEqual(self.send(bob, tb, "clt: HISTP alice"), whole)
        self.assertEqual(self.send(bob, tb, "clt: HISTP carol"), b"srv: OKAY!\n")

    def test_defaultCount(self) -> None:
        """
        Without n, HISTP answers as many as HISTO does (L{HISTORY_COUNT}).
        """
        self.connectAs("bob", "sesame")  # (away, he would take 20 from alice at most)
        alice, ta = self.connectAs("alice", "sesame")
        for i in range(HISTORY_COUNT + 3):
            self.send(alice, ta, "clt: MSGPV bob", f"clt: m{i}", "clt: .")
        got = self.send(alice, ta, "clt: HISTP bob")
        self.assertEqual(got.count(b"srv: MSGPV alice"), HISTORY_COUNT)
        self.assertTrue(got.endswith(f"srv: m{HISTORY_COUNT + 2}\nsrv: .\nsrv: OKAY!\n".encode()))

    def test_othersNotReadable(self) -> None:
        """
        Only one's own conversations: carol, another account, reads none of
        alice's and bob's; HISTP names the other party only.
        """
        self.exchange()
        self.registered("carol", "sesame")
        carol, tc = self.connectAs("carol", "sesame")
        self.assertEqual(self.send(carol, tc, "clt: HISTP bob"), b"srv: OKAY!\n")
        self.assertEqual(self.send(carol, tc, "clt: HISTP alice"), b"srv: OKAY!\n")
        self.assertEqual(self.send(carol, tc, "clt: HISTP alice bob"), b"srv: ERROR 10\n")

    def test_guest(self) -> None:
        """
        A guest keeps no private history: HISTP is ERROR 12, as the other
        commands a registered account needs.
        """
        self.exchange()
        guest, tg = self.connectAs("zed")
        self.assertEqual(self.send(guest, tg, "clt: HISTP alice"), b"srv: ERROR 12\n")

    def test_guestUnderANameRegisteredSince(self) -> None:
        """
        A guest whose name an administrator registers meanwhile (an account
        deleted and made again, its history kept) has proved nothing: it
        reads none of the account's private history.
        """
        self.exchange()
        guest, tg = self.connectAs("carol")
        self.successResultOf(self.service.createAccount("carol", "sesame"))
        self.assertEqual(self.send(guest, tg, "clt: HISTP alice"), b"srv: ERROR 12\n")
        owner, to = self.connectAs("alice", "sesame")
        self.assertEqual(self.send(owner, to, "clt: HISTP carol"), b"srv: OKAY!\n")

    def test_errors(self) -> None:
        """
        01 before LOGIN; 20 a name no nickname can be; 10 a bad n, a
        missing or extra field.
        """
        proto, t = connect(self.factory, self.clock)
        output(t, self.clock)
        self.assertEqual(self.send(proto, t, "clt: HISTP bob"), b"srv: ERROR 01\n")
        alice, ta = self.connectAs("alice", "sesame")
        self.assertEqual(self.send(alice, ta, "clt: HISTP b!"), b"srv: ERROR 20\n")
        for bad in ("HISTP", "HISTP  bob", "HISTP bob ", "HISTP bob 0", "HISTP bob 1001"):
            self.assertEqual(self.send(alice, ta, f"clt: {bad}"), b"srv: ERROR 10\n")
        for bad in ("bob x", "bob -1", "bob 2 3", "bob ２"):
            self.assertEqual(self.send(alice, ta, f"clt: HISTP {bad}"), b"srv: ERROR 10\n")


class HistpAllowanceTests(TchatStoreTestCase):
    """
    C{HISTP} under its person's allowance of history, as C{HISTO}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.registered("bob", "sesame")
        self.registered("carol", "sesame")
        self.alice, self.ta = self.connectAs("alice", "sesame")

    def test_tooMuchRefused(self) -> None:
        """
        A C{HISTP} that would wait too long for the allowance is ERROR 29.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=1000, rate=1000, patience=2
        )
        self.send(self.alice, self.ta, "clt: MSGPV bob", "clt: " + "x" * 3872, "clt: .")
        self.assertIn(b"srv: OKAY!\n", self.send(self.alice, self.ta, "clt: HISTP bob 5"))
        self.assertEqual(self.send(self.alice, self.ta, "clt: HISTP bob 5"), b"srv: ERROR 29\n")

    def test_largeAnswerPaced(self) -> None:
        """
        An answer larger than the allowance holds arrives whole, in order,
        at the allowance's pace; OKAY! after the last.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=4000, rate=4000, patience=60
        )
        self.factory.maxOutput = 16000  # pages of 4000 bytes: 4 messages of 1000
        carol, tc = self.connectAs("carol", "sesame")  # (the limit is a new connection's)
        for n in range(20):
            self.send(self.alice, self.ta, "clt: MSGPV carol", f"clt: {n:03}" + "x" * 869, "clt: .")
        output(tc, self.clock)
        answer = self.send(carol, tc, "clt: HISTP alice 20")
        self.assertEqual(answer.count(b"srv: MSGPV "), 8)  # the 4000 held, and the page after
        self.clock.advance(3)
        answer += output(tc, self.clock)
        self.assertEqual(answer.count(b"srv: MSGPV "), 20)
        self.assertEqual(re.findall(rb"srv: (\d+)x", answer), [b"%03d" % n for n in range(20)])
        self.assertTrue(answer.endswith(b"srv: .\nsrv: OKAY!\n"), answer)
