# -*- test-case-name: tests.unit.test_tchat -*-
"""
TCHAT's message bodies: which command lines open one (L{chatd.tchat} reads
them), and a body being read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: What each client line starts with.
PREFIX = "clt: "
#: A body's last line; the answer to a probe; where a line's text starts.
END, ALIVE, TEXT = PREFIX + ".", PREFIX + "ALIVE", len(PREFIX)
#: The verbs whose command line opens a body, ended by C{clt: .} (C{TOPIC}:
#: chatd's extension, L{chatd.tchatextra}).
BODY_VERBS = ("SPEAK", "MSGPV", "TOPIC")


def bodyVerb(start: bytes) -> str | None:
    """
    The verb of a command line that opens a body, read from the line's first
    bytes (its start is ASCII): so a line refused undecoded (too long, not
    UTF-8) still opens its body, and the body's lines are not run as commands.
    """
    if not start.startswith(PREFIX.encode()):
        return None
    verb = start[len(PREFIX) :].partition(b" ")[0].decode("ascii", "replace")
    return verb if verb in BODY_VERBS else None


class Body:
    """
    A SPEAK, MSGPV or TOPIC body being read: what to do with it once it ends.

    C{aliveOwed}: the body began as the first line after C{srv: ALIVE}, which
    the client had not read yet; its C{clt: ALIVE} answer may come inside.
    C{refused}: the body, or the line that opened it, broke a rule: it is
    still read to its end, then refused as a whole.
    """

    __slots__ = ("command", "argument", "lines", "size", "refused", "aliveOwed")

    def __init__(
        self, command: Callable[[str, tuple[str, ...]], Any], argument: str, aliveOwed: bool
    ) -> None:
        self.command, self.argument = command, argument
        self.lines: list[str] = []
        self.size = 0
        self.refused = False
        self.aliveOwed = aliveOwed
