# -*- test-case-name: tests.unit.core.test_presence -*-
"""
The service's presence watch lists (L{chatd.core.presence}): told by
L{chatd.core.people.People} of every name given and freed.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.presence import Presence
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant


class Watcher:
    """
    Records what it is told.
    """

    def __init__(self) -> None:
        self.told: list[tuple[str, bool]] = []

    def presenceChanged(self, nick: str, online: bool) -> None:
        self.told.append((nick, online))


class Broken:
    def presenceChanged(self, nick: str, online: bool) -> None:
        raise RuntimeError("boom")


class PresenceTests(SynchronousTestCase):
    def test_watchByKey(self) -> None:
        """
        Names are watched by their key: C{ALICE} watched hears of C{alice};
        the list keeps names as given, once each.
        """
        presence, w = Presence(), Watcher()
        self.assertEqual(presence.watch(w, ["ALICE", "alice", "bob"], 0), [])
        self.assertEqual(presence.watching(w), ["ALICE", "bob"])
        presence.arrived("alice")
        presence.departed("Bob")
        self.assertEqual(w.told, [("alice", True), ("Bob", False)])

    def test_limit(self) -> None:
        """
        Past the limit, names are refused and returned; 0 is no limit.
        """
        presence, w = Presence(), Watcher()
        self.assertEqual(presence.watch(w, ["a", "b", "c"], 2), ["c"])
        self.assertEqual(presence.watch(w, ["a", "d"], 2), ["d"])
        self.assertEqual(presence.watch(Watcher(), [str(i) for i in range(500)], 0), [])

    def test_unwatchAndClear(self) -> None:
        """
        Names unwatched or cleared are no longer told of.
        """
        presence, w = Presence(), Watcher()
        presence.watch(w, ["a", "b"], 0)
        presence.unwatch(w, ["A"])
        presence.arrived("a")
        presence.clear(w)
        presence.arrived("b")
        self.assertEqual(w.told, [])
        self.assertEqual(presence.watching(w), [])

    def test_brokenWatcher(self) -> None:
        """
        A watcher that raises is logged; the others are still told.
        """
        presence, w = Presence(), Watcher()
        presence.watch(Broken(), ["a"], 0)
        presence.watch(w, ["a"], 0)
        with capturedLogs() as events:
            presence.arrived("a")
        self.assertEqual(w.told, [("a", True)])
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertTrue(events)

    def test_serviceLoginRenameLogout(self) -> None:
        """
        The service's people tell its presence of logins, renames (not a
        change of case only) and logouts, whatever the front-end.
        """
        service = ChatService(Clock())
        w = Watcher()
        service.people.presence.watch(w, ["bob", "robert", "Robert"], 0)
        bob = RecordingParticipant()
        service.connect(bob)
        service.login(bob, "bob")
        service.rename(bob, "robert")
        service.rename(bob, "Robert")
        service.disconnect(bob)
        self.assertEqual(
            w.told, [("bob", True), ("bob", False), ("robert", True), ("Robert", False)]
        )
