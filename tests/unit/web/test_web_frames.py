"""
The page's WebSocket read a frame at a time (L{chatd.web.frames}): past a
turn's budget the rest of a read stays unparsed in wsproto, the socket is
not read, and later turns go on, in order, fairly among connections.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from chatd.lines.turnbudget import LIGHT, TurnBudget
from chatd.web.frames import FrameReader
from chatd.web.socket import WebParticipant
from tests.support.helpers import turn
from tests.support.webclient import JSONClient, WebTestCase, handshake


class FrameReaderTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        # Every question to the clock is 5 ms later: a turn answers about
        # four requests before its 20 ms are spent.
        ticks = count()
        self.turns = TurnBudget(self.reactor, limit=0.02, now=lambda: next(ticks) * 0.005)
        return {"turns": self.turns}

    def reader(self, client: JSONClient) -> FrameReader:
        """
        The server's frame reader for C{client} (the last connected), with
        the events it parses counted in C{self.parsed}.
        """
        participant = self.web.pumps[-1].server.protocol.listener
        assert isinstance(participant, WebParticipant)
        reader = participant.transport
        assert reader is not None
        events = reader.connection.events
        self.parsed = 0

        def counted() -> Any:
            for event in events():
                self.parsed += 1
                yield event

        reader.connection.events = counted  # type: ignore[method-assign]
        return reader

    def test_restLeftUnparsed(self) -> None:
        """
        Once the budget is spent, the rest of a read is not parsed in the
        same turn (a few events at most, to tell a light connection), and
        the socket is not read until the connection caught up.
        """
        client = self.web.connect()
        self.reader(client)
        server = self.web.pumps[0].server.transport
        reading: list[str] = []
        server.pauseProducing = lambda: reading.append("paused")
        server.resumeProducing = lambda: reading.append("resumed")
        for _ in range(30):
            client.send(type="ping")
        self.web.pumps[0].pump(advanceClock=False)  # one read of 30 frames
        self.assertLessEqual(self.parsed, 4 + LIGHT + 1)
        self.assertEqual(reading, ["paused"])
        parsed = [self.parsed]
        while self.parsed < 30 and len(parsed) < 100:
            turn(self.reactor)
            parsed.append(self.parsed)
        turn(self.reactor)
        self.assertEqual(parsed[-1], 30)
        self.assertGreater(len(parsed), 4)
        self.assertEqual(reading, ["paused", "resumed"])

    def test_allAnsweredInOrder(self) -> None:
        """
        Requests read at once and handled over several turns are each
        answered once, in the order sent; more sent meanwhile come after.
        """
        client = self.web.connect()
        pump = self.web.pumps[0]
        ids = [client.send(type="ping") for _ in range(30)]
        pump.pump(advanceClock=False)
        turn(self.reactor)
        ids += [client.send(type="ping") for _ in range(10)]
        for _ in range(60):
            turn(self.reactor)
            pump.pump(advanceClock=False)
        self.assertEqual([frame["id"] for frame in client.take()], ids)

    def test_fairToOthers(self) -> None:
        """
        Two connections that sent many requests each go on turn after turn,
        neither far ahead of the other, and a third's single request is
        answered in the turn after it is read.
        """
        first, second, quiet = (self.web.connect() for _ in range(3))
        for client in (first, second):
            for _ in range(40):
                client.send(type="ping")
        for pump in self.web.pumps[:2]:
            pump.pump(advanceClock=False)
        quietId = quiet.send(type="ping")
        self.web.pumps[2].pump(advanceClock=False)
        answered = {id(first): 0, id(second): 0}
        quietTurn = None
        for turns in range(1, 60):
            turn(self.reactor)
            for pump in self.web.pumps:
                pump.pump(advanceClock=False)
            for client in (first, second):
                answered[id(client)] += len(client.take())
            if quietTurn is None and [f["id"] for f in quiet.take()] == [quietId]:
                quietTurn = turns
            if sum(answered.values()) < 80:
                self.assertLessEqual(abs(answered[id(first)] - answered[id(second)]), 8)
        self.assertEqual(list(answered.values()), [40, 40])
        self.assertEqual(quietTurn, 1)  # served first in the next turn, and sent at once

    def test_fragmentedMessage(self) -> None:
        """
        A message sent in several frames is handed over whole.
        """
        _, transport, guard = self.web.rawRequest(handshake())
        client = Connection(ConnectionType.CLIENT)
        text = '{"type": "ping", "id": "split"}'
        for part, last in ((text[:10], False), (text[10:20], False), (text[20:], True)):
            guard.dataReceived(client.send(TextMessage(data=part, message_finished=last)))
        self.reactor.advance(0)
        client.receive_data(transport.value().split(b"\r\n\r\n", 1)[1])
        replies = [event.data for event in client.events() if isinstance(event, TextMessage)]
        self.assertIn('"id":"split"', replies[-1].replace(" ", ""))
