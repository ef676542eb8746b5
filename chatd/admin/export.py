# -*- test-case-name: tests.unit.admin.test_admin_export,tests.unit.admin.test_admin_conversation -*-  # noqa: E501
"""
The console's C{messages [room] <since> [until]} and C{conversation
<user> <user> <since> [until]}: a span of a room's history, or of a
private conversation, as rows of text (L{chatd.core.export} reads it),
ending with a line that says where it stopped, and the command that gives
the rest, when it holds less than the span.

For C{messages}, a room comes first, unless the first word starts with a
digit, as every time does (a room whose name starts with one is written
C{#3b}); a time is one word (C{1h}, C{2026-11-20}, C{2026-11-20T14:00}, a
Unix time) or a date and a time of day (C{2026-11-20 14:00}).
"""

from __future__ import annotations

import re
from string import digits

from chatd.admin.timespec import exactTime, formatTime, parseTime
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.export import Exported
from chatd.core.names import isValidRoomName, normalize, roomOfChannel
from chatd.core.roles import IAdministration
from chatd.core.text import plainLine
from chatd.lines.columns import pad

#: A time of day after a date: C{14:00}, C{14:00:05}, C{14:00:05.250}.
_CLOCK = re.compile(r"[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?")


def parseSpan(rest: str, now: float) -> tuple[str | None, float, float | None]:
    """
    The room (C{None}: every room), the start and the end (C{None}: now)
    that C{messages}'s arguments C{rest} name.

    @raise ValueError: with what is wrong, if they name none.
    """
    words, room = rest.split(), None
    if words and words[0][:1] not in digits:
        room = roomOfChannel(words[0]) or words[0]
        if not isValidRoomName(normalize(room)):
            raise ValueError(f"{words[0]!r} is not a room name or a time")
        words = words[1:]
    return (room, *parseTimes(words, now))


def parseTimes(words: list[str], now: float) -> tuple[float, float | None]:
    """
    The start and the end (C{None}: now) that C{words} name.

    @raise ValueError: with what is wrong, if they name none.
    """
    times = []
    while words:
        if len(words) > 1 and _CLOCK.fullmatch(words[1]):  # a date and a time of day
            text, words = " ".join(words[:2]), words[2:]
        else:
            text, words = words[0], words[1:]
        try:
            times.append(parseTime(text, now))
        except ValueError:
            raise ValueError(f"{text!r} is not a time") from None
    if not 1 <= len(times) <= 2:
        raise ValueError("a start, and perhaps an end" if not times else "too many times")
    if len(times) == 2 and times[1] <= times[0]:
        raise ValueError("the end is not after the start")
    return times[0], times[1] if len(times) == 2 else None


async def messagesReply(service: IAdministration, rest: str, now: float) -> str:
    """
    C{messages}'s reply to the arguments C{rest}.

    @raise ValueError: they name no span (L{parseSpan}).
    """
    room, since, until = parseSpan(rest, now)
    if service.persistence is None:
        return "this server keeps no messages (it runs without a store)"
    exported = await service.exportMessages(room, since, until)
    written = f"#{room}" if room is not None and room[:1] in digits else room
    rows = exportRows(exported, " ".join(filter(None, ("messages", written))), until)
    if rows:
        return rows
    which = "room messages" if room is None else f"messages in {room}"
    before = "" if until is None else f" before {formatTime(until)} UTC"
    return f"no {which} since {formatTime(since)} UTC{before}"


def exportRows(exported: Exported, command: str, until: float | None) -> str:
    """
    The rows of C{exported}, and if it stopped, a last line saying so with
    the C{command}, given the rest's span, that exports the rest.
    """
    rows = [_row(message, line) for message in exported.messages for line in message.lines]
    if exported.rest is not None:
        end = "" if until is None else " " + exactTime(round(until * 1000))
        again = f"{command} {exactTime(exported.rest)}{end}"
        rows.append(
            f"(stopped at {len(exported.messages)} messages: the rest is from"
            f" {exactTime(exported.rest)} UTC on: {again})"
        )
    return "\n".join(rows)


def _row(message: RoomMessage | PrivateMessage, line: str) -> str:
    """
    One line of C{message}: when (UTC), where (a room, or the recipient of
    a private message), who, what.
    """
    shown = plainLine(message.sender, line)
    where = message.room if isinstance(message, RoomMessage) else f"to {message.recipient}"
    return f"{formatTime(message.when)}  {pad(where, 16)}  {message.sender}: {shown}"
