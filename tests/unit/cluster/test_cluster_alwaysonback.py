"""
An always-on account back on another cluster node (L{chatd.core.alwayson}):
it left its last connection on node C{a}, its stand-in stayed there, and it
signs in again on node C{b}, which has C{a} let the stand-in go; it is told
what it missed there as on C{a}, through TCHAT and IRC alike, once.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from tests.support.fakenode import FakeNode
from tests.support.helpers import connect, output
from tests.support.outagenodes import SharedNodesCase

#: What ann's login is told when three messages came in lobby meanwhile.
MISSED = "while you were away: 3 in lobby new since you last read"


class AlwaysOnBackElsewhereTests(SharedNodesCase):
    """
    Nodes C{a} and C{b} sharing one database; ann registered, always on,
    in lobby, who left from C{a}; bob, on C{b}, says three lines there.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.a, "ann", "sesame1")
        self.registerOn(self.a, "bob", "secret1")

    def tchat(self, node: FakeNode, *lines: str) -> tuple[Any, StringTransport, list[str]]:
        """A TCHAT connection to C{node} that sent C{lines}, and what it was answered."""
        factory = TchatFactory(node.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)  # the greeting
        return proto, transport, self.send(proto, transport, *lines)

    def irc(self, node: FakeNode, *lines: str) -> tuple[Any, StringTransport, list[str]]:
        """An IRC connection to C{node} that sent C{lines}, and what it was answered."""
        factory = IRCFactory(node.service, self.clock, floodBurst=None, aliveAfter=60)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        return proto, transport, self.send(proto, transport, *lines, newline="\r\n")

    def send(
        self, proto: Any, transport: StringTransport, *lines: str, newline: str = "\n"
    ) -> list[str]:
        """C{lines} sent on C{proto}: the lines it is answered, once the nodes settle."""
        proto.dataReceived("".join(line + newline for line in lines).encode())
        for _ in range(3):
            self.settle()
        return output(transport, self.clock).decode().splitlines()

    def speak(self, node: FakeNode, count: int) -> None:
        """bob, signed in on C{node} over TCHAT, says C{count} lines in lobby and leaves."""
        bob, transport, _ = self.tchat(node, "clt: LOGIN bob secret1", "clt: ENTER lobby")
        lines = [f"clt: SPEAK lobby\nclt: line {n}\nclt: ." for n in range(count)]
        self.assertEqual(self.send(bob, transport, *lines).count("srv: OKAY!"), count)
        bob.connectionLost(None)
        self.settle()

    def annAwayFromA(self) -> None:
        """
        ann signs in on C{a} over IRC, is put in lobby, turns always on
        and quits: she stays there, absent, as C{b} sees too; a second
        later bob, on C{b}, says three lines in lobby.
        """
        proto, transport, said = self.irc(
            self.a, "PASS sesame1", "NICK ann", "USER ann 0 * :Ann", "JOIN #lobby", "ALWAYSON ON"
        )
        self.assertIn("NOTE ALWAYSON ON ", "\n".join(said))
        self.send(proto, transport, "QUIT :later", newline="\r\n")
        proto.connectionLost(None)
        self.settle()
        lobby = self.b.service.registry.find("lobby")
        assert lobby is not None
        self.assertIn("ann", lobby.members)
        self.clock.advance(1)
        self.speak(self.b, 3)

    def missedNotices(self, lines: list[str]) -> list[str]:
        return [line for line in lines if "while you were away" in line]

    def test_tchatBackOnOtherNode(self) -> None:
        """
        ann back over TCHAT on C{b}: after her groups, a NOTICE counts the
        three lines said in lobby while she was away, once.
        """
        self.annAwayFromA()
        ann, transport, said = self.tchat(self.b, "clt: LOGIN ann sesame1")
        self.assertEqual(said[0], "srv: OKAY!", said)
        self.assertEqual(self.missedNotices(said), [f"srv: {MISSED}"])
        self.assertLess(said.index("srv: you are in Général, lobby"), said.index(f"srv: {MISSED}"))
        self.clock.advance(1)
        self.assertEqual(self.missedNotices(self.send(ann, transport)), [])

    def test_ircBackOnOtherNode(self) -> None:
        """
        ann back over IRC on C{b}: after lobby's C{JOIN}, a C{NOTICE} counts
        the three lines said there while she was away, once.
        """
        self.annAwayFromA()
        proto, transport, said = self.irc(self.b, "PASS sesame1", "NICK ann", "USER ann 0 * :Ann")
        notices = self.missedNotices(said)
        self.assertEqual(notices, [f":chatd NOTICE ann :{MISSED}"], said)
        joined = said.index(":ann!ann@user/ann JOIN #lobby")
        self.assertLess(joined, said.index(notices[0]))
        self.clock.advance(1)
        self.assertEqual(self.missedNotices(self.send(proto, transport)), [])

    def test_backOnSameNode(self) -> None:
        """
        ann back over TCHAT on C{a}, where her stand-in is: told the same,
        once.
        """
        self.annAwayFromA()
        _, _, said = self.tchat(self.a, "clt: LOGIN ann sesame1")
        self.assertEqual(said[0], "srv: OKAY!", said)
        self.assertEqual(self.missedNotices(said), [f"srv: {MISSED}"])

    def test_thereAndBackAgain(self) -> None:
        """
        ann back on C{b}, then away from there (her stand-in now on C{b}),
        and back on C{a} after bob said two lines: she is told of those
        two, counted from when she left C{b}.
        """
        self.annAwayFromA()
        ann, _, said = self.tchat(self.b, "clt: LOGIN ann sesame1")
        self.assertEqual(self.missedNotices(said), [f"srv: {MISSED}"])
        ann.connectionLost(None)
        self.settle()
        self.clock.advance(1)
        self.speak(self.b, 2)
        _, _, said = self.tchat(self.a, "clt: LOGIN ann sesame1")
        self.assertEqual(said[0], "srv: OKAY!", said)
        two = "srv: while you were away: 2 in lobby new since you last read"
        self.assertEqual(self.missedNotices(said), [two])

    def test_notAlwaysOnNotCounted(self) -> None:
        """
        An account that is not always on leaves its rooms when it quits:
        its login on another node is told nothing of the kind.
        """
        ann, transport, _ = self.tchat(self.a, "clt: LOGIN ann sesame1", "clt: ENTER lobby")
        ann.connectionLost(None)
        self.settle()
        self.clock.advance(1)
        self.speak(self.a, 3)
        _, _, said = self.tchat(self.b, "clt: LOGIN ann sesame1")
        self.assertEqual(said[0], "srv: OKAY!", said)
        self.assertIn("srv: you are in Général, lobby", said)
        self.assertEqual(self.missedNotices(said), [])
