# -*- test-case-name: tests.test_web -*-
"""
The web front-end's JSON wire format: one JSON object per WebSocket text
frame, with a C{type}.  See C{docs/WEB.md}.

The event encoders here are handed to C{event.wire(...)}, so one room
message sent to a thousand browsers is serialized once.
"""

from __future__ import annotations

import json
from typing import Any

from chatd.errors import ChatError
from chatd.events import Membership, Notice, PrivateMessage, Rename, RoomMessage


def dumps(message: dict[str, Any]) -> bytes:
    """
    Compact UTF-8 JSON for one frame.
    """
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encodeRoomMessage(event: RoomMessage) -> bytes:
    return dumps(
        {
            "type": "message",
            "room": event.room,
            "from": event.sender,
            "text": "\n".join(event.lines),
            "time": event.when,
        }
    )


def encodePrivateMessage(event: PrivateMessage) -> bytes:
    return dumps(
        {
            "type": "private",
            "from": event.sender,
            "to": event.recipient,
            "text": "\n".join(event.lines),
            "time": event.when,
        }
    )


def encodeMembership(event: Membership) -> bytes:
    message: dict[str, Any] = {
        "type": "joined" if event.joined else "left",
        "room": event.room,
        "nick": event.nick,
        "time": event.when,
    }
    if not event.joined:
        message["reason"] = event.reason
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


def encodeNotice(event: Notice) -> bytes:
    return dumps({"type": "notice", "text": event.text, "time": event.when})


def historyEntry(event: RoomMessage) -> dict[str, Any]:
    """
    One stored room message inside a C{history} reply.
    """
    return {"from": event.sender, "text": "\n".join(event.lines), "time": event.when}


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
    C{\\n} all end a line).
    """
    return tuple(text.splitlines()) or ("",)
