# -*- test-case-name: tests.unit.talk.test_echo -*-
"""
The server's echo for a telnet client in character mode.

A client in character mode (it asked the server to echo: C{IAC DO ECHO})
sends every key as it is pressed and shows nothing itself.  L{ServerEcho}
works out what the terminal must show for what arrived: the characters
typed, a line end for Enter, and C{\\b \\b} for each column a backspace,
C{DEL}, C{^U} or telnet's erase commands take away, as a BBS or a MUD
does.  A backspace or C{DEL} erases one character as the person sees it
(a grapheme cluster, L{lastCluster}: a letter typed with a combining
accent, a flag, a family emoji), from the screen and from the line sent
alike (L{chatd.talk.telnet.editLine}).  A TAB shows as one space.  Other
control characters and escape sequences (an arrow key's) are not shown:
the line that holds them is refused when it is sent.  It keeps the line
typed so far, so that talk mode can show it again below a message that
arrives meanwhile (L{typed}).
"""

from __future__ import annotations

import codecs
import unicodedata

from chatd.core.graphemes import lastCluster
from chatd.lines.columns import width

#: What moves the cursor back one column and blanks what was there.
RUB_OUT = b"\b \b"

_ERASE_CHARACTER = "\x08\x7f"
_ERASE_LINE = "\x15"
_LINE_END = "\r\n"


class ServerEcho:
    """
    One connection's echo: what the terminal must show for what was typed.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._line: list[str] = []
        self._escape = 0  # in an escape sequence: 1 after ESC, 2 after ESC [

    def typed(self) -> bytes:
        """
        The line typed so far and shown (nothing right after Enter).
        """
        return "".join(self._line).encode("utf-8")

    def reset(self) -> None:
        """
        Forget the line typed so far (the echo stops, or starts anew).
        """
        self._line.clear()
        self._decoder.reset()
        self._escape = 0

    def feed(self, data: bytes) -> bytes:
        """
        Take the application data that arrived (line ends as the telnet
        layer delivers them: C{\\r} or C{\\n}) and return what the terminal
        must show for it.
        """
        shown: list[str] = []
        for ch in self._decoder.decode(data):
            if self._escape:
                self._escaped(ch)
            elif ch == "\x1b":
                self._escape = 1
            elif ch in _LINE_END:
                shown.append("\r\n")
                self._line.clear()
            elif ch in _ERASE_CHARACTER:
                erased = lastCluster("".join(self._line))
                del self._line[len(self._line) - len(erased) :]
                shown.append("\b \b" * width(erased))
            elif ch == _ERASE_LINE:
                shown.append("\b \b" * width("".join(self._line)))
                self._line.clear()
            elif ch == "\t" or unicodedata.category(ch) != "Cc":
                ch = " " if ch == "\t" else ch  # one column, whatever the tab stops
                self._line.append(ch)
                shown.append(ch)
        return "".join(shown).encode("utf-8")

    def _escaped(self, ch: str) -> None:
        # An escape sequence (an arrow or function key: ESC [ A, ESC O P)
        # is not shown: its bytes after ESC would show as text.
        if self._escape == 1 and ch in "[O":
            self._escape = 2
        elif self._escape == 2 and "\x20" <= ch <= "\x3f":
            pass  # parameters (ESC [ 1 ; 5 C)
        else:
            self._escape = 0
