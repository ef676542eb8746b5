"""
Talk mode's history larger than C{--max-output}: the replay on landing in
a room and C{/history} reach a slow reader a page at a time, who stays
connected; what is said live meanwhile comes after C{*** End of history.}.
C{/search} is paged the same way.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred

from chatd.core.allowance import HistoryAllowance
from chatd.lines.roomhold import HOLD
from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import SlowTransport, output, readAll
from tests.support.talkstorecase import TalkStoreTestCase

MAX_OUTPUT = 64 * 1024


class PacedTalkHistoryTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None, maxOutput=MAX_OUTPUT)

    def fill(self, count: int, size: int) -> None:
        """
        C{count} stored messages of C{size} characters in lobby, numbered.
        """
        owner, _ = self.talk("owner")
        for i in range(count):
            self.store.addMessage(
                "lobby",
                "owner",
                None,
                (f"{i:04}" + "x" * (size - 4),),
                int(self.clock.seconds()) + i,
            )

    def slowTerminal(self) -> tuple[TalkProtocol, SlowTransport]:
        slow = SlowTransport(bufferSize=16 * 1024)
        proto = self.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 4000))
        assert isinstance(proto, TalkProtocol)
        proto.makeConnection(slow)
        return proto, slow

    def bounded(self, proto: TalkProtocol) -> None:
        assert proto.outbox is not None
        self.assertLess(proto.outbox.pending, MAX_OUTPUT // 2)

    def numbers(self, shown: str) -> list[str]:
        return [line.split("<owner> ")[1][:4] for line in shown.splitlines() if "<owner> " in line]

    def test_landing(self) -> None:
        """
        A newcomer who lands in lobby, whose last 20 messages are 8 KiB
        each, reads them all and stays; a message said live during the
        replay comes after it.
        """
        self.fill(20, 8192)
        bob, tb = self.talk("bob")
        newbie, slow = self.slowTerminal()
        newbie.dataReceived(b"newbie\r\n")
        self.clock.advance(0)
        self.clock.advance(0)
        self.type(bob, tb, "live words")
        got = readAll(slow, self.clock, b"live words", check=lambda: self.bounded(newbie))
        self.assertFalse(slow.disconnecting)
        replay, end, after = got.decode(errors="replace").partition("*** End of history.")
        self.assertTrue(end, got[-500:])
        self.assertEqual(self.numbers(replay), [f"{i:04}" for i in range(20)])
        self.assertNotIn("live words", replay)
        self.assertIn("<bob> live words", after)

    def test_historyCommand(self) -> None:
        """
        C{/history 1000} in a room of 100 messages of 2 KiB (three times
        the limit) shows them all to a slow reader, who stays.
        """
        self.fill(100, 2048)
        newbie, slow = self.slowTerminal()
        newbie.dataReceived(b"newbie\r\n")
        readAll(slow, self.clock, b"End of history.", check=lambda: self.bounded(newbie))
        newbie.dataReceived(b"/history 1000\r\n")
        got = readAll(slow, self.clock, b"End of history.", check=lambda: self.bounded(newbie))
        self.assertFalse(slow.disconnecting)
        self.assertIn(b"History of lobby, the last 100 messages:", got)
        shown = self.numbers(got.decode(errors="replace"))
        self.assertEqual(shown, [f"{i:04}" for i in range(100)])

    def test_searchCommand(self) -> None:
        """
        C{/search} finding 20 messages of 8 KiB (more than twice the limit)
        shows them all to a slow reader, newest first, who stays.
        """
        self.talk("owner")  # lobby is in the store once someone entered it
        for i in range(20):
            text = f"{i:04}" + " needle " + "x" * 8180
            self.store.addMessage("lobby", "owner", None, (text,), int(self.clock.seconds()) + i)
        newbie, slow = self.slowTerminal()
        newbie.dataReceived(b"newbie\r\n")
        readAll(slow, self.clock, b"End of history.", check=lambda: self.bounded(newbie))
        newbie.dataReceived(b"/search needle\r\n")
        got = readAll(slow, self.clock, b"End of search.", check=lambda: self.bounded(newbie))
        self.assertFalse(slow.disconnecting)
        self.assertIn(b'Search for "needle": 20 messages, newest first:', got)
        shown = self.numbers(got.decode(errors="replace"))
        self.assertEqual(shown, [f"{i:04}" for i in reversed(range(20))])

    def test_historyAtTheAllowancePace(self) -> None:
        """
        C{/history} larger than its person's allowance of history holds
        shows it all, in order, at the allowance's pace: what it held at
        once, then a page (16 messages here) as each page's worth is
        refilled; C{*** End of history.} after the last.
        """
        self.service.allowances.history = HistoryAllowance(
            self.clock, burst=16384, rate=16384, patience=60
        )
        self.fill(80, 872)  # 1000 bytes each on the wire: pages of 16 (MAX_OUTPUT // 4)
        newbie, t = self.talk("newbie")
        shown = self.type(newbie, t, "/history 80").decode()
        self.assertEqual(len(self.numbers(shown)), 32)
        for seconds, total in [(0.9, 32), (0.1, 48), (1, 64), (1, 80)]:
            self.clock.advance(seconds)
            shown += output(t, self.clock).decode()
            self.assertEqual(len(self.numbers(shown)), total)
            self.assertEqual("End of history." in shown, total == 80)
        self.assertEqual(self.numbers(shown), [f"{i:04}" for i in range(80)])

    def slowHistory(self) -> list[tuple[Deferred[Any], tuple[Any, ...]]]:
        """
        The store's room histories from now on wait (a database thread):
        each read asked for, to be answered by the test.
        """
        asked: list[tuple[Deferred[Any], tuple[Any, ...]]] = []

        def waiting(*args: Any) -> Deferred[Any]:
            asked.append((Deferred(), args))
            return asked[-1][0]

        self.patch(self.store, "history", waiting)
        return asked

    def test_liveAfterHistory(self) -> None:
        """
        C{/join} of a room whose history is still being read: what is said
        there meanwhile comes after the history, not above it; what is
        said in the other rooms is not held.
        """
        bob, tb = self.talk("bob")
        self.type(bob, tb, "/join Jeux", "earlier words")
        alice, ta = self.talk("alice")
        original = self.store.history
        asked = self.slowHistory()
        self.type(alice, ta, "/join Jeux")
        self.type(bob, tb, "live words", "/join lobby", "in the lobby")
        self.assertIn(b"<bob> in the lobby", output(ta, self.clock))
        [(reading, args)] = asked
        original(*args).chainDeferred(reading)
        shown = output(ta, self.clock)
        history, end, after = shown.partition(b"*** End of history.")
        self.assertIn(b"<bob> earlier words", history)
        self.assertNotIn(b"live words", history)
        self.assertIn(b"<bob> live words", after)

    def test_historyNeverComes(self) -> None:
        """
        A room whose history never comes (a database gone) holds its live
        lines for L{HOLD} seconds, then shows them.
        """
        bob, tb = self.talk("bob")
        self.type(bob, tb, "/join Jeux")
        alice, ta = self.talk("alice")
        self.slowHistory()
        self.type(alice, ta, "/join Jeux")
        self.type(bob, tb, "live words")
        self.assertNotIn(b"live words", output(ta, self.clock))
        self.clock.advance(HOLD)
        self.assertIn(b"<bob> live words", output(ta, self.clock))
