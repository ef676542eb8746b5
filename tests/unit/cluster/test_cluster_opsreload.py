"""
A reload of the operator names in a cluster, where each node reloads its
own configuration (docs/CLUSTER.md: give every node the same
C{--operators}): each node shows the change to the members it serves and
tells the person only if it serves them (L{chatd.core.rightschange}).
"""

from __future__ import annotations

from chatd.core.operators import configureOperators
from tests.support.opsnodes import ClassAcrossNodes


class ReloadAcrossNodesTests(ClassAcrossNodes):
    """
    A reload on each node of L{ClassAcrossNodes}.
    """

    def test_eachNodeTellsItsOwn(self) -> None:
        """
        Node a's reload listing C{msjones} shows C{+o} to the pupil it
        serves and tells her nothing (b serves her); b's own reload tells
        her, once, and shows her C{+o}.
        """
        configureOperators(self.a.service, ["op", "msjones"])
        self.a.turns()
        self.assertIn(":services.chatd MODE #class +o msjones", self.pupil.read())
        self.assertEqual(self.teacher.read(), "")
        configureOperators(self.b.service, ["op", "msjones"])
        self.b.turns()
        told = self.teacher.lines()
        self.assertIn("the server's configuration made you an operator", told[0])
        self.assertIn(":services.chatd MODE #class +o msjones", told[1])
        self.assertEqual(told[2:], [""])
        self.assertEqual(self.pupil.read(), "")
