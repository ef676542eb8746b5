"""
Tests for what an IRC client sent just before it closed: a registered
user's commands waiting behind the store when the connection ends.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

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

    def closedAfter(self, count: int) -> None:
        proto, t = self.client()
        welcome = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertIn("001", self.codes(welcome))
        lines = ["JOIN #fresh"] + [f"PRIVMSG #fresh :x{n}" for n in range(count)]
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.clock.advance(0)
        proto.connectionLost(Failure(ConnectionDone()))
        self.slow.store()
        self.clock.advance(0)

    def test_noErrorLogged(self) -> None:
        """
        The lines after the JOIN are handled once the room is stored, after
        the connection closed: none of them meets an error.
        """
        self.closedAfter(3)
        self.assertEqual(self.flushLoggedErrors(), [])
