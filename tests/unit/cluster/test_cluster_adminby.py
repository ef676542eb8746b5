"""
What an administrator did from one node's console reads, on every node, as
done by the administrator (L{chatd.core.events.Administrator}), never by a
user of that name: a room's deletion, a topic, a room operator given.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.admin.commands import AdminConsole
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.fakenode import FakeNode, ThreeNodes
from tests.support.helpers import connect, output


class AdministratorAcrossNodesTests(ThreeNodes):
    def member(self, node: FakeNode, nick: str) -> tuple[TchatProtocol, StringTransport]:
        """
        A TCHAT user C{nick} of C{node} in C{lobby}, what it read so far read.
        """
        factory = TchatFactory(node.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        for line in (f"LOGIN {nick}", "ENTER lobby"):
            proto.dataReceived(b"clt: " + line.encode() + b"\r\n")
        self.settle()
        output(transport, self.clock)
        return proto, transport

    def console(self, command: str) -> None:
        reply = AdminConsole(self.a.service, "root").execute(command)
        self.settle()
        self.successResultOf(reply)

    def test_roomDeleted(self) -> None:
        """
        C{delete room} on A: its members on B and C, as on A, read that the
        administrator root removed them.
        """
        members = [
            self.member(node, nick)
            for node, nick in zip((self.a, self.b, self.c), ("alice", "bob", "carol"), strict=True)
        ]
        self.console("delete room lobby testing")
        told = b"srv: you were removed from lobby by the administrator root: room deleted: testing"
        for _, transport in members:
            self.assertIn(told, output(transport, self.clock))

    def test_roomChanged(self) -> None:
        """
        A topic and a room operator given from A's console read as the
        administrator's on B; a user's change reads as the user's.
        """
        alice, _ = self.member(self.a, "alice")
        _, bob = self.member(self.b, "bob")
        self.console("topic lobby hello all")
        self.console("roomop lobby alice")
        read = output(bob, self.clock)
        self.assertIn(b"srv: the administrator root set the topic of lobby: hello all\n", read)
        self.assertIn(b"srv: the administrator root set mode +o alice on lobby\n", read)
        # a later change in the same instant, by a name sorting first
        alice.dataReceived(b"clt: TOPIC lobby\r\nclt: mine\r\nclt: .\r\n")
        self.settle()
        read = output(bob, self.clock)
        self.assertIn(b"srv: alice set the topic of lobby: mine\n", read)
        self.assertNotIn(b"administrator", read)
