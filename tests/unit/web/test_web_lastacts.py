"""
Tests for what a page's WebSocket client sent just before it closed
(L{chatd.lines.closing}, as on the line protocols): requests behind a
close frame are answered before the close is; those of a connection gone
are carried out, answers dropped, before its person leaves; both within
the site's C{closeGrace}.
"""

from __future__ import annotations

import json
from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure
from wsproto.connection import Connection, ConnectionType
from wsproto.events import CloseConnection, Event, TextMessage

from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.events import Membership, RoomMessage
from chatd.core.service import ChatService
from chatd.lines.roomhold import HOLD
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant
from chatd.web.socket import WebParticipant
from tests.support.webclient import WebTestCase, handshake

#: What the announcement bot sends at once: a registered login, a new room, a message.
ANNOUNCEMENT = [
    {"type": "login", "nick": "bot", "password": "sesame", "id": 1},
    {"type": "create", "room": "news", "id": 2},
    {"type": "join", "room": "lobby", "id": 3},
    {"type": "say", "room": "lobby", "text": "P1", "id": 4},
]


class HeldStore(MemoryChatStore):
    """A store whose room writes wait for the test while C{holding}."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = False
        self.held: list[Deferred[None]] = []

    def saveRoom(self, *args: Any, **kwargs: Any) -> Deferred[None]:
        saved = super().saveRoom(*args, **kwargs)
        if not self.holding:
            return saved
        waiting: Deferred[None] = Deferred()
        self.held.append(waiting)
        return waiting


class LastActsTests(WebTestCase):
    def makeService(self) -> ChatService:
        self.store = HeldStore()
        self.store.startService()
        self.checks: list[tuple[Deferred[Any], Any, tuple[Any, ...]]] = []
        self.holdChecks = False

        def run(f: Any, *args: Any) -> Deferred[Any]:
            if not self.holdChecks:
                return maybeDeferred(f, *args)
            checked: Deferred[Any] = Deferred()
            self.checks.append((checked, f, args))
            return checked

        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        accounts = Accounts(self.store, self.reactor, PasswordChecker(hasher, runInThread=run))
        service = ChatService(self.reactor, rooms=["lobby"], store=self.store, accounts=accounts)
        self.successResultOf(accounts.register("bot", "sesame"))
        service.startService()
        # The service's periodic write of who is connected is no connection's:
        # what these tests find pending at the end is.
        assert service.persistence is not None
        service.persistence.lastSeen.stop()
        return service

    def setUp(self) -> None:
        super().setUp()
        self.web.site.closeGrace = 5
        self.watcher = RecordingParticipant()
        self.service.connect(self.watcher)
        self.service.login(self.watcher, "alice")
        self.service.enter(self.watcher, "lobby")
        _, self.transport, self.protocol = self.web.rawRequest(handshake())
        self.transport.clear()
        self.client = Connection(ConnectionType.CLIENT)
        self.holdChecks = self.store.holding = True

    def send(self, requests: list[dict[str, Any]], close: bool) -> None:
        """The client sends C{requests} and maybe its close frame, in one read."""
        data = b"".join(self.client.send(TextMessage(json.dumps(r))) for r in requests)
        if close:
            data += self.client.send(CloseConnection(1000))
        self.protocol.dataReceived(data)
        self.reactor.advance(0)

    def answer(self) -> None:
        """The password checks and the room writes waiting are done."""
        while self.checks or self.store.held:
            while self.checks:
                checked, f, args = self.checks.pop(0)
                checked.callback(f(*args))
            while self.store.held:
                self.store.held.pop(0).callback(None)
            self.reactor.advance(0)

    def served(self) -> list[Event]:
        """What the server wrote since the handshake, as the client reads it."""
        self.client.receive_data(self.transport.value())
        self.transport.clear()
        return list(self.client.events())

    def heard(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """The messages the watcher in the lobby got."""
        return [
            (e.room, e.sender, e.lines) for e in self.watcher.events if isinstance(e, RoomMessage)
        ]

    def connected(self) -> bool:
        """Whether the page's session is still on."""
        participant = self.protocol.listener
        assert isinstance(participant, WebParticipant)
        return self.service.people.isConnected(participant)

    def stored(self) -> list[tuple[str, ...]]:
        return [e.lines for e in self.successResultOf(self.store.history("lobby", 10))]

    def left(self) -> list[tuple[str, str]]:
        return [
            (e.nick, e.reason)
            for e in self.watcher.events
            if isinstance(e, Membership) and not e.joined
        ]

    def test_closeFrameAnswered(self) -> None:
        """
        Requests waiting for a password check and a room's store write when
        the client's close frame arrives are each answered, in order, then
        the close; the message reaches the room and the store, the person
        leaves with a quit.
        """
        self.send(ANNOUNCEMENT, close=True)
        self.assertEqual(len(self.checks), 1)
        self.answer()
        events = self.served()
        answers = [json.loads(e.data) for e in events if isinstance(e, TextMessage)]
        self.assertEqual(
            [(a["type"], a.get("id")) for a in answers if "id" in a],
            [("login", 1), ("create", 2), ("join", 3), ("say", 4)],
        )
        self.assertIsInstance(events[-1], CloseConnection)
        self.assertEqual(self.heard(), [("lobby", "bot", ("P1",))])
        self.assertEqual(self.stored(), [("P1",)])
        self.assertEqual(self.left(), [("bot", "quit")])
        self.assertTrue(self.transport.disconnecting)

    def test_closeFrameBounded(self) -> None:
        """
        A close frame behind a request whose answer does not come within
        C{closeGrace} seconds is answered then: what waited is dropped, the
        connection closes and the person leaves.
        """
        self.send(ANNOUNCEMENT, close=True)
        self.reactor.advance(4.9)
        self.assertFalse(self.transport.disconnecting)
        self.reactor.advance(0.1)
        self.assertTrue(self.transport.disconnecting)
        self.assertEqual([type(e) for e in self.served()], [CloseConnection])
        self.answer()
        self.assertEqual(self.heard(), [])
        self.assertIsNone(self.service.find("bot"))

    def test_lostCarriedOut(self) -> None:
        """
        A connection gone while a password check and a room's store write
        wait has what it sent carried out once they are done, answers
        dropped: the message reaches the room and the store; then its
        person leaves.
        """
        self.send(ANNOUNCEMENT, close=False)
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.left(), [])
        self.answer()
        self.assertEqual(self.heard(), [("lobby", "bot", ("P1",))])
        self.assertEqual(self.stored(), [("P1",)])
        self.assertEqual(self.transport.value(), b"")
        self.assertEqual(self.left(), [("bot", "connection closed")])
        self.assertIsNone(self.service.find("bot"))
        self.reactor.advance(HOLD)  # (the lobby's entry held its live output)
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_closeFrameThenLost(self) -> None:
        """
        A client that sent its close frame and then dropped the connection
        has what it sent before the close carried out all the same; it
        quit.
        """
        self.send(ANNOUNCEMENT, close=True)
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.answer()
        self.assertEqual(self.heard(), [("lobby", "bot", ("P1",))])
        self.assertEqual(self.left(), [("bot", "quit")])

    def test_closeFrameFarBehindThenLost(self) -> None:
        """
        A close frame behind more requests than are parsed ahead, then the
        connection gone: all the requests before it are carried out, and
        the person quit.
        """
        says = [{"type": "say", "room": "lobby", "text": f"P{n}"} for n in range(1, 8)]
        self.send(ANNOUNCEMENT[:1] + ANNOUNCEMENT[2:3] + says, close=True)
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.answer()
        self.assertEqual([lines for _, _, lines in self.heard()], [(f"P{n}",) for n in range(1, 8)])
        self.assertEqual(self.left(), [("bot", "quit")])

    def test_lostBounded(self) -> None:
        """
        A gone connection whose password check does not come back within
        C{closeGrace} seconds has the rest dropped: its session ends then.
        """
        self.send(ANNOUNCEMENT, close=False)
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.reactor.advance(4.9)
        self.assertTrue(self.connected())
        self.reactor.advance(0.1)
        self.assertFalse(self.connected())
        self.answer()
        self.assertEqual(self.heard(), [])
        self.assertIsNone(self.service.find("bot"))
        self.assertEqual(self.reactor.getDelayedCalls(), [])
