# -*- test-case-name: tests.unit.irc.test_irc_separators,tests.unit.irc.test_irc_message -*-
"""
What an IRC line may carry of any text: L{ircText}, the one rule the IRC
encoder applies to every line it sends (every parameter, a topic, a
reason, an away message, a real name, message text) whichever front-end,
administrator or stored row the text came from.

Besides what would end or corrupt the line (CR, LF, NUL: L{ircSafe}), the
characters that other readers take for line ends become spaces: VT, FF,
NEL (U+0085) and the Unicode line and paragraph separators (U+2028,
U+2029), on which Python's C{str.splitlines} (and so many a bot) cuts a
line; the words they separated stay apart.  They are the separators the
other front-ends show as spaces (L{chatd.core.text.plain}).
"""

from __future__ import annotations

from chatd.core.text import ircSafe

#: The line and page separators besides CR and LF, as spaces.
LINE_SEPARATORS = {0x0B: " ", 0x0C: " ", 0x85: " ", 0x2028: " ", 0x2029: " "}

_ANY_SEPARATOR = frozenset(map(chr, LINE_SEPARATORS))


def ircText(text: str) -> str:
    """
    C{text} as an IRC line may carry it: CR, LF, NUL and the line and page
    separators (L{LINE_SEPARATORS}) become spaces; the other characters
    L{chatd.core.text.checkText} refuses are dropped; IRC's formatting
    codes, CTCP's C{\\x01} and TAB stay.
    """
    if not _ANY_SEPARATOR.isdisjoint(text):
        text = text.translate(LINE_SEPARATORS)
    return ircSafe(text)
