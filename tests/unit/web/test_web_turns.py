"""
The WebSocket participant under a turn budget (L{chatd.lines.turnbudget}):
once a reactor turn has spent its budget, requests wait, in order, for
later turns, and the connection stops reading until it caught up.
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
        A connection waiting for a later turn stops reading its socket, and
        reads again once it caught up.
        """
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

    def test_heldWhileWaiting(self) -> None:
        """
        While a connection waits for a later turn, a quiet connection's
        answer leaves in the turn that handled its request, and
        the room's other members' output is held, a part each turn (as the
        line front-ends'), then all handed on.
        """
        self.turns.holdTurns = 2
        busy, reader, quiet = (self.web.connect(nick) for nick in ("busy", "reader", "quiet"))
        for client in (busy, reader):
            self.request(client, type="join", room="lobby")
        self.web.flush()
        reader.take()
        for i in range(30):
            busy.send(type="say", room="lobby", text=f"m{i}")
        self.web.pumps[0].pump(advanceClock=False)
        heard: list[int] = []
        answered: list[int] = []
        while True:
            turn(self.reactor)
            if len(heard) == 2:
                requestId = quiet.send(type="ping")
            for pump in self.web.pumps:
                pump.pump(advanceClock=False)
            heard.append(len(reader.take()))
            answered.extend(len(heard) for frame in quiet.take() if frame["id"] == requestId)
            if not self.turns.busy():
                break
        # Read after the third turn; handled and sent in the fourth.
        self.assertEqual(answered, [4])
        self.assertIn(0, heard[:-1])  # some turns flushed nothing to the reader
        self.web.flush()
        heard.append(len(reader.take()))
        self.assertEqual(sum(heard), 30)
