"""
One answer to a request to enter an approval room (L{chatd.core.answers}):
two administrators, on the consoles of two nodes, accept and refuse the
same request at the same moment, or one accepts while the person withdraws
it; the first to reach the shared database decides, the other console or
the person is told so, and the person, whose node is either, is told the
answer once.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs

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


#: What a person leaving the room it waits for is answered when an
#: operator's acceptance came first.
WAS_ACCEPTED = (
    "you were already accepted in Comptabilité: an operator accepted your request"
    " before you withdrew it; leave the room once you are in it"
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

    def waitingGuest(self, nick: str) -> tuple[IRCClient, StringTransport]:
        """
        A guest C{nick} on node B, over IRC, waiting to enter Comptabilité;
        and the TCHAT connection, on node A, of the room's founder, told of
        the request.
        """
        _, founder = self.tchat(self.a, "LOGIN teacher", "REGIS sesame99")
        founded = self.typed(self.a, "founder Comptabilité teacher")
        self.assertEqual("teacher founded Comptabilité", founded)
        guest = IRCClient(self.b, self.clock, nick, "Apr")
        self.addCleanup(guest.proto.connectionLost, None)
        guest.send("JOIN #Comptabilité")
        guest.read()
        self.assertIn(f"{nick} asks to enter Comptabilité", output(founder, self.clock).decode())
        return guest, founder

    def partAndAccept(self, guest: IRCClient, first: str) -> str:
        """
        C{guest} parts #Comptabilité on B as A's console accepts it, in one
        reactor turn, C{first} (C{"part"} or C{"accept"}) first; the
        console's reply once both nodes ran.
        """
        nick = guest.proto.participant.nick
        part = lambda: guest.proto.dataReceived(b"PART #Comptabilit\xc3\xa9\r\n")  # noqa: E731
        if first == "part":
            part()
        self.consoles[self.a].send(f"accept pending {nick} Comptabilité")
        if first != "part":
            part()
        self.settle()
        return self.consoles[self.a].reply()

    def test_withdrawnBeforeAccepted(self) -> None:
        """
        apr2, a guest on node B, parts Comptabilité, which it waits to
        enter, as A's console accepts it: the withdrawal came first and
        holds, A's console is told the request had ended, apr2 is told only
        that it is withdrawn, and stays out of the room on both nodes, and
        the room's founder, on A, is told it withdrew.
        """
        guest, founder = self.waitingGuest("apr2")
        accepted = self.partAndAccept(guest, first="part")
        self.assertEqual(REFUSED_FIRST.replace("apr1", "apr2"), accepted)
        lines = guest.lines()
        self.assertIn(
            "442 apr2 #Comptabilité :you are not in Comptabilité:"
            " your request to enter it is withdrawn",
            "\n".join(lines),
        )
        self.assertEqual([], [line for line in lines if "accepted" in line or "JOIN" in line])
        self.assertEqual(
            "srv: NOTICE 1795000000\n"
            "srv: apr2 no longer asks to enter Comptabilité: they withdrew their request\n"
            "srv: .\n",
            output(founder, self.clock).decode(),
        )
        for node in (self.a, self.b):
            self.assertEqual(NOBODY, self.typed(node, "pending rooms"))
            self.assertNotIn(key("apr2"), node.service.registry.get("Comptabilité").members)

    def test_acceptedBeforeWithdrawn(self) -> None:
        """
        apr3, a guest on node B, parts Comptabilité, which it waits to
        enter, as A's console accepts it: the acceptance came first and
        holds, apr3 is told its request was already accepted and enters
        the room, never told it was withdrawn; the room's founder is told
        nothing, and nobody logs a withdrawal.
        """
        guest, founder = self.waitingGuest("apr3")
        with capturedLogs() as events:
            accepted = self.partAndAccept(guest, first="accept")
        self.assertEqual("accepted apr3 in Comptabilité (a guest: until they leave)", accepted)
        said = "\n".join(guest.lines())
        self.assertIn(f"442 apr3 #Comptabilité :{WAS_ACCEPTED}", said)
        self.assertIn("JOIN #Comptabilité", said)
        self.assertIn("an operator accepted you in Comptabilité", said)
        self.assertNotIn("withdrawn", said)
        self.assertEqual("", output(founder, self.clock).decode())
        for node in (self.a, self.b):
            self.assertEqual(NOBODY, self.typed(node, "pending rooms"))
            self.assertIn(key("apr3"), node.service.registry.get("Comptabilité").members)
        self.assertEqual([], [e for e in events if "withdrew" in e.get("log_format", "")])
