# -*- test-case-name: tests.unit.irc.test_irc_queries,tests.unit.irc.test_irc_monitor -*-
"""
Replies that list things (C{WHOIS}'s channels, C{ISON}, C{NAMES},
C{MONITOR}, C{005}): as many items per line as fit in IRC's 512 bytes,
then another line of the same numeric, never an item cut in two, as
InspIRCd and Solanum send them.  A client reads each line's items and
adds them up; a cut one would name a nickname or channel that does not
exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatd.irc import numerics as N
from chatd.irc.isupport import isupportTokens
from chatd.irc.message import MAX_LINE, formatLine
from chatd.irc.session import IRCSession


def groups(
    irc: IRCSession,
    code: str,
    *params: str,
    items: Iterable[str],
    separator: str = " ",
    after: tuple[str, ...] = (),
    most: int | None = None,
) -> list[list[str]]:
    """
    C{items} in order, in groups that each fit, joined by C{separator},
    in one C{code} line to this client between C{params} and C{after}
    (with C{most} items at most, when the numeric limits its parameters).
    An item too long for any line is a group of its own.
    """
    head = formatLine(code, irc.me(), *params, "x", *after, prefix=irc.server, trailing=True)
    budget = MAX_LINE - 2 - len(head.encode("utf-8")) + 1  # "x" stood for the items
    out: list[list[str]] = []
    group: list[str] = []
    used = 0
    for item in items:
        size = len(item.encode("utf-8")) + (len(separator) if group else 0)
        if group and (used + size > budget or (most is not None and len(group) >= most)):
            out.append(group)
            group, used = [], 0
            size = len(item.encode("utf-8"))
        group.append(item)
        used += size
    if group:
        out.append(group)
    return out


def sendList(
    irc: IRCSession, code: str, *params: str, items: Iterable[str], separator: str = " "
) -> None:
    """
    C{code} lines to this client, C{params} then C{items} joined by
    C{separator} as their last parameter, as many lines as they need; one
    line, empty, when there are none (C{ISON}, C{USERHOST} answer so).
    """
    for group in groups(irc, code, *params, items=items, separator=separator) or [[]]:
        irc.numeric(code, *params, separator.join(group))


def sendIsupport(irc: IRCSession) -> None:
    """
    C{005}: the ISUPPORT tokens, at most 12 a line (with the client and
    the closing text, the 15 parameters a line may have), fewer when they
    are long (a long C{NETWORK} name).
    """
    tail = ("are supported by this server",)
    tokens = isupportTokens(irc.factory)
    for group in groups(irc, N.RPL_ISUPPORT, items=tokens, after=tail, most=12):
        irc.numeric(N.RPL_ISUPPORT, *group, *tail)
