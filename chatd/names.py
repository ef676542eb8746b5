# -*- test-case-name: tests.test_service -*-
"""
Nickname and room-name rules, shared by every front-end.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 16


def normalize(name: str) -> str:
    """
    The form a name is stored and displayed in: Unicode NFC, so that
    C{Général} typed with a combining accent is the same room.
    """
    return unicodedata.normalize("NFC", name)


def isValidName(name: str) -> bool:
    """
    Whether C{name} (already normalized) is 1 to 16 letters (any script),
    digits, C{_} or C{-}.
    """
    return 0 < len(name) <= MAX_NAME_LENGTH and all(
        ch == "-" or ch == "_" or ch.isalnum() for ch in name
    )


def key(name: str) -> str:
    """
    The case-insensitive identity of a name: C{Alice} and C{alice} are one.
    """
    return normalize(name).casefold()
