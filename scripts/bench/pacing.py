# -*- test-case-name: tests.unit.test_bench -*-
"""
Phase (a) at a steady pace (C{--rate}) instead of as fast as it goes.

How much CPU a delivery costs depends on the load: a saturated daemon reads
many lines per reactor turn and writes each member a turn's messages at
once, a half-busy one wakes up more often and writes less at a time.  To
compare one node with a node of a cluster at the same load, each sender
sends at a fixed rate (open loop), the same per node whatever the number of
nodes; W still caps a sender's messages in flight, so a daemon that cannot
keep up is not buried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

Sender = TypeVar("Sender")


class Pace(Generic[Sender]):
    """
    How many messages each sender owes to keep C{perSecond} in all, spread
    evenly over the senders, since the pace began.
    """

    def __init__(
        self,
        perSecond: float,
        senders: list[Sender],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.perSender = perSecond / len(senders)
        self.clock = clock
        self.began = clock()
        self.sent = dict.fromkeys(senders, 0)

    def owed(self, sender: Sender) -> int:
        """
        The messages C{sender} is behind its pace by, now.
        """
        due = int((self.clock() - self.began) * self.perSender)
        return due - self.sent[sender]

    def took(self, sender: Sender, count: int) -> None:
        """
        C{sender} sent C{count} more messages.
        """
        self.sent[sender] += count
