# -*- test-case-name: tests.test_events -*-
"""
What the service tells participants about.

An event is built once per occurrence and handed to every recipient.  Each
front-end turns it into bytes through C{event.wire(encoder)}, which caches the
result per encoder: a message to a room of N members is formatted and encoded
once per wire format, not N times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

E = TypeVar("E", bound="Event")


class Event:
    """
    Something that happened at C{when} (Unix time, whole seconds).
    """

    __slots__ = ("when", "_wire")

    def __init__(self, when: int) -> None:
        self.when = when
        self._wire: dict[object, bytes] = {}

    def wire(self: E, encoder: Callable[[E], bytes]) -> bytes:
        """
        C{encoder(self)}, computed once per encoder and then reused.
        """
        try:
            return self._wire[encoder]
        except KeyError:
            data = self._wire[encoder] = encoder(self)
            return data


class RoomMessage(Event):
    """
    C{sender} said C{lines} (one or more lines of text) in C{room}.
    """

    __slots__ = ("room", "sender", "lines")

    def __init__(self, room: str, sender: str, lines: tuple[str, ...], when: int) -> None:
        super().__init__(when)
        self.room, self.sender, self.lines = room, sender, lines


class PrivateMessage(Event):
    """
    C{sender} told C{recipient} C{lines}.
    """

    __slots__ = ("sender", "recipient", "lines")

    def __init__(self, sender: str, recipient: str, lines: tuple[str, ...], when: int) -> None:
        super().__init__(when)
        self.sender, self.recipient, self.lines = sender, recipient, lines


class Membership(Event):
    """
    C{nick} entered (C{joined} true) or left C{room}; C{reason} says why it left
    when it did not choose to (a disconnect, a kick).
    """

    __slots__ = ("room", "nick", "joined", "reason")

    def __init__(self, room: str, nick: str, joined: bool, when: int, reason: str = "") -> None:
        super().__init__(when)
        self.room, self.nick, self.joined, self.reason = room, nick, joined, reason


class Rename(Event):
    """
    C{old} is now called C{new}; C{rooms} are the rooms the recipient shares
    with them.
    """

    __slots__ = ("old", "new", "rooms")

    def __init__(self, old: str, new: str, rooms: tuple[str, ...], when: int) -> None:
        super().__init__(when)
        self.old, self.new, self.rooms = old, new, rooms


class Notice(Event):
    """
    A server notice (an announcement, a moderation message) for a person.
    """

    __slots__ = ("text",)

    def __init__(self, text: str, when: int) -> None:
        super().__init__(when)
        self.text = text
