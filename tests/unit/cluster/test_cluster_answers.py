"""
One answer to a request to enter an approval room (L{chatd.core.answers}):
two administrators, on the consoles of two nodes, accept and refuse the
same request at the same moment; the first to reach the shared database
decides, the other console is told so, and the person, whose node is
either, is told the answer once.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.core.names import key
from chatd.tchat import TchatFactory
from tests.support.admincases import ConsoleScreen
from tests.support.approvalnodes import NOBODY, ApprovalNodes
from tests.support.fakenode import FakeNode, IRCClient
from tests.support.helpers import connect, output

ACCEPTED_FIRST = (
    "Comptabilité: apr0's request to enter Comptabilité was already accepted by another operator"
)
REFUSED_FIRST = (
    "Comptabilité: apr1's request to enter Comptabilité had already ended:"
    " another operator refused it, or it was withdrawn"
)


class SimultaneousAnswersTests(ApprovalNodes):
    """
    Nodes A and B sharing one database, root's line console on each: the
    two lines are typed in one reactor turn, before either node hears of
    the other's answer.
    """

    def setUp(self) -> None:
        super().setUp()
        self.consoles = {node: ConsoleScreen(node.service) for node in (self.a, self.b)}

    def typed(self, node: FakeNode, line: str) -> str:
        """Type C{line} on C{node}'s console; its reply, once both nodes ran."""
        self.consoles[node].send(line)
        self.settle()
        return self.consoles[node].reply()

    def atOnce(self, first: tuple[FakeNode, str], second: tuple[FakeNode, str]) -> list[str]:
        """
        Type two lines, each on its node's console, in one reactor turn;
        their replies once both nodes ran.
        """
        for node, line in (first, second):
            self.consoles[node].send(line)
        self.settle()
        return [self.consoles[node].reply() for node, _ in (first, second)]

    def tchat(self, node: FakeNode, *lines: str) -> tuple[Any, StringTransport]:
        """A TCHAT client of C{node} that sent C{lines}, what it read so far read."""
        factory = TchatFactory(node.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        for line in lines:
            proto.dataReceived(f"clt: {line}\r\n".encode())
            self.settle()
        output(transport, self.clock)
        return proto, transport

    def test_acceptedFirst(self) -> None:
        """
        apr0, on node B, waits to enter Comptabilité; A's console accepts
        and B's refuses at once: A's acceptance holds, B's console is told
        it came second, and apr0 is told only that they were accepted, and
        is a member on both nodes.
        """
        proto, transport = self.tchat(self.b, "LOGIN apr0", "REGIS sesame99", "ENTER Comptabilité")
        self.assertIn("apr0 ", self.typed(self.a, "pending rooms"))
        accepted, refused = self.atOnce(
            (self.a, "accept pending apr0 Comptabilité"),
            (self.b, "refuse pending apr0 Comptabilité nope"),
        )
        self.assertEqual("accepted apr0 in Comptabilité", accepted)
        self.assertEqual(ACCEPTED_FIRST, refused)
        self.assertEqual(
            "srv: ENTER Comptabilité apr0 1795000000\n"
            "srv: NOTICE 1795000000\n"
            "srv: an operator accepted you in Comptabilité\n"
            "srv: .\n",
            output(transport, self.clock).decode(),
        )
        for node in (self.a, self.b):
            self.assertEqual(NOBODY, self.typed(node, "pending rooms"))
            self.assertIn(key("apr0"), node.service.registry.get("Comptabilité").members)

    def test_refusedFirst(self) -> None:
        """
        apr1, a guest on node A over IRC, waits to enter Comptabilité; A's
        console refuses and B's accepts at once: the refusal holds, B's
        console is told the request had ended, and apr1 gets one notice,
        the refusal, and stays out of the room on both nodes.
        """
        guest = IRCClient(self.a, self.clock, "apr1", "Apr")
        self.addCleanup(guest.proto.connectionLost, None)
        guest.send("JOIN #Comptabilité")
        guest.read()
        refused, accepted = self.atOnce(
            (self.a, "refuse pending apr1 Comptabilité nope"),
            (self.b, "accept pending apr1 Comptabilité"),
        )
        self.assertEqual("refused apr1's request to enter Comptabilité", refused)
        self.assertEqual(REFUSED_FIRST, accepted)
        notices = [line for line in guest.lines() if " NOTICE apr1 " in line]
        self.assertEqual(1, len(notices), notices)
        self.assertIn("an operator refused your request to enter Comptabilité: nope", notices[0])
        for node in (self.a, self.b):
            self.assertEqual(NOBODY, self.typed(node, "pending rooms"))
            self.assertNotIn(key("apr1"), node.service.registry.get("Comptabilité").members)
