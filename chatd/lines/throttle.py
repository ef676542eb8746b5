# -*- test-case-name: tests.unit.test_flood_frontends,tests.unit.web.test_web_flood -*-
"""
What a flood limit means for a client of chatd's front-ends, beyond its
token bucket (L{chatd.core.tokenbucket.TokenBucket}): how many lines a line
client (TCHAT, talk, IRC) may have waiting (L{waitingLines}), what it is
told once they wait (L{waitingNotice}), and one rule of what text costs
(L{textTokens}), so that the same message costs the same on every
front-end.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Lines a throttled line client (TCHAT, talk, IRC) may have waiting for the
#: flood limit beyond the lines of one whole message (L{waitingLines}).
WAITING_LINES = 50


def waitingLines(bodyLines: int) -> int:
    """
    Lines a line client may have waiting for its flood limit before its
    connection ends as a flood: L{WAITING_LINES} beyond the C{bodyLines}
    of a whole message (C{--max-body-lines}: a TCHAT body, an IRC
    C{draft/multiline} batch), which may come at once.  On top of the burst
    let through at once, so a paste that fits a message is never cut.
    """
    return WAITING_LINES + bodyLines


def waitingNotice(rate: float) -> str:
    """
    What a line client is told, once, when its lines start to wait for its
    flood limit of C{rate} lines a second.
    """
    lines = "line" if rate == 1 else "lines"
    return (
        f"you are sending faster than {rate:g} {lines} a second:"
        " your lines wait and are sent in turn"
    )


def textTokens(lines: Iterable[str], lineBytes: int) -> int:
    """
    The tokens text costs under a flood limit: one per line, as a line
    protocol (TCHAT, talk) reads it, where a line holds at most C{lineBytes}
    bytes of UTF-8 (C{--max-line-length}); so a longer line, which another
    front-end may send whole, counts as the lines it would take there.  At
    least one.
    """
    sizes = (len(line.encode("utf-8", "surrogatepass")) for line in lines)  # (JSON: lone ones)
    return max(1, sum(max(1, -(-size // lineBytes)) for size in sizes))
