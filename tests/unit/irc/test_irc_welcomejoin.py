"""
Tests for the time of an IRC client's own C{JOIN} shown at its welcome:
the entry's, the moment the room's other members were shown, however long
the welcome took (a cluster's round trip), as C{docs/IRC.md} promises.
"""

from __future__ import annotations

from chatd.irc.servertime import serverTime
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.slowcluster import SlowCluster


class WelcomeJoinTimeTests(IRCStoreTestCase):
    """
    The account C{alice}, whose rooms (C{Général}) are entered at its login.
    """

    def test_welcomeJoinHasEntryTime(self) -> None:
        """
        The JOIN a client is shown at its welcome, for a room its login put
        it in, carries the time of the entry, the one the room's members
        were shown, though the welcome came later.
        """
        bob, tb = self.client()
        self.send(bob, tb, "CAP REQ server-time", "NICK bob", "USER b 0 * :B", "CAP END")
        self.send(bob, tb, "JOIN #Général")
        cluster = SlowCluster(lambda: len(self.service.members(bob, "Général")) > 1)
        self.service.observer = cluster  # type: ignore[assignment]
        alice, ta = self.client()
        self.send(alice, ta, "CAP REQ server-time", "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.send(alice, ta, "CAP END")
        entered = self.clock.seconds()
        [seen] = [m for m in self.send(bob, tb) if m.command == "JOIN"]
        self.assertEqual(seen.tags["time"], serverTime(entered))
        self.clock.advance(2)  # the other nodes answer later
        self.assertTrue(cluster.heard)  # the welcome waits for it
        self.service.observer = None
        for heard in cluster.heard:
            heard.callback(None)
        [own] = [m for m in self.send(alice, ta) if m.command == "JOIN"]
        self.assertEqual((own.params[0], own.tags["time"]), ("#Général", serverTime(entered)))

    def test_otherConnectionJoinedNow(self) -> None:
        """
        A second connection of the account, to rooms its person was in
        before it signed in, is shown its JOIN at the welcome's moment.
        """
        first, tf = self.client()
        self.send(first, tf, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.clock.advance(60)
        second, ts = self.client()
        lines = ["CAP REQ server-time", "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END"]
        told = self.send(second, ts, *lines)
        [own] = [m for m in told if m.command == "JOIN"]
        self.assertEqual(own.tags["time"], serverTime(self.clock.seconds()))
