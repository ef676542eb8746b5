"""
The daemon's garbage-collector thresholds.
"""

from __future__ import annotations

import gc

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.gcpolicy import THRESHOLDS, tuneCollector
from chatd.options import Options
from chatd.tap import makeService


class CollectorTests(SynchronousTestCase):
    def setUp(self) -> None:
        before = gc.get_threshold()
        self.addCleanup(gc.set_threshold, *before)
        gc.set_threshold(700, 10, 10)

    def test_tuned(self) -> None:
        """
        L{tuneCollector} collects the young generation far less often than
        CPython's default (700 allocations), and keeps collecting.
        """
        tuneCollector()
        self.assertEqual(gc.get_threshold(), THRESHOLDS)
        self.assertGreater(THRESHOLDS[0], 700)
        self.assertTrue(gc.isenabled())

    def test_daemonTunes(self) -> None:
        """
        Building the daemon sets the thresholds.
        """
        options = Options()
        options.parseOptions(["--data-dir", self.mktemp(), "--web", "none", "--admin", "off"])
        makeService(options, MemoryReactorClock())
        self.assertEqual(gc.get_threshold(), THRESHOLDS)
