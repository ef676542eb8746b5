"""
The console's C{op} and C{deop}, and IRC's C{OPER}, in a cluster: the node
where the change is made shows it to the members it serves, and every other
node, as it copies the change, to the members it serves; the person is told
once (L{chatd.core.rightschange}).
"""

from __future__ import annotations

from chatd.admin.commands import Consoles
from tests.support.operpasswords import operChecker
from tests.support.opsnodes import ClassAcrossNodes


def lines(text: str, part: str) -> list[str]:
    return [line for line in text.splitlines() if part in line]


class ConsoleRightsAcrossNodesTests(ClassAcrossNodes):
    """
    The console of node C{a}, which serves the pupil, changes the rights of
    C{msjones}, whom node C{b} serves.
    """

    def teacherIsOperator(self) -> bool:
        """Whether node b, which serves her, holds her an operator."""
        teacher = self.b.service.find("msjones")
        assert teacher is not None
        return self.b.service.isOperator(teacher)

    def test_opShownOnEveryNode(self) -> None:
        """
        C{op msjones} on a: the pupil sees C{MODE #class +o msjones} from
        a, the teacher from b as b copies the grant; she is told once.
        """
        done = Consoles(self.a.service)("root").execute("op msjones")
        self.turns()
        self.assertIn("is now an operator", self.successResultOf(done))
        plus = ":services.chatd MODE #class +o msjones"
        self.assertEqual(lines(self.pupil.read(), " MODE "), [plus])
        told = self.teacher.read()
        self.assertEqual(lines(told, " MODE "), [plus])
        self.assertEqual(len(lines(told, "made you an operator")), 1, told)
        self.assertTrue(self.teacherIsOperator())

    def test_deopShownOnEveryNode(self) -> None:
        """
        C{deop msjones} on a, after its C{op}: both see C{-o}, once each.
        """
        console = Consoles(self.a.service)("root")
        done = console.execute("op msjones")
        self.turns()
        self.successResultOf(done)
        self.pupil.read()
        self.teacher.read()
        done = console.execute("deop msjones")
        self.turns()
        self.assertIn("no longer an operator", self.successResultOf(done))
        minus = ":services.chatd MODE #class -o msjones"
        self.assertEqual(lines(self.pupil.read(), " MODE "), [minus])
        told = self.teacher.read()
        self.assertEqual(lines(told, " MODE #"), [minus])
        self.assertFalse(self.teacherIsOperator())


class OperAcrossNodesTests(ClassAcrossNodes):
    """
    The teacher's C{OPER} on node b, as another node's pupil sees it.
    """

    def setUp(self) -> None:
        super().setUp()
        self.teacher.proto.factory.operChecker = operChecker(self, self.clock)

    def test_operAndItsEndShownOnEveryNode(self) -> None:
        """
        C{OPER} on b: the pupil on a sees C{MODE #class +o msjones} once;
        C{MODE msjones -o} on b: C{-o}, once.
        """
        self.teacher.send("OPER operuser operpassword")
        self.turns()
        plus = ":services.chatd MODE #class +o msjones"
        self.assertEqual(lines(self.teacher.read(), " MODE #"), [plus])
        self.assertEqual(lines(self.pupil.read(), " MODE "), [plus])
        self.teacher.send("MODE msjones -o")
        self.turns()
        minus = ":services.chatd MODE #class -o msjones"
        self.assertEqual(lines(self.teacher.read(), " MODE #"), [minus])
        self.assertEqual(lines(self.pupil.read(), " MODE "), [minus])

    def test_replyBeforeChannelsWhileOtherNodeHears(self) -> None:
        """
        The reply to C{OPER} waits for node a to hear of it, and so does
        the teacher's own share of the channels' C{+o}, which follows the
        reply; C{MODE msjones -o} likewise: its echo, then the C{-o}.
        """
        self.a.hold()
        self.teacher.send("OPER operuser operpassword")
        self.b.turns()
        self.assertNotIn(" MODE ", self.teacher.read())
        self.a.release()
        self.turns()
        told = self.teacher.read().splitlines()
        hostmask = self.teacher.proto.hostmask()
        self.assertEqual(
            told,
            [
                ":chatd 381 msjones :You are now an IRC operator",
                f":{hostmask} MODE msjones :+o",
                ":services.chatd MODE #class +o msjones",
            ],
        )
        self.a.hold()
        self.teacher.send("MODE msjones -o")
        self.b.turns()
        self.assertEqual(self.teacher.read(), "")
        self.a.release()
        self.turns()
        told = self.teacher.read().splitlines()
        self.assertEqual(
            told, [f":{hostmask} MODE msjones :-o", ":services.chatd MODE #class -o msjones"]
        )
