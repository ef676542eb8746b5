"""
The stamps of masks removed from a room's lists are kept for a while only
(L{chatd.core.roommerge.withoutOldRemovals}): a room whose bans churn does
not keep, and store, a stamp for every mask it ever had; and a whole state
merged where one node dropped such a stamp leaves every node with the same
masks.
"""

from __future__ import annotations

import re

from chatd.core import roommerge
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, IRCClient
from tests.support.roomclusters import ClusterCase

#: How long the tests keep a removed mask's stamp (not a week: seconds).
KEPT = 100


def bans(client: IRCClient) -> list[str]:
    """The ban masks of C{#lobby} that IRC C{client} is shown."""
    client.read()
    client.send("MODE #lobby b")
    return sorted(re.findall(r" 367 \S+ #lobby (\S+) ", client.read()))


class MaskStampTests(ClusterCase):
    """
    Nodes A, with C{alice}, operator of C{#lobby}, and B, with C{bob} in
    it, each with a store of its own; a removed mask's stamp is kept
    L{KEPT} seconds.
    """

    def setUp(self) -> None:
        super().setUp()
        self.patch(roommerge, "REMOVALS_KEPT", float(KEPT))
        self.stores = [MemoryChatStore(), MemoryChatStore()]
        for store in self.stores:
            store.startService()
        self.a = self.node("a", store=self.stores[0])
        self.b = self.node("b", store=self.stores[1])
        self.alice = self.member(self.a, "alice")
        self.console(self.a, "roomop lobby alice")
        self.bob = self.member(self.b, "bob")

    def mode(self, change: str) -> None:
        self.alice.send(f"MODE #lobby {change}")
        self.settle()

    def later(self, seconds: int) -> None:
        for _ in range(seconds):
            self.clock.advance(1)
            self.settle()

    def maskStamps(self, store: MemoryChatStore) -> list[str]:
        """The masks of C{#lobby} whose stamps C{store} holds."""
        rooms = self.successResultOf(store.load()).rooms
        lobby = next(room for room in rooms if room.name == "lobby")
        return sorted(name for name in lobby.stamps if name.startswith("b:"))

    def restartB(self) -> IRCClient:
        """
        B, down since it crashed, starts again on its store and trades
        states with A: C{dave} in C{#lobby} there.
        """
        restarted: FakeNode = self.restart(self.b, "d", self.stores[1])
        self.a.release()
        self.settle()
        return self.member(restarted, "dave")

    def test_removedStampsDropped(self) -> None:
        """
        Bans set and removed on A are stamped, and stored, on both nodes;
        once they are older than L{KEPT}, the next change of the room's
        bans drops their stamps, on both nodes and in both stores, and
        the ban lists stay as they were.
        """
        for n in range(5):
            self.mode(f"+b-b churn{n}!*@* churn{n}!*@*")
        self.mode("+b kept!*@*")
        churned = [f"b:churn{n}!*@*" for n in range(5)]
        for store in self.stores:
            self.assertEqual(self.maskStamps(store), [*churned, "b:kept!*@*"])
        self.later(KEPT + 1)
        self.mode("+b new!*@*")
        for store in self.stores:
            self.assertEqual(self.maskStamps(store), ["b:kept!*@*", "b:new!*@*"])
        for client in (self.alice, self.bob):
            self.assertEqual(bans(client), ["kept!*@*", "new!*@*"])

    def test_missedRemovalWithinBound(self) -> None:
        """
        B crashes holding a ban that A removes next; A's bans change again
        before L{KEPT} has passed, and B restarts: the removal's stamp
        stands against B's older copy of the ban, which is gone on both.
        """
        self.mode("+b gone!*@*")
        self.b.crash()
        self.mode("-b gone!*@*")
        self.later(KEPT // 2)
        self.mode("+b other!*@*")
        dave = self.restartB()
        for client in (self.alice, dave):
            self.assertEqual(bans(client), ["other!*@*"])

    def test_missedRemovalPastBound(self) -> None:
        """
        The same, but A's bans change again once L{KEPT} has passed: the
        removal's stamp is dropped, and B's copy of the ban comes back,
        on both nodes alike (a node down that long brings it back).
        """
        self.mode("+b gone!*@*")
        self.b.crash()
        self.mode("-b gone!*@*")
        self.later(KEPT + 1)
        self.mode("+b other!*@*")
        dave = self.restartB()
        for client in (self.alice, dave):
            self.assertEqual(bans(client), ["gone!*@*", "other!*@*"])

    def test_prunedAgainstKeptRemoval(self) -> None:
        """
        B applied the removal, then crashed with its stamp; A drops that
        stamp past L{KEPT}; B restarts and the nodes trade states: the ban
        stays removed on both, and the old stamp is dropped on B too, in
        its store as in A's.
        """
        self.mode("+b gone!*@*")
        self.mode("-b gone!*@*")
        self.b.crash()
        self.later(KEPT + 1)
        self.mode("+b other!*@*")
        self.assertEqual(self.maskStamps(self.stores[1]), ["b:gone!*@*"])
        dave = self.restartB()
        for client in (self.alice, dave):
            self.assertEqual(bans(client), ["other!*@*"])
        for store in self.stores:
            self.assertEqual(self.maskStamps(store), ["b:other!*@*"])

    def test_lateBanKeepsItsStamp(self) -> None:
        """
        B reads A's new ban only once L{KEPT} has passed (slow to read its
        inbox): the ban is not taken for one removed long ago, and B keeps,
        and stores, its stamp with it.
        """
        self.b.hold()
        self.mode("+b late!*@*")
        self.later(KEPT + 1)
        self.b.release()
        self.settle()
        self.assertEqual(bans(self.bob), ["late!*@*"])
        self.assertEqual(self.maskStamps(self.stores[1]), ["b:late!*@*"])
