"""
Two cluster nodes and a class across them, for the tests of how a change
of chatd operator rights shows on each node (L{chatd.core.rightschange}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import Consoles
from tests.support.fakenode import IRCClient, sharedStoreNodes
from tests.support.fakeredis import FakeRedis


class ClassAcrossNodes(SynchronousTestCase):
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

    def turns(self) -> None:
        """Both nodes hear each other out."""
        for _ in range(3):
            self.a.turns()
            self.b.turns()
