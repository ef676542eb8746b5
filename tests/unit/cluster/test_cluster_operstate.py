"""
A node that meets another anew learns its users from its whole state
(L{chatd.cluster.inbound.Inbound.remote_state}), an operator (IRC's C{OPER})
among them with their rights, and the others even if one user's entry
cannot be taken.
"""

from __future__ import annotations

from chatd.cluster.remote import RemoteParticipant
from tests.support.fakenode import FakeNode, TwoNodes


def numerics(lines: list[str], *codes: str) -> list[str]:
    """The codes of C{lines} among C{codes}, in order."""
    return [line.split()[1] for line in lines if len(line.split()) > 1 and line.split()[1] in codes]


class OperatorInStateTests(TwoNodes):
    """
    On node a, the IRC guest C{gop} in C{#gx} became an operator with
    C{OPER}, and C{bystander} is signed in; node c starts afterwards.
    """

    def setUp(self) -> None:
        super().setUp()
        self.gop = self.ircClient(self.a, "gop")
        self.gop.proto.factory.operChecker = self.operChecker()
        self.gop.send("JOIN #gx", "OPER operuser operpassword")
        self.a.turns()
        self.assertIn(" 381 gop ", self.gop.read())
        self.a.user("bystander", "gx")
        self.c = FakeNode(self, self.redis, "c")
        self.c.start()
        self.settle()
        self.viewer = self.ircClient(self.c, "viewer")

    def test_newNodeLearnsEveryone(self) -> None:
        """
        Node c knows the operator and the others of node a: C{WHOIS} finds
        them, C{NAMES} lists them.
        """
        self.viewer.send("WHOIS gop", "WHOIS bystander", "NAMES #gx")
        told = self.viewer.lines()
        self.assertEqual(numerics(told, "311", "401"), ["311", "311"], told)
        names = [line for line in told if " 353 " in line]
        self.assertEqual(len(names), 1, told)
        self.assertEqual(sorted(names[0].split(":")[-1].split()), ["@gop", "bystander"])

    def test_newNodeSeesOperator(self) -> None:
        """
        C{WHOIS gop} on node c says C{313}: the rights of C{OPER} hold on
        every node; C{bystander} has none.
        """
        self.viewer.send("WHOIS gop")
        told = self.viewer.lines()
        self.assertEqual(numerics(told, "313"), ["313"], told)
        self.viewer.send("WHOIS bystander")
        told = self.viewer.lines()
        self.assertEqual(numerics(told, "311", "313"), ["311"], told)


class StateEntryFailsTests(TwoNodes):
    """
    One user's entry in a whole state that cannot be taken (its rooms are
    not a list) is logged, and the rest of the state is taken.
    """

    def test_otherUsersTaken(self) -> None:
        self.b.bridge.remote_state(
            "x",
            {
                "users": [["broken", 5], ["whole", ["lobby"]]],
                "rooms": ["lobby"],
                "pf": {"whole": {"p": "irc"}},
            },
        )
        self.assertEqual(len(self.flushLoggedErrors(TypeError)), 1)
        whole = self.b.service.find("whole")
        self.assertIsInstance(whole, RemoteParticipant)
        assert whole is not None
        self.assertEqual(self.b.service.roomsOf(whole), ["lobby"])
        # Its node says it is there: the failure here does not drop it.
        self.assertIsInstance(self.b.service.find("broken"), RemoteParticipant)
