# -*- test-case-name: tests.unit.talk.test_echo,tests.unit.talk.test_talk_charmode -*-
"""
The server's echo and line editor for a telnet client in character mode.

A client in character mode (it asked the server to echo: C{IAC DO ECHO})
sends every key as it is pressed and shows nothing itself.  L{ServerEcho}
edits the line as the keys come, as a BBS or a MUD does, and works out
what the terminal must show for them; the line it hands on at Enter is the
line the screen shows, so the screen and what is said always agree:

 - a backspace or C{DEL} erases one character as the person sees it (a
   grapheme cluster, L{lastCluster}: a letter typed with a combining
   accent, a flag, a family emoji), shown as C{\\b \\b} for each column;
 - C{^W} erases the word before the cursor (and the spaces after it),
   C{^U} the whole line;
 - a TAB shows as one space;
 - escape sequences (arrow, Home, End, Delete and function keys: C{ESC [}
   or C{ESC O} and what follows) and other control characters are ignored:
   neither shown nor kept;
 - a byte that is not UTF-8 shows as C{U+FFFD}; erased, it leaves the line
   like any character; kept, the line is refused at Enter as not UTF-8;
 - a line that grows past C{maxLength} bytes ends there, as if Enter had
   been pressed, and is handed on whole, to be refused as too long, once;
   the rest of it, up to the next Enter, is dropped (a pasted line of any
   length), and what is typed after that starts a new line.

It keeps the line typed so far, so that talk mode can show it again below
a message that arrives meanwhile (L{typed}).
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterator

from chatd.core.graphemes import lastCluster
from chatd.lines.columns import width

#: What moves the cursor back one column and blanks what was there.
RUB_OUT = b"\b \b"

_ERASE_CHARACTER = "\x08\x7f"
_ERASE_WORD = "\x17"
_ERASE_LINE = "\x15"
_LINE_END = "\r\n"
#: A byte that is not UTF-8, decoded as a lone surrogate, shows as U+FFFD.
#: A TAB shows as one space, whatever the tab stops.
_SHOWN = {ord("\t"): " "} | {code: "\ufffd" for code in range(0xDC80, 0xDD00)}


def _bytes(text: str) -> bytes:
    """The bytes typed for C{text}: a byte that is not UTF-8 as it came."""
    return text.encode("utf-8", "surrogateescape")


class ServerEcho:
    """
    One connection's line editor: the line being typed, and what the
    terminal must show for each key.

    @ivar maxLength: the bytes a line may hold (C{--max-line-length}).
    """

    def __init__(self, maxLength: int = 4096) -> None:
        self.maxLength = maxLength
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self._line: list[str] = []
        self._size = 0  # the bytes of the line
        self._escape = 0  # in an escape sequence: 1 after ESC, 2 after ESC [
        self._dropping = False  # the rest of a line handed on too long

    def typed(self) -> bytes:
        """
        The line typed so far, as shown (nothing right after Enter).
        """
        return "".join(self._line).translate(_SHOWN).encode("utf-8")

    def reset(self) -> None:
        """
        Forget the line typed so far (the echo stops, or starts anew).
        """
        self._line.clear()
        self._size = 0
        self._decoder.reset()
        self._escape = 0
        self._dropping = False

    def take(self) -> bytes:
        """
        The line typed so far, as typed (with the start of a character not
        yet complete), forgotten: the echo stopped before it ended.
        """
        held = _bytes("".join(self._line)) + self._decoder.getstate()[0]
        self.reset()
        return held

    def feed(self, data: bytes) -> Iterator[tuple[bytes, bytes | None]]:
        """
        Edit the line with the keys in C{data} (line ends as the telnet
        layer delivers them: C{\\r} or C{\\n}).

        @return: in order, what the terminal must show, each with the line
            it ended (its bytes and C{\\n}, to hand on after it is shown),
            or C{None} for what shows within a line.
        """
        shown: list[str] = []
        for ch in self._decoder.decode(data):
            if self._escape:
                self._escaped(ch)
            elif ch == "\x1b":
                self._escape = 1
            elif self._dropping:  # up to its end, which ends nothing more
                self._dropping = ch not in _LINE_END
            elif ch in _LINE_END:
                shown.append("\r\n")
                yield self._shown(shown), self._end(b"")
                shown = []
            elif ch in _ERASE_CHARACTER:
                shown.append(self._erase(lastCluster("".join(self._line))))
            elif ch == _ERASE_WORD:
                text = "".join(self._line)
                word = len(text.rstrip())
                while word and not text[word - 1].isspace():
                    word -= 1
                shown.append(self._erase(text[word:]))
            elif ch == _ERASE_LINE:
                shown.append(self._erase("".join(self._line)))
            elif ch == "\t" or unicodedata.category(ch) != "Cc":
                size = len(_bytes(ch))
                if self._size + size > self.maxLength:
                    # Too long: it ends here, handed on to be refused.
                    shown.append("\r\n")
                    yield self._shown(shown), self._end(_bytes(ch))
                    shown, self._dropping = [], True
                    continue
                self._line.append(ch)
                self._size += size
                shown.append(ch)
        if shown:
            yield self._shown(shown), None

    @staticmethod
    def _shown(shown: list[str]) -> bytes:
        return "".join(shown).translate(_SHOWN).encode("utf-8")

    def _end(self, more: bytes) -> bytes:
        """The line typed (and C{more}), to hand on; a new line starts."""
        line = _bytes("".join(self._line)) + more + b"\n"
        self._line.clear()
        self._size = 0
        return line

    def _erase(self, erased: str) -> str:
        """Take C{erased}, the end of the line, away: what rubs it out."""
        if not erased:
            return ""
        del self._line[len(self._line) - len(erased) :]
        self._size -= len(_bytes(erased))
        return "\b \b" * width(erased)

    def _escaped(self, ch: str) -> None:
        # An escape sequence (an arrow or function key: ESC [ A, ESC O P)
        # is not shown: its bytes after ESC would show as text.
        if ch == "\x1b":
            self._escape = 1
        elif self._escape == 1 and ch in "[O":
            self._escape = 2
        elif self._escape == 2 and "\x20" <= ch <= "\x3f":
            pass  # parameters (ESC [ 1 ; 5 C)
        else:
            self._escape = 0
