"""
Tests for L{chatd.cluster.rooms}: two changes of one room setting from one
node apply in the order they were made on every node, even within the same
instant and whoever made them; changes made at once on two nodes end the
same everywhere.
"""

from __future__ import annotations

from tests.support.fakenode import TwoNodes


class SameInstantTests(TwoNodes):
    """
    Room operators C{zed} and C{alice} of C{den} on node A, C{bob} on B; the
    clock does not move between their changes.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.a.user("alice")
        self.a.outcome(self.a.service.createRoom, self.alice, "den")
        self.a.outcome(self.a.service.enter, self.alice, "den")
        self.zed = self.a.user("zed", "den")
        self.bob = self.b.user("bob", "den")
        self.a.service.changeRoomModes(self.alice, "den", [(True, "o", "zed"), (True, "o", "bob")])
        self.settle()

    def settings(self) -> list[tuple[str | None, str | None, int | None]]:
        return [
            (
                node.service.topic("den"),
                node.service.roomKey("den"),
                node.service.replica.roomState("den")["l"],
            )
            for node in (self.a, self.b)
        ]

    def test_laterChangeFromOneNodeWins(self) -> None:
        """
        C{zed} sets the topic, key and capacity, then C{alice} (a name
        sorting first) changes them in the same instant: both nodes end
        with C{alice}'s.
        """
        service = self.a.service
        service.setTopic(self.zed, "den", "first")
        service.changeRoomModes(self.zed, "den", [(True, "k", "one"), (True, "l", "5")])
        service.setTopic(self.alice, "den", "second")
        service.changeRoomModes(self.alice, "den", [(True, "k", "two"), (True, "l", "9")])
        self.settle()
        self.assertEqual(self.settings(), [("second", "two", 9), ("second", "two", 9)])

    def test_laterChangeAfterOtherNodes(self) -> None:
        """
        A change made after one applied from the other node, in the same
        instant, wins on both nodes.
        """
        self.b.service.setTopic(self.bob, "den", "bob's")
        self.settle()
        self.a.service.setTopic(self.alice, "den", "alice's")
        self.settle()
        self.assertEqual(self.settings()[0][0], "alice's")
        self.assertEqual(self.settings()[1][0], "alice's")

    def test_concurrentChangesConverge(self) -> None:
        """
        C{alice} on A and C{bob} on B change the topic and key in the same
        instant while Redis is away: once it is back, both nodes show the
        same topic and key.
        """
        self.down()
        self.a.service.setTopic(self.alice, "den", "alice's")
        self.a.service.changeRoomMode(self.alice, "den", True, "k", "a")
        self.b.service.setTopic(self.bob, "den", "bob's")
        self.b.service.changeRoomMode(self.bob, "den", True, "k", "b")
        self.up()
        first, second = self.settings()
        self.assertEqual(first, second)
