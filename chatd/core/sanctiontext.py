# -*- test-case-name: tests.unit.core.test_moderation -*-
"""
How a sanction reads to people: to the person it holds back ("you are
muted for 9m 58s more: spam") and to the administrators who list them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatd.modstore import Sanction


def describe(sanction: Sanction, now: float) -> str:
    """
    What a sanction means for its target, e.g. C{"for 9m 58s more: spam"}.
    """
    span = "for good" if sanction.until is None else f"for {formatSpan(sanction.until - now)} more"
    return f"{span}: {sanction.reason}" if sanction.reason else span


def formatSpan(seconds: float) -> str:
    """
    A duration for people: C{"1d 2h"}, C{"9m 58s"}, C{"3s"}.
    """
    left = max(0, int(seconds + 0.999))
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
    return " ".join(parts[:2])
