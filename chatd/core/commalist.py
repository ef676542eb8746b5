# -*- test-case-name: tests.unit.core.test_commalist -*-
"""
The one reading of a comma-separated value an operator types (C{--rooms},
C{--operators}, C{--limit-exempt}, ..., on the command line or in the
config file): the items between the commas, without the spaces around
them (C{"lobby, garden"} is C{lobby} and C{garden}), empty ones dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def commaList(value: str) -> list[str]:
    """
    The items of the comma-separated C{value}, stripped of the spaces
    around them; empty ones are dropped.
    """
    return [item for item in (each.strip() for each in value.split(",")) if item]


def parseEach(value: str, parse: Callable[[str], T]) -> list[T]:
    """
    C{parse} of each item of C{value} (L{commaList}).

    @raise ValueError: C{parse} refused an item; the text names it.
    """
    parsed = []
    for item in commaList(value):
        try:
            parsed.append(parse(item))
        except ValueError as error:
            if repr(item) in str(error):
                raise
            raise ValueError(f"{item!r}: {error}") from error
    return parsed
