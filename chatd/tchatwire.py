# -*- test-case-name: tests.unit.test_tchat -*-
"""
TCHAT's server lines: each event as the C{srv: } lines a TCHAT client
reads (L{chatd.tchat} sends them), none longer than L{MAX_SENT_LINE} bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from chatd.core.events import Membership, Notice, PrivateMessage, RoomMessage, textOnly
from chatd.core.graphemes import clusterCut
from chatd.core.text import plain, plainLine, textLines

OKAY = b"srv: OKAY!\n"
#: What a command answers that sent its reply itself, C{OKAY!} included.
ANSWERED = object()


def bodyLine(line: str) -> str:
    """
    A body line (L{plain} text) as a TCHAT client may be sent it: the one
    line that is exactly C{.} would end the body (what follows would pass
    for server lines), and is sent as C{..}; any other, C{. } or C{..}
    included, as it is, so a reader tells them apart.
    """
    return ".." if line == "." else line


#: The longest line the server sends, in bytes without its newline: the
#: default C{--max-line-length}, so a client that reads lines as long as it
#: may send reads every line.  A longer body line (the web and IRC with
#: C{draft/multiline} take longer ones) is sent in pieces, one per line.
MAX_SENT_LINE = 4096
#: Characters that always fit one server line, however many bytes each.
_ALWAYS_FITS = (MAX_SENT_LINE - len("srv: ") - 1) // 4


def _pieces(line: str) -> Iterable[str]:
    """
    C{line} cut between characters as a reader sees them (L{clusterCut})
    into pieces that each fit one server line after C{srv: } (a piece that
    reads C{.}, sent as C{..}, is short).
    """
    if len(line) <= _ALWAYS_FITS:
        return (line,)
    data, room, pieces = line.encode(), MAX_SENT_LINE - len("srv: "), []
    while data:
        cut = clusterCut(data, room)
        pieces.append(data[:cut].decode())
        data = data[cut:]
    return pieces


def _body(lines: Iterable[str]) -> bytes:
    text = "".join(f"srv: {bodyLine(piece)}\n" for line in lines for piece in _pieces(line))
    return text.encode("utf-8") + b"srv: .\n"


def _message(head: str, sender: str, lines: tuple[str, ...]) -> bytes:
    """
    C{head}, then C{sender}'s C{lines} as a body: one short line (most
    messages) in one f-string, a third of the general path's cost.
    """
    if len(lines) == 1 and len(lines[0]) <= _ALWAYS_FITS:
        return f"{head}srv: {bodyLine(plainLine(sender, lines[0]))}\nsrv: .\n".encode()
    return head.encode() + _body(plainLine(sender, line) for line in lines)


def encodeSpeak(event: RoomMessage) -> bytes:
    return _message(
        f"srv: SPEAK {event.sender} {event.room} {event.when}\n", event.sender, event.lines
    )


#: What a room message shows here: one of tags only shows nothing.
speakOrNothing = textOnly(encodeSpeak)


def encodePrivate(event: PrivateMessage) -> bytes:
    return _message(f"srv: MSGPV {event.sender} {event.when}\n", event.sender, event.lines)


def encodeMembership(event: Membership) -> bytes:
    verb = "ENTER" if event.joined else "LEAVE"
    return f"srv: {verb} {event.room} {event.nick} {event.when}\n".encode()


def encodeNotice(event: Notice) -> bytes:
    return f"srv: NOTICE {event.when}\n".encode() + _body(
        plain(line) for line in textLines(event.text)
    )


def encodeError(code: int) -> bytes:
    return b"srv: ERROR %02d\n" % (code,)
