# -*- test-case-name: tests.unit.core.test_text,tests.unit.test_text_protocols,tests.unit.test_ctcp_frontends,tests.unit.test_bidi_frontends -*-  # noqa: E501
"""
What text chatd accepts from people, and what each kind of client is shown.

Two rules, each with one home here:

 - B{Input.}  The service checks every piece of text a person sends that
   is relayed or stored (message lines, topics, reasons, away and operator
   messages) with L{checkText}, the same for every front-end.  It refuses
   what no client can show or store safely: lone surrogates (a JSON string
   may hold them; UTF-8 cannot encode them, so neither can a database), NUL,
   CR and LF inside a line, the other C0 controls (ESC, BEL, backspace...)
   and DEL and the C1 controls.  It keeps TAB, C{\\x01} (IRC's CTCP, as in
   C{/me}: in a message, only where L{checkCtcp} puts it) and IRC's
   formatting codes (bold, colour, italic, ...: C{\\x02 \\x03 \\x04 \\x0f
   \\x11 \\x16 \\x1d \\x1e \\x1f}), which IRC users type.

 - B{Output.}  Each wire format's encoder makes text safe for its clients
   once per event (see L{chatd.core.events.Event.wire}), so text from any source
   (an administrator, a stored row written before these rules, another
   cluster node) is covered too: L{plain} for terminals and browsers (TCHAT,
   talk, web: no control character but TAB, IRC formatting removed) and
   L{ircText} for IRC (formatting kept, nothing that ends or corrupts a line).
   Both close the bidi controls a text leaves open (L{chatd.core.bidi}).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from chatd.core.bidi import BIDI_CONTROLS, closedBidi
from chatd.core.errors import InvalidArgument
from chatd.core.graphemes import clusterCut

#: What L{checkText} refuses: C0 controls but TAB, CTCP's \x01 and IRC's
#: formatting codes; DEL and C1; any surrogate (a str from valid UTF-8 or
#: from JSON pairs never holds one: only a lone surrogate gets here).
_REFUSED = re.compile("[\x00\x05-\x08\x0a-\x0e\x10\x12-\x15\x17-\x1c\x7f-\x9f\ud800-\udfff]")

#: IRC formatting: colour codes with their numbers (C{\\x0304,12}), hex
#: colours (C{\\x04ff0000}), and the one-character toggles; CTCP's \x01.
_FORMATTING = re.compile(
    r"\x03(?:\d{1,2}(?:,\d{1,2})?)?"
    r"|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
    r"|[\x01\x02\x0f\x11\x16\x1d\x1e\x1f]"
)

#: What a terminal or a browser is never sent: every control but TAB, and
#: the Unicode line and paragraph separators, which Python's
#: C{str.splitlines} (and so many a client) takes for line ends.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

_LINE_BREAK = re.compile("\r\n|\r|\n")

#: Line and page separators, which L{plain} shows as spaces.
#: The line and page separators besides CR and LF (VT, FF, NEL, U+2028,
#: U+2029): every front-end shows them as spaces.
LINE_SEPARATORS = {0x0B: " ", 0x0C: " ", 0x85: " ", 0x2028: " ", 0x2029: " "}

_ANY_SEPARATOR = frozenset(map(chr, LINE_SEPARATORS))

#: What IRC lines never carry: the refused characters (IRC formatting,
#: CTCP and TAB stay).
_IRC_UNSAFE = _REFUSED

#: The CTCP form of an action (IRC's C{/me}): C{\\x01ACTION waves\\x01}
#: (the closing C{\\x01} may be missing; nothing comes after it).
_ACTION = re.compile("\x01ACTION ([^\x01]*)\x01?")


class InvalidText(InvalidArgument):
    """
    Text with a character chatd does not accept (see L{checkText}); an
    L{InvalidArgument}, so TCHAT answers C{ERROR 10}.
    """

    reason = "the text holds a character chatd does not accept"


def refusedCharacter(text: str) -> str | None:
    """
    The first character of C{text} that L{checkText} refuses, or C{None}.
    """
    found = _REFUSED.search(text)
    return None if found is None else found.group()


def checkText(text: str, what: str = "message") -> str:
    """
    Return C{text} if chatd accepts it as (one line of) C{what}.

    @raise InvalidText: C{text} holds a lone surrogate, NUL, CR, LF or
        another control character (see the module docstring); the error
        names it as C{U+XXXX}, never the character itself.
    """
    found = _REFUSED.search(text)
    if found is not None:
        raise InvalidText(
            f"the {what} holds U+{ord(found.group()):04X} ({_describe(found.group())}),"
            " which chatd does not accept"
        )
    return text


#: Longest topic, reason for leaving or removing someone, or away text, in
#: bytes of UTF-8: what IRC advertises as C{TOPICLEN}, C{KICKLEN} and
#: C{AWAYLEN}, which count bytes, so that the IRC line carrying one holds
#: it whole in any script (379 ASCII characters, 126 of Chinese, 94
#: emoji).  The longest such line is a C{KICK} with names as long as ASCII
#: names go, from someone signed in to an account of 16 characters:
#: C{:<nick 16>!<ident 16>@user/<account 16> KICK #<room 49> <nick 16>
#: :<reason>} and its CR LF take 133 of IRC's 512 bytes besides the reason
#: (a guest's 20-character cloak, L{chatd.core.hosts}, one less).
MAX_TEXT_BYTES = 379


def bytesInCharacters(limit: int) -> str:
    """
    A limit of C{limit} bytes of UTF-8 as a person counts it, for every
    refusal that states one: C{379 bytes of UTF-8 (379 ASCII characters,
    126 Chinese or Japanese ones)}, three bytes each (most emoji take four).
    """
    return (
        f"{limit} bytes of UTF-8 ({limit} ASCII characters, {limit // 3} Chinese or Japanese ones)"
    )


def checkShortText(text: str, what: str) -> str:
    """
    L{checkText}, for a topic or a reason: one line of at most
    L{MAX_TEXT_BYTES} bytes of UTF-8.

    @raise InvalidArgument: it is longer.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise InvalidArgument(f"a {what} is at most {bytesInCharacters(MAX_TEXT_BYTES)}")
    return checkText(text, what)


