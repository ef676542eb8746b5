"""
A reload of the operator names in a cluster, where each node reloads its
own configuration (docs/CLUSTER.md: give every node the same
C{--operators}): each node shows the change to the members it serves and
tells the person only if it serves them (L{chatd.core.rightschange}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import Consoles
from chatd.core.operators import configureOperators
from tests.support.fakenode import IRCClient, sharedStoreNodes
from tests.support.fakeredis import FakeRedis


class ReloadAcrossNodesTests(SynchronousTestCase):
    """
    Nodes C{a} and C{b} sharing one store: the teacher C{msjones} signed in
    to her account on b, a pupil on a, both in C{#class}, which the pupil
    created.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.a, self.b = sharedStoreNodes(self, FakeRedis(self.clock))
        self.a.turns()
        created = Consoles(self.a.service)("root").execute("add account msjones Chalk9999")
        self.a.turns()
        self.assertIn("account msjones created", self.successResultOf(created))
        self.pupil = IRCClient(self.a, self.clock, "pupil", "P")
        self.teacher = IRCClient(self.b, self.clock, "msjones", "T", sasl=("msjones", "Chalk9999"))
        for client in (self.pupil, self.teacher):
            self.addCleanup(client.proto.connectionLost, None)
        self.pupil.send("JOIN #class")
        self.a.turns()
        self.teacher.send("PART #Général", "JOIN #class")
        self.b.turns()
        self.pupil.read()
        self.teacher.read()

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
