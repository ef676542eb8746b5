"""
Tests for what an IRC client sent just before it closed: a registered
user's commands waiting behind the store when the connection ends.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from chatd.irc.protocol import IRCProtocol
from chatd.storage.memory import MemoryChatStore
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.slowrooms import SlowRoomStore


class ClosedWhileWaitingTests(IRCStoreTestCase):
    """
    A registered user joins a room the store has not made yet, speaks in
    it and closes before the room is stored.
    """

    def makeStore(self) -> MemoryChatStore:
        self.slow = SlowRoomStore()
        self.slow.startService()
        return self.slow

    def pipelined(self, count: int) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        welcome = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertIn("001", self.codes(welcome))
        lines = ["JOIN #fresh"] + [f"PRIVMSG #fresh :x{n}" for n in range(count)]
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.clock.advance(0)
        return proto, t

    def closedAfter(self, count: int) -> None:
        proto, _ = self.pipelined(count)
        proto.connectionLost(Failure(ConnectionDone()))
        self.slow.store()
        self.clock.advance(0)

    def spoken(self) -> list[str]:
        history = self.successResultOf(self.store.history("fresh", 50))
        return [line for message in history for line in message.lines]

    def test_noErrorLogged(self) -> None:
        """
        The lines after the JOIN are handled once the room is stored, after
        the connection closed: none of them meets an error.
        """
        self.closedAfter(3)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_carriedOut(self) -> None:
        """
        The messages sent after the JOIN are said in the room, in order, as
        the user's last acts; then the user leaves.
        """
        self.closedAfter(38)
        self.assertEqual(self.spoken(), [f"x{n}" for n in range(38)])
        self.assertIsNone(self.service.find("alice"))

    def test_halfClose(self) -> None:
        """
        A client that shuts its writing side is answered: its JOIN, then
        the connection closes once the lines are carried out.
        """
        proto, t = self.pipelined(2)
        proto.readConnectionLost()
        self.assertFalse(t.disconnecting)
        self.slow.store()
        self.clock.advance(0)
        self.assertIn("JOIN", self.codes(self.send(proto, t)))
        self.assertTrue(t.disconnecting)
        self.assertEqual(self.spoken(), ["x0", "x1"])
        self.assertIsNone(self.service.find("alice"))

    def test_noModesWithoutPerson(self) -> None:
        """
        A connection that is no person's (registering, or its person gone)
        has no user modes: it does not ask the core, which would ask it.
        """
        proto, t = self.client()
        self.send(proto, t, "NICK alice")
        self.assertEqual(proto.userModes, frozenset())
        self.send(proto, t, "PASS sesame", "USER a 0 * :A", "MODE alice +i")
        self.assertEqual(proto.userModes, frozenset("i"))
        proto.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(proto.userModes, frozenset())