def shortened(text: str) -> str:
    """
    The longest start of C{text} within L{MAX_TEXT_BYTES} (whole
    characters as a reader sees them, L{clusterCut}): for words that
    cannot be refused, such as those a connection closes with, or those an
    IRC client sends past the advertised length (IRC servers cut them, as
    the client was told).
    """
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= MAX_TEXT_BYTES:
        return text
    return data[: clusterCut(data, MAX_TEXT_BYTES)].decode("utf-8", "surrogatepass")


#: What shows nothing: whitespace (spaces, TAB, no-break and ideographic
#: spaces...) and Unicode's default ignorable code points (zero-width
#: space and joiners, word joiner, BOM, bidi marks and controls, soft
#: hyphen, variation selectors, Hangul fillers, tags...: DerivedCoreProperties'
#: Default_Ignorable_Code_Point), which a client draws as nothing.
_INVISIBLE_CHARACTERS = (
    "\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
#: What shows nothing, and the braille blank U+2800, drawn as nothing.
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARACTERS}\u2800]*")

#: The widest run of what shows nothing a terminal is shown (L{narrowBlanks}):
#: a TAB's.
MAX_BLANK_COLUMNS = 8

#: A run of what shows nothing (and the braille blank U+2800, a character
#: drawn as nothing) that may be wider than L{MAX_BLANK_COLUMNS}: five
#: characters, of two columns at most each.
_BLANK_RUN = re.compile(f"[{_INVISIBLE_CHARACTERS}\u2800]{{5,}}")


def isBlank(text: str) -> bool:
    """
    Whether C{text} shows nothing: only whitespace, invisible characters
    (a zero-width space, a BOM...), braille blanks, and combining marks
    with no letter to sit on.  The one test of an empty message or line,
    so that a message of zero-width characters is refused as one of spaces
    is, not delivered as an invisible message.
    """
    if _INVISIBLE.fullmatch(text) is not None:
        return True
    return not text.isascii() and all(
        unicodedata.category(ch) == "Mn" or _INVISIBLE.fullmatch(ch) for ch in text
    )


