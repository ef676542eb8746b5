# -*- test-case-name: tests.unit.irc.test_irc_message,tests.unit.irc.test_irc_limits -*-
"""
IRC message syntax: parsing client lines (with IRCv3 message tags) and
formatting server lines that respect the 512-byte limit.

This is chatd's own because Twisted's C{irc.parsemsg} knows nothing of tags
and its server base class decodes each network read on its own.  Lines reach
L{parse} already decoded, one whole line at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatd.core.bidi import bidiRoom, withoutOpenBidi
from chatd.core.graphemes import clusterCut
from chatd.core.text import LINE_SEPARATORS, ircSafe, ircText

#: The RFC 1459 limit on a line, CR LF included, tags excluded.
MAX_LINE = 512

#: IRCv3 message-tags: the client's tag section may be this long.
MAX_CLIENT_TAGS = 4094

#: A tag's name: a client-only C{+}, an optional vendor, the key (IRCv3 message-tags).
_TAG_NAME = re.compile(r"\+?(?:[A-Za-z0-9.-]+/)?[A-Za-z0-9-]+\Z")

_TAG_UNESCAPE = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPE = {";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"}


class MalformedMessage(ValueError):
    """
    A client line that is not an IRC message (for instance, only tags).
    """


@dataclass
class Message:
    """
    One IRC message: C{@tags :prefix COMMAND params...}.

    @ivar command: upper-cased, as commands are case-insensitive.
    """

    command: str
    params: list[str] = field(default_factory=list)
    prefix: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def unescapeTagValue(value: str) -> str:
    """
    Undo IRCv3 tag-value escaping; an unknown escape drops its backslash and
    a trailing lone backslash is dropped, as the specification says.
    """
    if "\\" not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append(_TAG_UNESCAPE.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


#: A tag value L{escapeTagValue} leaves as it is: no control, space, C{;},
#: backslash or line separator.
_TAG_AS_IS = re.compile("[^\x00-\x20;\\\\\x85\u2028\u2029]*")


def escapeTagValue(value: str) -> str:
    """
    Escape a tag value so it survives in a tag section; a control
    character no escape can carry (NUL, BEL...) is dropped, so that nothing
    turns it into the space that would end the section, and a line or page
    separator (U+2028...) is an escaped space, as in every parameter
    (L{ircText}).
    """
    if _TAG_AS_IS.fullmatch(value):  # the common case (a time, an id, an account)
        return value
    value = value.translate(LINE_SEPARATORS)
    return "".join(_TAG_ESCAPE.get(ch, ch) for ch in value if ch >= " " or ch in "\r\n")


def parseTags(section: str) -> dict[str, str]:
    """
    Parse C{a=b;c;+d=e\\sf} (without the leading C{@}) into a dictionary; a
    tag without a value maps to C{""}, and a repeated tag keeps its last value.
    """
    tags: dict[str, str] = {}
    for item in section.split(";"):
        if not item:
            continue
        name, _, value = item.partition("=")
        if _TAG_NAME.match(name):  # anything else is no tag: dropped
            tags[name] = unescapeTagValue(value)
    return tags


def formatTags(tags: dict[str, str]) -> str:
    """
    The tag section for C{tags}, without the leading C{@}.
    """
    return ";".join(
        name + ("=" + escapeTagValue(value) if value else "") for name, value in tags.items()
    )


def parse(line: str) -> Message:
    """
    Parse one decoded line (without its CR LF).

    Runs of spaces between parameters count as one, as servers in practice
    accept; a parameter after C{:} is the trailing one and may contain spaces.

    @raise MalformedMessage: the line has no command.
    """
    rest = line.lstrip(" ")
    tags: dict[str, str] = {}
    prefix: str | None = None
    if rest.startswith("@"):
        section, _, rest = rest[1:].partition(" ")
        tags = parseTags(section)
        rest = rest.lstrip(" ")
    if rest.startswith(":"):
        prefix, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    trailing: str | None = None
    if " :" in rest:
        rest, trailing = rest.split(" :", 1)
    elif rest.startswith(":"):
        rest, trailing = "", rest[1:]
    words = [word for word in rest.split(" ") if word]
    if trailing is not None:
        words.append(trailing)
    if not words or not words[0]:
        raise MalformedMessage(line)
    return Message(words[0].upper(), words[1:], prefix, tags)


#: A well-formed UTF-8 sequence of two to four bytes: a line holding one
#: is UTF-8 text, whatever else it holds.
MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
#: What a client is told of a line that was not UTF-8 (L{decodeLine}).
READ_AS_1252 = "Your line was not UTF-8: it was read as Windows-1252"
REPLACED = "Your line was not valid UTF-8: each broken sequence was replaced by U+FFFD"


def decodeLine(line: bytes) -> tuple[str, str | None]:
    """
    The text of a client's C{line}, and what the client is told if it was
    not UTF-8 (C{None}: it was).  A line that holds UTF-8 but for a broken
    sequence (a character cut in two) has U+FFFD for what is broken, as
    UTF-8 decoders do; a line with no UTF-8 in it is a legacy client's,
    read as Windows-1252 (Latin-1 for the five bytes it leaves undefined):
    a line that decodes oddly is better than one refused, and its
    C{0x80-0x9f} are the quotes and dashes people type, not C1 controls
    (which the service refuses).
    """
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    if MULTIBYTE.search(line):
        return line.decode("utf-8", "replace"), REPLACED
    try:
        return line.decode("cp1252"), READ_AS_1252
    except UnicodeDecodeError:
        return line.decode("latin-1"), READ_AS_1252


def tooLong(text: str, singleByte: bool = False) -> bool:
    """
    Whether the client line C{text} breaks IRC's limits, each counted on
    its own whatever the other holds: its tag section (without C{@})
    over L{MAX_CLIENT_TAGS} bytes, or the message after it over
    L{MAX_LINE} bytes with its CR LF.

    @param singleByte: the line was read as Windows-1252 (not UTF-8):
        one byte a character, as it came.
    """
    message = text
    if text[:1] == "@":
        tags, _, message = text.partition(" ")
        if len(tags.encode("utf-8")) - 1 > MAX_CLIENT_TAGS:
            return True
        message = message.lstrip(" ")
    if singleByte or message.isascii():  # a byte a character: no encoding to count
        return len(message) > MAX_LINE - 2
    return len(message.encode("utf-8", "replace")) > MAX_LINE - 2


def formatLine(
    command: str,
    *params: str,
    prefix: str | None = None,
    tags: dict[str, str] | None = None,
    trailing: bool = False,
) -> str:
    """
    Format an outgoing line (without CR LF).  The last parameter is sent in
    trailing form when it must be (empty, has a space, starts with C{:}) or
    when C{trailing} asks for it (message text, for clients that expect it);
    the others must be single words.

    The line without its tags is cut to fit the 512-byte limit (never inside
    a character): a reply quoting an overlong nickname or command stays a
    valid line.  Message text is split to fit before it gets here.  Every
    parameter goes through L{ircText} before its form is chosen: whatever
    it holds (an away message, a real name, a topic, a reason), it cannot
    end the line early nor hold what a reader takes for a line end
    (U+2028, NEL...), and the spaces these become stay in the trailing
    parameter; a bidi control one leaves open is closed (L{ircText}), or,
    on a line cut short, left out, so that nothing turns what a terminal
    shows after the line around.
    """
    if not ircSafe("".join(params) + (prefix or "")):  # one search for the common case
        params = tuple(ircText(param) for param in params)
        prefix = prefix and ircText(prefix)
    parts: list[str] = [":" + prefix, command] if prefix else [command]
    if params:
        *middle, last = params
        parts.extend(middle)
        if trailing or not last or " " in last or last.startswith(":"):
            last = ":" + last
        parts.append(last)
    whole = " ".join(parts)
    if not (whole.isascii() and len(whole) <= MAX_LINE - 2):
        body = truncateUTF8(whole, MAX_LINE - 2)
        if len(body) < len(whole):  # what the cut left open of a passage (its PDF or PDI cut)
            body = withoutOpenBidi(body)
        whole = body
    if not tags:
        return whole
    tagText = formatTags(tags)
    return "@" + (tagText if ircSafe(tagText) else ircText(tagText)) + " " + whole


def truncateUTF8(text: str, limit: int) -> str:
    """
    The longest start of C{text} that is at most C{limit} bytes of UTF-8,
    cut between characters as a reader sees them (L{clusterCut}; lone
    surrogates, which UTF-8 cannot carry, replaced by C{?}).
    """
    data = text.encode("utf-8", "replace")  # a lone surrogate becomes "?"
    return data[: clusterCut(data, limit)].decode("utf-8")


def splitUTF8(text: str, limit: int) -> list[str]:
    """
    Cut C{text} into pieces of at most C{limit} bytes of UTF-8 each, never
    inside a character as a reader sees it (L{clusterCut}), preferring to
    cut after a space when one is in the second half of a piece so words
    stay whole.

    An empty text is one empty piece, so an empty line is still sent.
    """
    if limit < 4:
        raise ValueError("limit must leave room for one character")
    limit -= bidiRoom(text, min(limit // 2, limit - 4))  # room for what L{ircText} closes
    # Text from other protocols may hold lone surrogates (JSON allows them):
    # they cannot be sent as UTF-8 and become "?".
    data = text.encode("utf-8", "replace")
    pieces: list[str] = []
    while len(data) > limit:
        cut = clusterCut(data, limit)
        space = data.rfind(b" ", limit // 2, cut)
        if space != -1:
            cut = clusterCut(data, space + 1)  # a mark after the space stays with it
        pieces.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    pieces.append(data.decode("utf-8"))
    return pieces


def textBudget(command: str, prefix: str, *targets: str) -> int:
    """
    How many bytes of text fit in C{:prefix COMMAND target :text\\r\\n}
    within L{MAX_LINE} (tags do not count against it).
    """
    head = (":" + prefix + " " if prefix else "") + " ".join((command, *targets)) + " :"
    if ircSafe(head):  # the common case: measured as it is, without making the line
        return MAX_LINE - 2 - len(head.encode("utf-8"))
    line = formatLine(command, *targets, "x", prefix=prefix, trailing=True)
    overhead = len(line.encode("utf-8")) - 1
    return MAX_LINE - 2 - overhead


def fittedToRelay(command: str, prefix: str, target: str, text: str) -> str:
    """
    C{text} cut, at the last boundary between two characters as a reader
    sees them, to fit in one C{:prefix COMMAND target :text\\r\\n} line of
    at most L{MAX_LINE} bytes (tags do not count), as it would be relayed.

    An IRC client's own line of 512 bytes leaves no room for the prefix
    the server puts before it: like Solanum and InspIRCd, chatd relays it
    cut rather than refusing it (a bot that checks only its own line
    length, and ignores C{417}, would lose it whole) or splitting it (one
    IRC line stays one line for IRC readers).  Everyone gets the same cut
    text, and with C{echo-message} so does its sender.
    """
    data = text.encode("utf-8", "replace")
    # The line's other parts never take more bytes than 4 a character: most
    # text fits without formatting the line to measure it.
    if len(data) + 4 * (len(prefix) + len(command) + len(target)) + 5 <= MAX_LINE - 2:
        return text
    budget = textBudget(command, prefix, target)
    if len(data) <= budget:
        return text
    return data[: clusterCut(data, budget)].decode("utf-8")
