# -*- test-case-name: tests.unit.lines.test_lineproto,tests.unit.test_overlong_frontends -*-
"""
Lines over the length limit (C{--max-line-length}), for
L{chatd.lines.lineproto.ChatLineReceiver}: the rest of each is dropped as
it comes, only its start kept (nothing of it is held, however long it is),
and once its end comes it is refused in its turn, once, and the connection
stays open.  The flood limit counts it as the one line it is, not its bytes.
"""

from __future__ import annotations

from chatd.lines.handler import REFUSED_START

#: Why talk mode cuts a connection whose bytes never reach a line (telnet
#: commands without end: L{chatd.talk.protocol}).
ENDLESS_LINE = "flooding: a line without end"


class TooLong:
    """
    A line over the length limit, refused in its turn: only its start is kept.
    """

    __slots__ = ("start",)

    def __init__(self, line: bytes) -> None:
        self.start = line[:REFUSED_START]


#: What a line's end counts against the flood limit, besides its bytes
#: (L{cost}; the line protocols add it to a line's length inline, a line
#: at a time being the hot path).
LINE_END_COST = 1


def cost(line: bytes | TooLong) -> int:
    """
    What a line waiting to be handled counts against the flood limit: its
    bytes and its line end, so that empty lines (a flood of bare C{\\n})
    count too; a refused one, the start it keeps.
    """
    return LINE_END_COST + (len(line.start) if isinstance(line, TooLong) else len(line))