def narrowBlanks(text: str, most: int = MAX_BLANK_COLUMNS) -> str:
    """
    C{text} (L{plain} text, TABs expanded) with each run of what shows
    nothing wider than C{most} columns (spaces, wide spaces, zero-width
    characters...) shown as C{most} spaces, its bidi controls kept: so a
    line padded to a terminal's width cannot make its continuation start
    at the first column, reading as a line of its own (C{[lobby] <bob> ...}
    after C{[lobby] <alice> hi}).
    """
    if _BLANK_RUN.search(text) is None:
        return text

    def narrowed(run: re.Match[str]) -> str:
        blanks = run.group()
        if sum(_blankColumns(char) for char in blanks) <= most:
            return blanks
        return " " * most + "".join(char for char in blanks if "\u202a" <= char <= "\u2069")

    return _BLANK_RUN.sub(narrowed, text)


def _blankColumns(char: str) -> int:
    """
    The columns a terminal gives C{char}, a character that shows nothing:
    two for a wide one (the ideographic space, the Hangul filler), none for
    a format character (a zero-width space, a bidi control).
    """
    if unicodedata.category(char) in ("Cf", "Mn"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


#: The Unicode line and paragraph separators, as spaces.
_SEPARATORS_AS_SPACES = {0x2028: " ", 0x2029: " "}


def spacedLines(lines: tuple[str, ...]) -> tuple[str, ...]:
    """
    A message's C{lines} with U+2028 and U+2029 as spaces, as the service
    delivers and stores them: many clients (and Python's C{splitlines})
    take them for line ends, which IRC lines would carry raw while the
    other front-ends show spaces (L{plain}); so everyone, live, in the
    sender's reply and in history, reads the same words.
    """
    if not any("\u2028" in line or "\u2029" in line for line in lines):
        return lines
    return tuple(line.translate(_SEPARATORS_AS_SPACES) for line in lines)


def checkLines(lines: Sequence[str], what: str = "message") -> None:
    """
    L{checkText} each line of a message, and L{checkCtcp} the message.
    """
    for line in lines:
        checkText(line, what)
    checkCtcp(lines)


def checkCtcp(lines: Sequence[str]) -> None:
    """
    The one rule for CTCP (IRC's C{\\x01ACTION waves\\x01}, C{\\x01VERSION\\x01})
    in a message, whichever front-end sent it: a CTCP line is the whole
    message, one line that starts with C{\\x01} and may end with another,
    nothing after it.  So every front-end reads a message the same way: an
    action, other CTCP, or text without C{\\x01} (which terminals and
    browsers drop, and IRC clients show as a stray C{^A}).

    @raise InvalidText: a C{\\x01} is anywhere else in a line (in the middle,
        after the closing one), or a CTCP line goes with other lines (an
        action spanning lines, an action and text).
    """
    for line in lines:
        inner = line[1:].removesuffix("\x01") if line[:1] == "\x01" else line
        if "\x01" in inner:
            raise InvalidText(
                "the message holds U+0001 (CTCP's mark) inside a line: CTCP, as in /me, is a"
                " line that starts with it and may end with it, nothing after"
            )
    if len(lines) > 1 and any(line[:1] == "\x01" for line in lines):
        raise InvalidText(
            "a CTCP line (an action, as in /me) is a message of its own: send the other lines"
            " as another message"
        )


def _describe(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate"
    return {0: "NUL", 0x0A: "a line feed", 0x0D: "a carriage return", 0x1B: "ESC"}.get(
        code, "a control character"
    )


def scrub(text: str) -> str:
    """
    C{text} without the characters L{checkText} refuses (CR and LF become
    spaces), for text that cannot be refused: the reason given with a
    disconnect.
    """
    if _REFUSED.search(text) is None:
        return text
    return _REFUSED.sub("", text.replace("\r\n", " ").replace("\r", " ").replace("\n", " "))


def plain(text: str) -> str:
    """
    C{text} as a terminal or a browser may be sent it: IRC formatting
    removed (colour numbers included) and every control character but TAB
    (and U+2028, U+2029) dropped, so nobody can move a terminal's cursor,
    ring its bell, end a line early or forge a line; the characters that
    separate lines or pages become spaces, so the words they separated
    stay apart; bidi controls left open are closed (L{chatd.core.bidi.closedBidi}).
    """
    if _UNPRINTABLE.search(text) is None:
        return closedBidi(text)
    return closedBidi(_UNPRINTABLE.sub("", _FORMATTING.sub("", text.translate(LINE_SEPARATORS))))


#: Any character L{ircText} may change: the unsafe ones, the separators,
#: the bidi controls.
_IRC_CHANGED = re.compile(
    _REFUSED.pattern[:-1]
    + "".join(sorted(each for each in _ANY_SEPARATOR if not _REFUSED.match(each)))
    + BIDI_CONTROLS  # one may leave a passage open: L{closedBidi} decides
    + "]"
)


def ircSafe(text: str) -> bool:
    """
    Whether L{ircText} surely leaves C{text} as it is: one search, so an
    encoder can check a whole line's parameters at once and clean them one
    by one only when one may need it (any bidi control does: whether it
    leaves a passage open is each parameter's own question).
    """
    return _IRC_CHANGED.search(text) is None


def ircText(text: str) -> str:
    """
    C{text} as an IRC line may carry it, the one rule the IRC encoder
    applies to every parameter it sends, whichever front-end, administrator
    or stored row the text came from: CR, LF and NUL, which would end or
    corrupt the line, become spaces, and so do the other line and page
    separators (L{LINE_SEPARATORS}), on which Python's C{str.splitlines}
    (and many a bot) cuts a line; the other characters L{checkText} refuses
    are dropped; IRC's formatting codes, CTCP's \\x01 and TAB stay; bidi
    controls left open are closed (L{chatd.core.bidi.closedBidi}), as in a terminal.
    """
    if not _ANY_SEPARATOR.isdisjoint(text):
        text = text.translate(LINE_SEPARATORS)
    if _IRC_UNSAFE.search(text) is None:
        return closedBidi(text)
    text = text.replace("\r", " ").replace("\n", " ").replace("\0", " ")
    return closedBidi(_IRC_UNSAFE.sub("", text))


def textLines(text: str) -> list[str]:
    """
    The lines of a server's C{text} (a notice): CR LF, CR or LF end one;
    U+2028 and the like do not (they show as spaces, L{plain}).
    """
    return _LINE_BREAK.split(text)


def plainLine(sender: str, line: str) -> str:
    """
    One line of C{sender}'s message as L{plain} text; a CTCP action (IRC's
    C{/me waves}) reads C{* alice waves}, as talk mode's C{/me} sends it.
    """
    if line.startswith("\x01"):
        words = action(line)
        if words is not None:
            return f"* {sender} {plain(words)}"
    return plain(line)


def actionLine(words: str) -> str:
    """
    An action (C{/me waves}) as one line of a message: the CTCP form
    C{\\x01ACTION waves\\x01}, the one form the service, the store and every
    front-end share.  IRC clients send and show it natively; the other
    encoders show it with L{plainLine} (C{* alice waves}), and the web's
    frames mark it as an action.
    """
    return f"\x01ACTION {words}\x01"


def actionOf(lines: Sequence[str]) -> str | None:
    """
    The words of a message that is an action, or C{None}: the one flag
    every front-end shows an action by (an action is a message of one line,
    L{checkCtcp}), never a guess from its text (C{* alice waves} typed as
    text is text).
    """
    return action(lines[0]) if len(lines) == 1 else None


def action(line: str) -> str | None:
    """
    The words of a CTCP action line (C{\\x01ACTION waves\\x01}: C{waves}),
    or C{None} if C{line} is not one.
    """
    found = _ACTION.fullmatch(line)
    return None if found is None else found.group(1)
