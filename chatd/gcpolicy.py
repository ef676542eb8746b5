# -*- test-case-name: tests.unit.test_gcpolicy -*-
"""
How often the daemon's garbage collector runs.

CPython collects its youngest generation every 700 net allocations of
container objects, and each collection walks every object allocated since.
A chat daemon allocates in bursts (a thousand logins, a message to a room of
thousands) and its long-lived objects (connections, rooms, people) are not
garbage: at the default, a burst of WebSocket logins spends about a sixth of
its CPU in collections that free nothing.  The daemon's data structures make
few reference cycles, so collecting less often costs little memory.
"""

from __future__ import annotations

import gc

#: Young collections every 50,000 allocations; an older one every 20 of
#: those; the oldest every 100 of these (and CPython still skips a full
#: collection until a quarter of the long-lived objects are new).
THRESHOLDS = (50_000, 20, 100)


def tuneCollector() -> None:
    """
    Set the collector's thresholds for a long-running daemon (L{THRESHOLDS}).
    """
    gc.set_threshold(*THRESHOLDS)
