"""
Exporting a span of room history over the console protocol
(L{chatd.admin.export}, L{chatd.core.export}): every message of a long
span, in order, or a last line saying where it stopped and how to get the
rest; a room and an end time narrow it.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.admin.shell import ConsoleLineProtocol
from chatd.core import export
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore

SEPTEMBER = 1_788_220_800  # 2026-09-01 00:00:00 UTC
#: 1,500 messages over 60 days.
EVERY = 60 * 86400 * 1000 // 1500


class ExportTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(SEPTEMBER + 90 * 86400)
        self.store = MemoryChatStore()
        self.store.startService()
        self.service = ChatService(self.clock, rooms=["lobby", "classe-3b"], store=self.store)
        self.service.startService()
        self.transport = StringTransport()
        self.protocol = ConsoleLineProtocol(AdminConsole(self.service, "root"))
        self.protocol.makeConnection(self.transport)

    def say(self, room: str | None, text: str, millis: int, **kwargs: Any) -> None:
        recipient = "bob" if room is None else None
        self.store.addMessage(
            room, "pupil051", recipient, (text,), millis // 1000, millis=millis, **kwargs
        )

    def term(self, count: int = 1500) -> None:
        """
        C{count} messages in classe-3b, one each L{EVERY} ms from
        2026-09-01, and between them a message in lobby and a private one.
        """
        for i in range(count):
            self.say("classe-3b", f"m{i}", SEPTEMBER * 1000 + i * EVERY)
            if i % 100 == 0:
                self.say("lobby", f"l{i}", SEPTEMBER * 1000 + i * EVERY + 1)
                self.say(None, f"secret{i}", SEPTEMBER * 1000 + i * EVERY + 2)

    def run_(self, line: str) -> list[str]:
        """
        C{line} typed at the console: the rows of its reply.
        """
        self.transport.clear()
        self.protocol.dataReceived(line.encode() + b"\n")
        self.clock.advance(0)
        out: str = self.transport.value().decode()
        self.assertTrue(out.endswith("chatd> "))
        return out.removesuffix("chatd> ").splitlines()

    @staticmethod
    def texts(rows: list[str]) -> list[str]:
        return [row.rsplit(": ", 1)[1] for row in rows]

    def test_wholeRoom(self) -> None:
        """
        Every one of a room's 1,500 messages since a date, in the order
        they were said, and no other room's or private message.
        """
        self.term()
        rows = self.run_("messages classe-3b 2026-09-01")
        self.assertEqual([f"m{i}" for i in range(1500)], self.texts(rows))
        self.assertTrue(rows[0].startswith("2026-09-01 00:00:00  classe-3b         pupil051: "))

    def test_everyRoom(self) -> None:
        """
        Without a room, every room's messages, in time order; private
        messages are not exported.
        """
        self.term(300)
        texts = self.texts(self.run_("messages 2026-09-01"))
        expected = []
        for i in range(300):
            expected += [f"m{i}"] + ([f"l{i}"] if i % 100 == 0 else [])
        self.assertEqual(expected, texts)

    def test_span(self) -> None:
        """
        A start (included) and an end (excluded) narrow the export, typed
        as dates, a date and a time of day, or to the millisecond.
        """
        self.term()
        # m0 at 00:00:00.000, m25 at 1 day; "l0" at 00:00:00.001 is lobby's.
        self.assertEqual(
            [f"m{i}" for i in range(25)],
            self.texts(self.run_("messages classe-3b 2026-09-01 2026-09-02")),
        )
        self.assertEqual(
            [f"m{i}" for i in range(1, 26)],
            self.texts(
                self.run_("messages #classe-3b 2026-09-01 00:00:00.001 2026-09-02T00:00:00.001")
            ),
        )
        self.assertEqual(
            ["l0", "l100"], self.texts(self.run_("messages lobby 2026-09-01 2026-09-06"))
        )
        self.assertEqual(
            ["no messages in lobby since 2026-09-01 00:00:01 UTC before 2026-09-02 00:00:00 UTC"],
            self.run_("messages lobby 2026-09-01 00:00:01 2026-09-02"),
        )

    def test_stopsAndTellsTheRest(self) -> None:
        """
        Past the most an export holds it stops between two milliseconds
        and says so last, with the command that exports the rest: together,
        every message once, in order.
        """
        self.patch(export, "MAX_EXPORT", 1000)
        self.patch(export, "PAGE", 64)
        self.term()
        # Three messages in the millisecond the export would stop in.
        tied = SEPTEMBER * 1000 + 999 * EVERY
        for text in ("t1", "t2", "t3"):
            self.say("classe-3b", text, tied)
        rows = self.run_("messages classe-3b 2026-09-01 2026-12-01")
        self.assertEqual(
            "(stopped at 999 messages: the rest is from 2026-10-10T23:02:24.000 UTC on:"
            " messages classe-3b 2026-10-10T23:02:24.000 2026-12-01T00:00:00.000)",
            rows[-1],
        )
        rest = self.run_(rows[-1].split(" on: ")[1].rstrip(")"))
        expected = [f"m{i}" for i in range(1000)] + ["t1", "t2", "t3"]
        expected += [f"m{i}" for i in range(1000, 1500)]
        self.assertEqual(expected, self.texts(rows[:-1] + rest))

    def test_usage(self) -> None:
        """
        An end that is not after the start, three times, or a room alone
        are refused with the usage line.
        """
        for line in (
            "messages 2026-09-02 2026-09-01",
            "messages lobby 1h 2h 3h",
            "messages lobby",
            "messages lob!by 1h",
        ):
            rows = self.run_(line)
            self.assertTrue(rows[0].startswith("usage: messages [room] <since> [until]"), rows)

    def test_noSuchRoom(self) -> None:
        """
        A room that does not exist is refused.
        """
        self.assertEqual(["refused: no such room"], self.run_("messages gone 1h"))

    def test_withoutStore(self) -> None:
        """
        A server without a store says it keeps no messages.
        """
        console = AdminConsole(ChatService(self.clock, rooms=["lobby"]), "root")
        reply = self.successResultOf(maybeDeferred(console.execute, "messages lobby 1h"))
        self.assertEqual("this server keeps no messages (it runs without a store)", reply)
