"""
Tests for L{chatd.core.refusallog}: refused logins and connections are
logged in full at first, then counted and summarised per address, on the
service's clock, in bounded memory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from twisted.internet.task import Clock
from twisted.logger import (
    LogEvent,
    Logger,
    LogLevel,
    capturedLogs,
    formatEvent,
    formatEventAsClassicLogText,
)
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.admission import parseNetwork
from chatd.core.refusallog import BURST, WINDOW, RefusalLog
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.protocolcases import TchatTestCase


def fail2banFilter() -> list[re.Pattern[str]]:
    """
    The C{failregex} lines of the fail2ban filter docs/SECURITY.md gives,
    their C{<HOST>} as fail2ban reads an address.
    """
    doc = (Path(__file__).parents[3] / "docs" / "SECURITY.md").read_text("utf-8")
    block = doc[doc.index("failregex = ") :].split("```")[0]
    lines = [line.strip().removeprefix("failregex = ") for line in block.splitlines()]
    host = r"(?P<host>[0-9a-fA-F.:]+)"
    return [re.compile(line.replace("<HOST>", host)) for line in lines if line]


def fail2banSees(event: LogEvent) -> str | None:
    """
    The address the documented filter finds in C{event} as twistd's text
    log writes it, fail2ban having cut the time off first; or C{None}.
    """
    text = formatEventAsClassicLogText(event) or ""
    rest = text.partition(" ")[2].rstrip("\n")
    for regex in fail2banFilter():
        if found := regex.search(rest):
            return found.group("host")
    return None


def refusedLines(events: Sequence[LogEvent]) -> list[str]:
    return [text for text in map(formatEvent, events) if "refused" in text]


class TchatRefusalLogTests(TchatTestCase):
    """
    Refused logins through TCHAT, as the operator's log shows them.
    """

    def attempt(self, nick: str, host: str = "203.0.113.9") -> bytes:
        proto, transport = connect(self.factory, self.clock, host)
        output(transport, self.clock)
        proto.dataReceived(f"clt: LOGIN {nick}\r\n".encode())
        said = output(transport, self.clock)
        proto.connectionLost(Failure(errors.Banned()))
        return said

    def test_reconnectLoopSummarised(self) -> None:
        """
        A banned nickname's reconnect loop is refused every time, logged in
        full for the first few attempts from its address, and the rest in
        one line when the window ends: how many, from where, over how long,
        and the last one's name and sanction.  Another address is logged in
        full meanwhile; after the window, the next attempt is in full again.
        """
        self.service.moderation.ban("troll", "spam", "root")
        with capturedLogs() as events:
            for _ in range(BURST + 57):
                self.assertIn(b"ERROR 24", self.attempt("troll"))
                self.clock.advance(0.5)
            self.attempt("troll", "198.51.100.4")
            lines = refusedLines(events)
            self.clock.advance(WINDOW - (BURST + 57) * 0.5)
            summary = refusedLines(events)[len(lines) :]
            self.attempt("troll")
        full = "login of troll from 203.0.113.9 refused: banned for good: spam"
        self.assertEqual(
            [full] * BURST + ["login of troll from 198.51.100.4 refused: banned for good: spam"],
            lines,
        )
        self.assertEqual(
            [
                "57 more logins from 203.0.113.9 refused in the last 60 s,"
                " the last as troll: banned for good: spam"
            ],
            summary,
        )
        self.assertEqual(full, refusedLines(events)[-1])
        self.assertEqual([], self.clock.getDelayedCalls())

    def test_summaryMatchesFail2banFilter(self) -> None:
        """
        Every line a refused login, a refused connection or its summary
        writes names the address where the documented fail2ban filter finds it.
        """
        self.service.moderation.ban("troll", "spam", "root")
        self.service.moderation.banAddress(
            parseNetwork("192.0.2.0/24"), "abuse", "root", force=True
        )
        with capturedLogs() as events:
            for _ in range(BURST + 2):
                self.attempt("troll")
                self.assertRaises(
                    errors.Banned, self.service.connect, RecordingParticipant("192.0.2.7")
                )
            self.clock.advance(WINDOW)
            self.service.disconnect(self.connect("x")[0], "login of y from 8.8.8.8 refused")
        lines = refusedLines(events)
        self.assertIn(
            "2 more connections from 192.0.2.7 refused in the last 60 s:"
            " address banned (192.0.2.0/24) for good: abuse",
            lines,
        )
        self.assertEqual(2 * BURST + 2 + 1, len(lines))
        seen = [fail2banSees(event) for event in events if "refused" in formatEvent(event)]
        self.assertEqual(
            ["203.0.113.9", "192.0.2.7"] * BURST + ["203.0.113.9", "192.0.2.7", None], seen
        )
        bad = {"log_namespace": "chatd.core.accounts", "log_level": LogLevel.info}
        for unknown in ("", " (not registered)"):
            self.assertEqual(
                "198.51.100.2",
                fail2banSees(
                    {
                        **bad,
                        "log_format": "bad password for bob from 198.51.100.2" + unknown,
                        "log_time": 0,
                    }
                ),
            )

    def test_stopTellsCounts(self) -> None:
        """
        A service stopping tells the counts of windows still running, and
        leaves no timer behind.
        """
        self.service.moderation.ban("troll", "spam", "root")
        self.service.startService()
        with capturedLogs() as events:
            for _ in range(BURST + 3):
                self.attempt("troll")
            self.clock.advance(10)
            self.service.stopService()
        self.assertEqual(
            "3 more logins from 203.0.113.9 refused in the last 10 s,"
            " the last as troll: banned for good: spam",
            refusedLines(events)[-1],
        )
        self.assertEqual([], self.clock.getDelayedCalls())


class RefusalLogTests(SynchronousTestCase):
    """
    L{RefusalLog} on its own.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.events: list[LogEvent] = []
        log = Logger(observer=self.events.append)  # type: ignore[arg-type]
        self.refusals = RefusalLog(self.clock, log, tracked=2)

    def test_boundedAddresses(self) -> None:
        """
        At most C{tracked} windows are kept: a new address ends the oldest
        window early, its count told for the time it ran; windows that ran
        out are forgotten first.
        """
        for address in ("a", "b"):
            for _ in range(BURST + 1):
                self.refusals.shows("login", address, "")
        self.clock.advance(5)
        self.assertTrue(self.refusals.shows("login", "c", ""))
        self.assertEqual(
            ["1 more login from a refused in the last 5 s"], list(map(formatEvent, self.events))
        )
        self.assertEqual(1, len(self.clock.getDelayedCalls()))
        self.clock.advance(WINDOW)
        self.assertEqual(2, len(self.events))
        self.assertTrue(self.refusals.shows("login", "d", ""))
        self.assertTrue(self.refusals.shows("login", "e", ""))
        self.assertEqual(2, len(self.events))

    def test_lapsedWindowStartsAnew(self) -> None:
        """
        An address refused again after its window ran out, with nothing
        counted, is shown in full again.
        """
        for _ in range(BURST):
            self.assertTrue(self.refusals.shows("connection", "a", ""))
        self.clock.advance(WINDOW)
        self.assertTrue(self.refusals.shows("connection", "a", ""))
        self.assertEqual([], self.events)
