# -*- test-case-name: tests.unit.admin.test_admin_columns,tests.unit.talk.test_echo -*-
"""
The columns a terminal shows of some text, not its characters, for the
admin console's tables and talk mode's echo of what is typed: a room or
nickname in East Asian wide characters (C{日本語}) takes two columns a
character, a combining accent none, a Hangul syllable typed as jamo
(C{ᄒ}, C{ᅡ}, C{ᆫ}) two as its precomposed form C{한}, and an emoji sequence (a family
joined by zero-width joiners, a thumb with a skin tone) two, drawn as one
emoji as current terminals draw it; so padding by C{len} would push the
rest of its row out of line, and rubbing out by C{len} would leave half
a character on the screen.
"""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """
    The terminal columns C{text} takes.
    """
    columns = 0
    joined = False
    for char in text:
        if joined or 0x1F3FB <= ord(char) <= 0x1F3FF:
            joined = False  # drawn in the glyph of the emoji before
            continue
        joined = char == "\u200d"
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        if 0x1160 <= ord(char) <= 0x11FF or 0xD7B0 <= ord(char) <= 0xD7FF:
            continue  # a Hangul vowel or final jamo: drawn in its syllable's two columns
        columns += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return columns


def pad(text: str, columns: int) -> str:
    """
    C{text} followed by spaces to fill C{columns} terminal columns (as
    C{f"{text:<columns}"} does for narrow text).
    """
    return text + " " * max(0, columns - width(text))
