"""
A room's settings that the shared database stores only once it answers
again (L{chatd.core.storedsettings.SettingsWriter} retried the write) are
told to the other nodes sharing it then too: one that re-read the database
meanwhile (its link to the cluster came back) read the old settings, and
would keep them.
"""

from __future__ import annotations

import json

from chatd.admin.commands import AdminConsole
from chatd.storage.interfaces import APPROVAL, OPEN
from tests.support.fakenode import IRCClient
from tests.support.outagenodes import OutageNodesCase, SharedNodesCase
from tests.support.slowrooms import SlowRoomStore


class RetriedSettingsTests(OutageNodesCase):
    """
    Nodes C{a} and C{b} sharing one database, on which the room C{lobby}
    is kept; then the database refuses writes.
    """

    def setUp(self) -> None:
        super().setUp()
        self.console("add room lobby")
        self.store.down.add("saveRoom")

    def console(self, line: str) -> str:
        reply = self.a.outcome(AdminConsole(self.a.service, "root").execute, line)
        self.settle()
        text: str = self.successResultOf(reply)
        return text

    def rereadOnB(self) -> None:
        """Node B's link to the cluster comes back: it re-reads the database."""
        self.b.bridge.linkDown()
        self.b.bridge.linkUp()
        self.settle()

    def test_approvalToldOnceStored(self) -> None:
        """
        Node A's console makes C{lobby} an approval room: its reply says
        the database did not store it yet, and node B holds it at once;
        B re-reads the database, which still says open.  Once the database
        answers, A's retried write lands, and an IRC user of B who joins
        C{lobby} is told that the room needs accepting.
        """
        self.assertIn("could not store this yet", self.console("set room lobby approval on"))
        self.assertEqual(self.b.service.roomMode("lobby"), APPROVAL)
        self.rereadOnB()
        self.assertEqual(self.b.service.roomMode("lobby"), OPEN)
        self.store.answersAgain()
        self.settle()
        _, told = self.ircOn(self.b, "NICK pupil", "USER p 0 * :p", "JOIN #lobby")
        awaits = ":your request to enter this room awaits an operator's approval"
        self.assertIn(f":chatd 473 pupil #lobby {awaits}", told)
        self.assertFalse([line for line in told if " JOIN " in line], told)


class JoinedWriteTests(SharedNodesCase):
    """
    Nodes C{a} and C{b} sharing one database that stores a room's settings
    only when the test says (L{SlowRoomStore}); C{alice} on A runs the
    kept room C{lobby}.
    """

    def makeStore(self) -> SlowRoomStore:
        self.slow = SlowRoomStore()
        return self.slow

    def setUp(self) -> None:
        super().setUp()
        reply = self.a.outcome(AdminConsole(self.a.service, "root").execute, "add room lobby")
        self.slow.store()
        self.settle()
        self.successResultOf(reply)
        self.alice = IRCClient(self.a, self.clock, "alice", "Alice")
        self.addCleanup(self.alice.proto.connectionLost, None)
        self.alice.send("JOIN #lobby")
        self.successResultOf(
            self.a.outcome(AdminConsole(self.a.service, "root").execute, "roomop lobby alice")
        )
        self.settle()
        self.slow.store()
        self.settle()

    def test_capacityToldOnceStored(self) -> None:
        """
        C{MODE #lobby +l 5} is written at once (a mode change), and the
        capacity asked stored as that write is under way: once it lands,
        node B is told the settings the store holds, the capacity in them.
        """
        told = len(self.redis.published)
        self.alice.send("MODE #lobby +l 5")
        self.settle()
        self.slow.store()
        self.settle()
        stored = [
            json.loads(text)
            for inbox, text in self.redis.published[told:]
            if inbox.endswith(":inbox:b") and '"stored"' in text
        ]
        self.assertEqual([(s["sk"], s["f"]["s"]["capacity"]) for s in stored], [("settings", 5)])
