"""
The log lines of the connections the per-address limits refuse
(L{chatd.core.admission}), bounded through L{chatd.core.refusallog} as a
banned address's are: a reconnect loop through a real listener's admission,
on a L{Clock}.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.admission import Admission
from chatd.core.service import ChatService
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output

#: docs/SECURITY.md's fail2ban filter, after the time fail2ban cuts off.
FAIL2BAN = re.compile(
    r"^\s*\[[^\]]*\] (?:login of \S+|connection|\d+ more (?:logins?|connections?))"
    r" from 127\.0\.0\.1 refused\b"
)


class RateLimitLogTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        admission = Admission(self.clock, perAddress=3, perMinute=30)
        self.service = ChatService(self.clock, admission=admission)
        self.factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.lines: list[str] = []

    def loop(self, seconds: float, hold: bool = False) -> tuple[list[bytes], list[float]]:
        """
        Connect from 127.0.0.1 every 0.3 s for C{seconds}, each connection
        closed at once unless C{hold}; what each was first sent, and when
        (on the clock) each of the admission's log lines was written.
        """
        replies: list[bytes] = []
        when: list[float] = []
        seen = 0
        with capturedLogs() as events:
            for _ in range(round(seconds / 0.3)):
                proto, transport = connect(self.factory, self.clock, "127.0.0.1")
                replies.append(output(transport, self.clock))
                if not hold:
                    proto.connectionLost(Failure(ConnectionDone()))
                self.clock.advance(0.3)
                self.lines += self.admissionLines(events[seen:])
                seen = len(events)
                when += [self.clock.seconds()] * (len(self.lines) - len(when))
        return replies, when

    def admissionLines(self, events: Sequence[dict[str, Any]]) -> list[str]:
        return [
            formatEvent(e)
            for e in events
            if e.get("log_namespace", "").startswith("chatd.core.admission")
        ]

    def test_reconnectLoop(self) -> None:
        """
        A loop over C{--connects-per-minute} (one connection every 0.3 s,
        one admitted every 2 s as the bucket refills) logs the first 5
        refusals of a minute, then one line of how many more: 6 lines a
        minute, where each admission used to start a new line; the
        fail2ban filter matches none of them (a limit is no abuse).
        """
        replies, when = self.loop(180)
        self.assertIn(b"srv: TCHAT 1\n", replies[-20:])  # admitted now and then
        self.assertGreater(replies.count(b"srv: ERROR 04\n"), 400)
        self.assertEqual(
            self.lines[:5],
            5 * ["rate-limited connection from 127.0.0.1 refused (--connects-per-minute 30)"],
        )
        self.assertRegex(
            self.lines[5],
            r"^\d+ more rate-limited connections from 127\.0\.0\.1 refused in the last 60 s"
            r" \(--connects-per-minute 30\)$",
        )
        for minute in range(3):
            start = when[0] + 60 * minute
            self.assertLessEqual(len([t for t in when if start <= t < start + 60]), 6)
        self.assertGreaterEqual(len(self.lines), 12)
        self.assertFalse([text for text in self.lines if FAIL2BAN.match(f"[x#info] {text}")])

    def test_countToldAtStop(self) -> None:
        """
        The count of a window that has not ended is told when the service
        stops, as the refused logins' are.
        """
        self.loop(10, hold=True)
        with capturedLogs() as events:
            self.service.stopService()
        texts = self.lines + self.admissionLines(events)
        self.assertEqual(
            texts[:5],
            5 * ["address-limited connection from 127.0.0.1 refused (--max-per-address 3 open)"],
        )
        self.assertEqual(
            texts[5:],
            [
                "25 more address-limited connections from 127.0.0.1 refused in the last 9 s"
                " (--max-per-address 3 open)"
            ],
        )
