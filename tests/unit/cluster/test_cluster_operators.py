"""
Operator rights in a cluster sharing one store: the account an
administrator creates again, on any node's console, for a configured
operator name (C{--operators}) whose account was deleted holds its rights
at once on every node (L{chatd.core.operators.OperatorKeys}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import Consoles
from chatd.tchat import TchatFactory
from tests.support.fakenode import FakeNode, IRCClient, sharedStoreNodes
from tests.support.fakeredis import FakeRedis
from tests.support.helpers import connect, output


class RecreatedOperatorAccountTests(SynchronousTestCase):
    """
    Nodes C{a} and C{b} sharing one store, both configured with the
    operator name C{op}, whose account a's console created, deleted and
    created again.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.a, self.b = sharedStoreNodes(self, FakeRedis(self.clock))
        self.a.turns()
        for line, said in [
            ("add account op Firstpass1", "account op created"),
            ("account delete op left", "deleted the account op"),
            ("add account op Secondpass2", "account op created"),
        ]:
            reply = Consoles(self.a.service)("root").execute(line)
            self.a.turns()
            self.assertIn(said, self.successResultOf(reply))

    def tchat(self, node: FakeNode, *lines: str) -> tuple[object, bytes]:
        """A TCHAT client of C{node} that sent C{lines}; what it was answered."""
        factory = TchatFactory(node.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode())
        node.turns()
        return proto, output(transport, self.clock)

    def test_otherNodeTchatKicks(self) -> None:
        """
        Signed in over TCHAT on b with the new password, C{op} kicks a
        member out of a room it is not in, as only a chatd operator may.
        """
        self.b.user("alice", "lobby")
        self.tchat(self.b, "clt: LOGIN bob", "clt: ENTER lobby")
        _, said = self.tchat(self.b, "clt: LOGIN op Secondpass2", "clt: KICK lobby bob out")
        self.assertTrue(said.endswith(b"srv: OKAY!\n"), said)
        self.assertNotIn("bob", self.b.service.registry.get("lobby").members)

    def test_consoleNodeIrcKills(self) -> None:
        """
        Signed in over IRC on a with the new password, C{op} ends a user's
        session with C{KILL}, as only a chatd operator may.
        """
        bob = self.b.user("bob")
        client = IRCClient(self.a, self.clock, "op", "Op", sasl=("op", "Secondpass2"))
        self.addCleanup(client.proto.connectionLost, None)
        client.send("KILL bob :enough")
        self.b.turns()
        self.assertIsNotNone(bob.disconnectedWith)
