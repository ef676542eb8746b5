"""
The WebSocket participant under a turn budget (L{chatd.lines.turnbudget}):
once a reactor turn has spent its budget, requests wait, in order, for
later turns; far behind, the connection stops reading until it caught up.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from chatd.lines.turnbudget import TurnBudget
from tests.support.helpers import turn
from tests.support.webclient import WebTestCase


class TurnBudgetTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        # Every question to the clock is 5 ms later: a turn answers about
        # four requests before its 20 ms are spent.
        ticks = count()
        self.turns = TurnBudget(self.reactor, limit=0.02, now=lambda: next(ticks) * 0.005)
        return {"turns": self.turns}

    def test_laterTurnsInOrder(self) -> None:
        """
        Requests past the budget are answered in later turns, every one,
        once and in the order sent.
        """
        client = self.web.connect()
        ids = [client.send(type="ping") for _ in range(30)]
        pump = self.web.pumps[0]
        pump.pump(advanceClock=False)  # the requests reach the server, in one turn
        turn(self.reactor)  # its end: the answers so far go out
        pump.pump(advanceClock=False)
        first = [frame["id"] for frame in client.take()]
        self.assertLess(len(first), 10)
        for _ in range(40):
            turn(self.reactor)
            pump.pump(advanceClock=False)
        later = [frame["id"] for frame in client.take()]
        self.assertEqual(first + later, ids)

    def test_farBehindStopsReading(self) -> None:
        """
        A connection waiting for a later turn with more than C{maxQueued}
        requests stops reading its socket, and reads again once it caught up.
        """
        self.web.site.site.resource.children[b"ws"].wrapped.factory.maxQueued = 3
        client = self.web.connect()
        server = self.web.pumps[0].server.transport  # the server's side of the socket
        reading: list[str] = []
        server.pauseProducing = lambda: reading.append("paused")
        server.resumeProducing = lambda: reading.append("resumed")
        for _ in range(12):
            client.send(type="ping")
        self.web.pumps[0].pump(advanceClock=False)
        self.assertEqual(reading, ["paused"])
        for _ in range(40):
            turn(self.reactor)
            self.web.pumps[0].pump(advanceClock=False)
        self.assertEqual(len(client.take()), 12)
        self.assertEqual(reading, ["paused", "resumed"])

    def test_lightLoadUnchanged(self) -> None:
        """
        Under the budget, a request is answered in the turn it arrives in.
        """
        client = self.web.connect()
        requestId = client.send(type="ping")
        self.web.pumps[0].pump(advanceClock=False)
        turn(self.reactor)
        self.web.pumps[0].pump(advanceClock=False)
        self.assertEqual([frame["id"] for frame in client.take()], [requestId])
