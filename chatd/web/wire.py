# -*- test-case-name: tests.unit.web.test_web,tests.unit.web.test_web_roomsentered -*-
"""
The web front-end's wire format: one JSON object, with a C{type}, per
WebSocket text frame.  See C{docs/WEB.md}.

Everything here returns a complete frame as the server sends it (RFC 6455:
final, unmasked, no extension: Twisted's server negotiates none), so the
event encoders handed to C{event.wire(...)} build the bytes of a room message
once, and fanning it out to a thousand browsers costs a thousand writes, not
a thousand JSON serializations and framings.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterable, Iterator
from typing import Any

from chatd.core.entryreplay import RoomsBack, RoomsEntered
from chatd.core.errors import ChatError
from chatd.core.events import (
    KICK,
    AlwaysOnChange,
    Membership,
    Notice,
    PrivateMessage,
    Redaction,
    Rename,
    RoomChange,
    RoomMessage,
    shownBy,
    textOnly,
)
from chatd.core.refusal import RequestRefused
from chatd.core.roomremoval import RoomDeleted
from chatd.core.text import actionOf, plain, plainLine, textLines


class _BadNumber(ValueError):
    pass


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _BadNumber("numbers must be finite")
    return number


def _noConstant(name: str) -> None:
    raise _BadNumber(f"{name} is not a JSON number")


def loads(message: str) -> Any:
    """
    A request's JSON, as strict as RFC 8259: no C{NaN} or C{Infinity}, no
    number too large for a float (C{1e999}), which would come back in a
    reply as no JSON at all.

    @raise ValueError: with the reason, for the error frame: not JSON,
        nested too deeply for the parser, or such a number.
    """
    try:
        return json.loads(message, parse_float=_finite, parse_constant=_noConstant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except _BadNumber:
        raise
    except ValueError:  # a syntax error, or an integer of thousands of digits
        raise ValueError("not JSON") from None


#: The first byte of a final frame: a text message, a binary message.
TEXT, BINARY = 0x81, 0x82


def frame(payload: bytes, first: int = TEXT) -> bytes:
    """
    A final, unmasked text frame carrying C{payload} (UTF-8), or a binary
    one with C{first=BINARY}.
    """
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


def dumps(message: dict[str, Any]) -> bytes:
    """
    C{message} as compact UTF-8 JSON in one text frame.
    """
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    try:
        payload = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from a request's JSON, echoed in a reply's id)
        # cannot be UTF-8: escaped as JSON allows, the frame stays valid.
        payload = json.dumps(message, separators=(",", ":")).encode("ascii")
    return frame(payload)


#: Sent at each keepalive while one of the page's requests waits for the
#: server (a login held back by the password gate): nothing the page sends
#: is read meanwhile, its own pings neither, and a page that gives a silent
#: connection up would drop it and lose its place (C{docs/WEB.md}, Events).
STILL_WAITING = dumps({"type": "waiting"})


def messageText(sender: str, lines: tuple[str, ...]) -> str:
    """
    A message's lines as one L{plain} text, lines separated by C{\\n}: what
    browsers are shown of what C{sender} said.
    """
    return "\n".join(plainLine(sender, line) for line in lines)


def isAction(lines: tuple[str, ...]) -> bool:
    """
    Whether a message is an action (IRC's C{/me}, CTCP C{ACTION}: the
    message's flag, L{actionOf}): its C{text} then reads C{* alice waves}
    and its frame says C{"action": true}, so a page can show it as one
    without guessing.
    """
    return actionOf(lines) is not None


def markAction(fields: dict[str, Any], lines: tuple[str, ...], msgid: str = "") -> dict[str, Any]:
    """
    C{fields} of a message frame, with C{"action": true} for an action and
    the message's C{msgid} when it has one: the same id live, in the
    sender's reply and in history, so a page keeps each message once.
    """
    if isAction(lines):
        fields["action"] = True
    if msgid:
        fields["msgid"] = msgid
    return fields


def encodeRoomMessage(event: RoomMessage) -> bytes:
    return dumps(roomMessageFields(event))


#: A room message's frame, or nothing for one of tags only, which a page
#: does not show.
shownRoomMessage = textOnly(encodeRoomMessage)


def encodeReplayed(event: RoomMessage) -> bytes:
    """
    A room message replayed from history on entering the room: marked
    C{"history": true}, so a page neither notifies it nor takes it for news.
    """
    fields = roomMessageFields(event)
    fields["history"] = True
    return dumps(fields)


def encodeReplay(pages: Iterable[list[RoomMessage]], room: str, earlier: bool) -> Iterator[bytes]:
    """
    A room's replay on entering it, a page at a time, then C{replayed}:
    whether the room may hold older messages (C{earlier}), so that a page
    offers them only then.
    """
    for page in pages:
        yield b"".join(map(encodeReplayed, page))
    yield dumps({"type": "replayed", "room": room, "earlier": earlier})


def roomMessageFields(event: RoomMessage) -> dict[str, Any]:
    return markAction(
        {
            "type": "message",
            "room": event.room,
            "from": event.sender,
            "text": messageText(event.sender, event.lines),
            "time": event.when,
            "millis": event.millis,
        },
        event.lines,
        event.msgid,
    )


def encodePrivateMessage(event: PrivateMessage) -> bytes:
    return dumps(
        markAction(
            {
                "type": "private",
                "from": event.sender,
                "to": event.recipient,
                "text": messageText(event.sender, event.lines),
                "time": event.when,
                "millis": event.millis,
            },
            event.lines,
            event.msgid,
        )
    )


def encodeMembership(event: Membership) -> bytes:
    message: dict[str, Any] = {
        "type": "joined" if event.joined else "left",
        "room": event.room,
        "nick": event.nick,
        "time": event.when,
    }
    if not event.joined:
        message["reason"] = plain(event.reason)
        message["kind"] = event.kind  # "part", "quit" or "kick"
        if event.kind == KICK:
            message["by"] = shownBy(event.by)  # the room operator who kicked, or administrator
        if isinstance(event, RoomDeleted):  # the room is gone: the page offers no Join
            message["deleted"] = plain(event.deletion)
    return dumps(message)


def encodeRename(event: Rename) -> bytes:
    return dumps(
        {
            "type": "renamed",
            "old": event.old,
            "new": event.new,
            "rooms": list(event.rooms),
            "time": event.when,
        }
    )


def noticeFrames(event: Notice, nick: str | None) -> list[bytes]:
    """
    The frames of a C{notice} to C{nick}: rooms it was put in once the store
    answered (L{RoomsBack}) are each a C{joined} frame first, as a room it
    joins, which the page opens.
    """
    frames = []
    if isinstance(event, RoomsBack):
        for room in event.rooms:
            frames.append(dumps({"type": "joined", "room": room, "nick": nick, "time": event.when}))
    return [*frames, event.wire(encodeNotice)]


def encodeNotice(event: Notice) -> bytes:
    text = "\n".join(plain(line) for line in textLines(event.text))
    message: dict[str, Any] = {"type": "notice", "text": text, "time": event.when}
    if isinstance(event, AlwaysOnChange):  # the page's "Always on" box follows it
        message["alwaysOn"] = event.on
    if isinstance(event, RoomsEntered) and not isinstance(event, RoomsBack):  # the login's
        message["rooms"] = list(event.rooms)
    if isinstance(event, RequestRefused):  # the page drops the room's waiting note
        message.update(room=event.room, refused=True, reason=plain(event.reason))
    if isinstance(event, RoomChange):  # the page files it under the room
        message.update(room=event.room, by=event.by)
        if event.topic is not None:  # shown in the room's header too
            message["topic"] = plain(event.topic)
        else:
            message.update(modes=event.modes, args=list(event.args))
    return dumps(message)


def encodeRedaction(event: Redaction) -> bytes:
    """
    A C{redacted} frame: the message C{msgid} of a C{room}, or of the
    private conversation C{from} -> C{to}, was deleted C{by} someone.
    """
    by = shownBy(event.by)  # an administrator as such ("the administrator root")
    message: dict[str, Any] = {"type": "redacted", "msgid": event.msgid, "by": by}
    if event.room is not None:
        message["room"] = event.room
    else:
        message["to"] = event.recipient
    message.update({"from": event.sender, "reason": plain(event.reason), "time": event.when})
    return dumps(message)


def historyEntry(event: RoomMessage | PrivateMessage) -> dict[str, Any]:
    """
    One stored message (a room's, or a private one) inside a C{history} reply.
    """
    return markAction(
        {
            "from": event.sender,
            "text": messageText(event.sender, event.lines),
            "time": event.when,
            "millis": event.millis,
        },
        event.lines,
        event.msgid,
    )


def errorFrame(error: ChatError, requestId: Any = None, request: str | None = None) -> bytes:
    """
    An C{error} frame: the TCHAT C{code}, readable C{text}, and the C{id}
    and C{request} type of the request it answers, when there is one.
    """
    message: dict[str, Any] = {"type": "error", "code": error.code, "text": error.text}
    if requestId is not None:
        message["id"] = requestId
    if request is not None:
        message["request"] = request
    return dumps(message)


def splitText(text: str) -> tuple[str, ...]:
    """
    A message body as the service's tuple of lines (C{\\r\\n}, C{\\r} and
    C{\\n} all end a line; other characters, controls included, are left
    for the service to judge).
    """
    pieces = textLines(text)
    if len(pieces) > 1 and not pieces[-1]:
        pieces.pop()  # a final line end ends the last line, as in str.splitlines
    return tuple(pieces)


class Paged:
    """
    A reply whose list C{name} may be too large for one frame (a room's
    history): one frame per page of it (C{pages}, see L{chatd.lines.paced}),
    each with the reply's other fields, all but the last with
    C{"more": true} (docs/WEB.md).
    """

    def __init__(self, fields: dict[str, Any], name: str, pages: Iterator[list[Any]]) -> None:
        self.fields, self.name, self.pages = fields, name, pages

    def frames(self, reply: dict[str, Any]) -> Iterator[bytes]:
        """
        The frames of the reply that begins with C{reply} (its C{type} and
        C{id}), each built when it is due.
        """
        reply = {**reply, **self.fields}
        page = next(self.pages, [])
        for following in self.pages:
            yield dumps({**reply, self.name: page, "more": True})
            page = following
        yield dumps({**reply, self.name: page})
