"""
Tests for what a TCHAT client pipelined just before it closed: a registered
account's commands, which wait for its password check, are carried out
(L{chatd.lines.closing}).
"""

from __future__ import annotations

from twisted.internet.error import ConnectionDone
from twisted.internet.task import deferLater
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from chatd.tchat import TchatProtocol
from tests.support.helpers import connect, output
from tests.support.tchatstorecase import TchatStoreTestCase

#: A bot's announcement: sign in, make a group, enter it, speak in it.
ANNOUNCEMENT = (
    "clt: LOGIN alice sesame",
    "clt: CREAT den",
    "clt: ENTER den",
    "clt: SPEAK den",
    "clt: bot says P1",
    "clt: .",
)


class PipelinedThenClosedTests(TchatStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        # The password is checked on a later turn, as in the daemon's threads.
        assert self.service.persistence is not None
        self.service.persistence.accounts.checker.runInThread = lambda f, *args: deferLater(
            self.clock, 0.5, f, *args
        )

    def pipelined(self) -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        proto.dataReceived("".join(line + "\n" for line in ANNOUNCEMENT).encode("utf-8"))
        return proto, transport

    def spoken(self) -> list[str]:
        history = self.successResultOf(self.store.history("den", 10))
        return [line for message in history for line in message.lines]

    def test_halfClose(self) -> None:
        """
        A client that shuts its writing side after its commands is answered
        each of them, in order; then the connection closes and the account
        is signed out.  The message is in the group's history.
        """
        proto, transport = self.pipelined()
        proto.readConnectionLost()
        self.clock.advance(1)
        self.assertEqual(output(transport, self.clock), b"srv: OKAY!\n" * 4)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.spoken(), ["bot says P1"])
        self.assertIsNone(self.service.find("alice"))

    def test_fullClose(self) -> None:
        """
        A client whose connection is gone before its password was checked
        still has its commands carried out, as its last acts; then it is
        signed out.
        """
        proto, _ = self.pipelined()
        proto.connectionLost(Failure(ConnectionDone()))
        self.assertTrue(self.service.people.isConnected(proto))  # its login is being checked
        self.clock.advance(1)
        self.assertEqual(self.spoken(), ["bot says P1"])
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.flushLoggedErrors(), [])
