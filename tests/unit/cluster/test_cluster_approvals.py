"""
Approval rooms in a cluster (L{chatd.core.sharing}, L{chatd.core.approvals}):
a room made an approval room on one node is one on every node, and a
request made on one node is listed, with its time, and told to the room's
operators, on the others.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.events import Notice
from chatd.storage.interfaces import APPROVAL
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, accountNodes
from tests.support.fakeredis import FakeRedis

START = 1_795_000_000  # 2026-11-18 11:06:40 UTC


class ClusterApprovalTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()
        self.store.startService()
        self.a, self.b = accountNodes(self, self.redis, lambda: self.store)
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def run_(self, node: FakeNode, line: str) -> str:
        reply = node.outcome(AdminConsole(node.service, "root").execute, line)
        self.settle()
        text: str = self.successResultOf(reply)
        return text

    def test_setRoomApprovalEverywhere(self) -> None:
        """
        C{set room NAME approval on} on node A makes the room an approval
        room on node B too.
        """
        self.assertEqual(
            "Blabla is now an approval room: whoever enters it needs accepting",
            self.run_(self.a, "set room Blabla approval on"),
        )
        self.assertEqual(APPROVAL, self.b.service.roomMode("Blabla"))
        pupil = self.b.user("pupil1")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, pupil, "Blabla"), errors.PendingApproval
        )

    def test_requestListedAndToldEverywhere(self) -> None:
        """
        A request made on node B is listed by C{pending rooms} on node A
        with its time, counted by C{rooms}, and told to the room's operator
        on A.
        """
        helper = self.a.user("helper")
        self.failureResultOf(
            self.a.outcome(self.a.service.enter, helper, "Informatique"), errors.PendingApproval
        )
        self.settle()
        self.run_(self.a, "accept pending helper Informatique")
        self.run_(self.a, "roomop Informatique helper")
        helper.events.clear()
        self.clock.advance(60)
        pupil = self.b.user("pupil1")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, pupil, "Informatique"), errors.PendingApproval
        )
        self.settle()
        self.assertIn(
            "pupil1            Informatique      2026-11-18 11:07:40",
            self.run_(self.a, "pending rooms"),
        )
        rows = {
            line.split()[0]: line.split()[1:] for line in self.run_(self.a, "rooms").splitlines()
        }
        self.assertEqual("1", rows["Informatique"][-1])
        told = [e.text for e in helper.events if isinstance(e, Notice)]
        self.assertEqual(1, len(told), told)
        self.assertTrue(told[0].startswith("pupil1 asks to enter Informatique"), told)
