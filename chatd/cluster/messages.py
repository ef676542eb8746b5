# -*- test-case-name: tests.unit.cluster.test_cluster_kinds,tests.unit.cluster.test_cluster_runs -*-
"""
How a message travels between nodes, both ways in one place: a room
message as an entry of a C{says} run, a private message as the fields of a
C{tell} envelope.  A plain message is its sender, lines, time, msgid and
milliseconds; one with a C{NOTICE} flag, client tags, an operators-only
status or a composition of its lines (IRC's C{draft/multiline-concat})
carries those too, so every node shows it as the sender's node does.
"""

from __future__ import annotations

from typing import Any

from chatd.core.events import ComposedLines, PrivateMessage, RoomMessage


def tagsOf(pairs: Any) -> tuple[tuple[str, str], ...]:
    """
    Client tags as events carry them, from their JSON form (a list of
    C{[name, value]} lists).
    """
    return tuple((str(name), str(value)) for name, value in pairs)


def piecesOf(lines: tuple[str, ...]) -> list[list[str]] | None:
    """
    The composition of C{lines} when its sender made one (a line of
    several pieces), else C{None}.
    """
    if type(lines) is tuple:  # the usual case, at no cost
        return None
    pieces = getattr(lines, "pieces", None)
    if pieces is None or all(len(line) == 1 for line in pieces):
        return None
    return [list(line) for line in pieces]


def linesOf(lines: list[str], pieces: Any) -> tuple[str, ...]:
    """
    A message's lines from their JSON form, composed as their sender did
    if C{pieces} says how.
    """
    if pieces:
        return ComposedLines(tuple(tuple(line) for line in pieces))
    return tuple(lines)


def sayEntry(event: RoomMessage) -> list[Any]:
    """
    C{event}'s entry in a C{says} run: five fields, or nine for one that
    is more than a plain message.
    """
    entry: list[Any] = [event.sender, event.lines, event.when, event.msgid, event.millis]
    pieces = piecesOf(event.lines)
    if event.notice or event.tags or event.status or pieces:
        entry += [int(event.notice), event.tags, event.status, pieces]
    return entry


def sayEvent(room: str, entry: list[Any]) -> RoomMessage:
    """
    The room message of a C{says} run's C{entry} (L{sayEntry}).
    """
    if len(entry) == 5:
        sender, lines, when, msgid, millis = entry
        return RoomMessage(room, sender, tuple(lines), when, msgid=msgid, millis=millis)
    sender, lines, when, msgid, millis, notice, tags, status, pieces = entry
    composed = linesOf(lines, pieces)
    return RoomMessage(
        room, sender, composed, when, bool(notice), tagsOf(tags), msgid, millis, status
    )


def tellFields(event: PrivateMessage) -> dict[str, Any]:
    """
    The fields of C{event}'s C{tell} envelope.
    """
    fields: dict[str, Any] = {
        "u": event.sender,
        "to": event.recipient,
        "l": event.lines,
        "w": event.when,
        "id": event.msgid,
        "ms": event.millis,
    }
    if event.notice:
        fields["nt"] = 1
    if event.tags:
        fields["tg"] = event.tags
    if (pieces := piecesOf(event.lines)) is not None:
        fields["pc"] = pieces
    return fields


def tellEvent(fields: dict[str, Any], recipient: str) -> PrivateMessage:
    """
    The private message of a C{tell} envelope's C{fields}, for
    C{recipient} (its name as this node knows it).
    """
    return PrivateMessage(
        fields["u"],
        recipient,
        linesOf(fields["l"], fields.get("pc")),
        fields["w"],
        notice=bool(fields.get("nt")),
        tags=tagsOf(fields.get("tg", ())),
        msgid=fields.get("id", ""),
        millis=fields.get("ms", 0),
    )
