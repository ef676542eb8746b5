# -*- test-case-name: tests.unit.admin.test_admin_commands -*-
"""
Durations, points in time and counts as administrators type them: ASCII
digits only (C{str.isdigit} and C{\\d} also take C{５} or C{١٧}, which no form
the console lists has).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SPAN = re.compile(r"([0-9]+)([smhdw]?)")

#: The longest timeout an administrator may give (ten years): longer is a
#: typing slip, and past it times stop fitting a calendar or a store; a ban
#: is what lasts for good.
MAX_DURATION = 3650 * 86400


#: The forms of a point in time, to the millisecond (C{2026-11-20T14:00:05.250}).
TIME_FORMS = tuple(
    f"%Y-%m-%d{between}%H:%M{rest}" for rest in (":%S.%f", ":%S", "") for between in (" ", "T")
) + ("%Y-%m-%d",)


def parseDuration(text: str) -> int:
    """
    Seconds in C{30}, C{10m}, C{2h}, C{1d}, C{1h30m}; a bare number is seconds.

    @raise ValueError: anything else, zero, or more than L{MAX_DURATION}.
    """
    text = text.strip().lower()
    pos, total = 0, 0
    while pos < len(text):
        match = _SPAN.match(text, pos)
        if match is None:
            raise ValueError(f"not a duration: {text!r}")
        total += int(match[1]) * _UNITS[match[2] or "s"]
        pos = match.end()
    if not text or total <= 0 or total > MAX_DURATION:
        raise ValueError(f"not a duration: {text!r}")
    return total


def isCount(text: str) -> bool:
    """
    Whether C{text} is a whole number in ASCII digits.
    """
    return text.isascii() and text.isdigit()


def parseTime(text: str, now: float) -> float:
    """
    A Unix time from C{2026-11-20 14:00} (UTC, or C{2026-11-20T14:00}, to
    the second or the millisecond), C{2026-11-20}, a span ago
    such as C{1h} or C{30m}, or a Unix time such as C{1795000000}.

    @raise ValueError: none of those, or a time before 1970 or more than
        L{MAX_DURATION} after C{now}.
    """
    if not text.isascii():  # strptime's %Y takes any script's digits
        raise ValueError(f"not a time: {text!r}")
    when = _parseTime(text.strip(), now)
    if not 0 <= when <= now + MAX_DURATION:
        raise ValueError(f"time out of range: {text!r}")
    return when


def _parseTime(text: str, now: float) -> float:
    if isCount(text):
        return float(text)
    for pattern in TIME_FORMS:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC).timestamp()
    return now - parseDuration(text)


def formatTime(when: float) -> str:
    """
    C{2026-11-20 14:00:05} (UTC) for a Unix time; never raises (a reply
    or listing must not fail on an odd stored time): a time the calendar
    cannot show is given as a Unix time.
    """
    try:
        return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"Unix time {when:.0f}"


def exactTime(millis: int) -> str:
    """
    C{2026-11-20T14:00:05.250} (UTC) for a Unix time in milliseconds: a
    moment L{parseTime} reads back to the millisecond, in one word.
    """
    return formatTime(millis // 1000).replace(" ", "T") + f".{millis % 1000:03d}"
