# -*- test-case-name: tests.integration.test_talk_commands,tests.unit.talk.test_talk -*-
"""
What talk mode's commands need from a connection, as a type.

L{chatd.talk.commands} and L{chatd.talk.rooms} take the session as an
argument typed L{TalkSession}, never the protocol class itself, so that they
do not import L{chatd.talk.protocol} (which imports them); the protocol
provides this shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from twisted.internet.interfaces import IReactorTime

from chatd.core import errors
from chatd.core.errors import ChatError
from chatd.core.events import RoomMessage
from chatd.core.interfaces import IChatService, IParticipant
from chatd.lines.outbox import Outbox
from chatd.lines.roomhold import RoomHold
from chatd.talk.telnet import TelnetFilter


class UsageError(ChatError):
    """
    A command was given the wrong arguments; the text is its usage line.
    """

    code = errors.InvalidArgument.code


class TalkSettings(Protocol):
    """
    What the connections of one talk listener share (its factory).
    """

    @property
    def service(self) -> IChatService: ...

    @property
    def clock(self) -> IReactorTime: ...


class TalkSession(Protocol):
    """
    One person in talk mode, as commands see them.

    @ivar room: the room plain lines go to, or C{None} when in no room.
    @ivar registering: C{/register}'s hidden prompts: C{None} when not
        registering, else the passwords typed so far.
    """

    room: str | None
    registering: list[str] | None
    held: RoomHold[bytes]  # the live lines of rooms being entered, until their history

    @property
    def factory(self) -> TalkSettings: ...

    @property
    def nick(self) -> str | None: ...

    @property
    def telnet(self) -> TelnetFilter: ...

    @property
    def participant(self) -> IParticipant:
        """
        The session as the service knows it.
        """

    @property
    def outbox(self) -> Outbox | None:
        """
        The connection's output (C{None}: not connected), for replies in
        pieces (L{chatd.lines.paced}).
        """

    def pages(self, events: list[RoomMessage]) -> Iterator[list[RoomMessage]]:
        """
        C{events} in the pages of a reply in pieces on this connection.
        """

    def send(self, data: bytes) -> None:
        """
        Queue C{data} for the person's terminal.
        """

    def quit(self, message: str) -> None:
        """
        Say goodbye, tell the rooms (with C{message}, if any) and close.
        """
