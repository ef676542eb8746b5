# -*- test-case-name: tests.unit.lines.test_lineproto,tests.unit.test_overlong_frontends -*-
"""
Lines over the length limit (C{--max-line-length}), for
L{chatd.lines.lineproto.ChatLineReceiver}: each is refused in its turn,
only its start kept, and the connection stays open; but their bytes are
counted (L{overlongAllowance}), and a peer that sends more of them than a
client ever does (a line that never ends, or one over-long line after
another) is cut off, as talk mode cuts off bytes that never end a line and
the admin console a line past 16 KiB.  Reading and dropping them cost the
reactor time for nothing, however fast they came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.lines.handler import REFUSED_START
from chatd.lines.throttle import TokenBucket

if TYPE_CHECKING:
    from chatd.lines.factory import ChatFactory

#: Why such a connection is cut (C{floodRefused}, then closed as a flood).
ENDLESS_LINE = "flooding: a line without end"


class TooLong:
    """
    A line over the length limit, refused in its turn: only its start is kept.
    """

    __slots__ = ("start",)

    def __init__(self, line: bytes) -> None:
        self.start = line[:REFUSED_START]


def cost(line: bytes | TooLong) -> int:
    """
    What a line waiting to be handled counts against the flood limit: its
    bytes and its line end, so that empty lines (a flood of bare C{\\n})
    count too; a refused one, the start it keeps.
    """
    return 1 + (len(line.start) if isinstance(line, TooLong) else len(line))


def overlongAllowance(factory: ChatFactory) -> TokenBucket:
    """
    The bytes of over-long lines one connection of C{factory}'s may send:
    what a throttled client may have waiting (C{floodBacklog}, 64 KiB) and
    a line more at once, then a line's worth (C{maxLineLength}) a second.
    A client that ends its lines never comes near: a few pasted lines too
    long are refused, and it stays.
    """
    limit = factory.maxLineLength
    return TokenBucket(factory.clock, limit, factory.floodBacklog + limit)
