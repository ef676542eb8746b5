# -*- test-case-name: tests.unit.core.test_names -*-
"""
Latin small capitals (C{ᴀ ʙ ɢ ɪ ɴ ʀ ᴛ}) read as the letters they are.
UTS #39's C{confusables.txt} maps only some of them (C{ᴄ}, C{ꜱ}) and leaves
the others as themselves, and they are Latin, so no mixed-script rule
catches them: without this table C{ɴickServ}, C{ᴀdmin} or C{ᴛᴇᴀᴄʜ} would
pass for names of their own.  The table is made from the Unicode names
(C{LATIN LETTER SMALL CAPITAL N}), so it follows the Python it runs on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: A small capital of one plain Latin letter, by its Unicode name: not a
#: turned, reversed or barred one, nor a ligature (C{ᴁ}), which read as
#: letters of their own.
_SMALL_CAPITAL = re.compile(r"(?:LATIN|MODIFIER) (?:CAPITAL )?LETTER SMALL CAPITAL ([A-Z])")

#: The blocks that hold them: IPA extensions, phonetic extensions (and
#: their supplement), Latin Extended-D and -E, Latin Extended-F and -G.
_BLOCKS = (
    range(0x0250, 0x0300),
    range(0x1D00, 0x1DC0),
    range(0xA720, 0xA800),
    range(0xAB30, 0xAB70),
    range(0x10780, 0x107C0),
    range(0x1DF00, 0x1E000),
)


@lru_cache(maxsize=1)
def smallCapitals() -> dict[str, str]:
    """Each small capital letter, with the capital Latin letter it reads as."""
    table = {}
    for block in _BLOCKS:
        for code in block:
            match = _SMALL_CAPITAL.fullmatch(unicodedata.name(chr(code), ""))
            if match is not None:
                table[chr(code)] = match.group(1)
    return table
