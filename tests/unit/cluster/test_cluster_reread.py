"""
A node sharing the store re-reads it when its link to the cluster's bus
comes up (it may have missed changes); during a database outage that
re-read waits for the store, says so once without a traceback, and is
done as soon as the store answers.
"""

from __future__ import annotations

from typing import cast

from twisted.logger import ILogObserver, LogEvent, LogLevel, globalLogPublisher

from chatd.core.names import key
from tests.support.outagenodes import OutageNodesCase
from tests.support.persistencecase import DATABASE_DOWN


class RereadTests(OutageNodesCase):
    """
    Nodes C{a} and C{b} sharing one database; C{bob} registered on C{a}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.a, "bob", "bobpw")
        self.logged: list[LogEvent] = []
        observer = cast(ILogObserver, self.logged.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)

    def said(self, level: LogLevel) -> list[str]:
        return [
            e.get("log_format", "")
            for e in self.logged
            if e.get("log_level") == level and "shared store" in e.get("log_format", "")
        ]

    def test_outageThenBack(self) -> None:
        """
        Redis comes back during the outage: C{b}'s re-read fails with one
        warning and no traceback (no critical line), and once the store
        answers it is done (what C{b} missed is read) and logged.
        """
        persistence = self.b.service.persistence
        assert persistence is not None
        persistence.registered.discard(key("bob"))  # (a change it missed)
        self.store.down |= DATABASE_DOWN
        self.b.bridge.linkDown()
        self.b.bridge.linkUp()
        self.b.turns()
        self.b.bridge.linkDown()  # (twice: still one warning)
        self.b.bridge.linkUp()
        self.b.turns()
        self.assertEqual(self.said(LogLevel.critical), [])
        self.assertEqual(len(self.said(LogLevel.warn)), 1)
        self.assertNotIn(key("bob"), persistence.registered)
        self.store.answersAgain()
        self.b.turns()
        self.assertIn(key("bob"), persistence.registered)
        self.assertEqual(len(self.said(LogLevel.info)), 1)
        self.assertEqual(self.said(LogLevel.critical), [])
