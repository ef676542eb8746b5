# -*- test-case-name: tests.unit.lines.test_lineproto -*-
"""
What a line protocol tells L{chatd.lines.lineproto.ChatLineReceiver}: how
it handles a line, and how it says a line or a connection was refused.
"""

from __future__ import annotations

from typing import Any

from chatd.core.errors import ChatError, InvalidArgument
from chatd.core.events import Notice

#: How many of a refused line's first bytes its protocol is shown
#: (L{LineHandler.lineRefused}): enough for a command's verb.
REFUSED_START = 64


class LineHandler:
    """
    The methods each of chatd's line protocols (TCHAT, talk, IRC) implements.
    """

    def textReceived(self, text: str) -> Any:
        """
        Handle one decoded line (without its line ending).
        """
        raise NotImplementedError()

    def inputRefused(self, error: ChatError) -> None:
        """
        Tell the user a line was refused before it reached L{textReceived}.
        """
        raise NotImplementedError()

    def lineRefused(self, error: ChatError, start: bytes) -> None:
        """
        A line was refused undecoded (too long, not UTF-8); C{start} is its
        first bytes (L{REFUSED_START} at most), for a protocol whose commands
        span lines to tell which one the line began.  By default, as any
        refused line.
        """
        self.inputRefused(error)

    def floodRefused(self, error: ChatError) -> None:
        """
        Tell the user they flooded, just before the connection closes; by
        default as any refused line.
        """
        self.inputRefused(error)

    def linesWaiting(self, text: str, when: float) -> None:
        """
        Tell the user their lines start to wait for the flood limit
        (C{text} says so); by default as a server notice
        (L{chatd.core.participant.IParticipant.notice}), which each
        front-end shows in its way.
        """
        notice = getattr(self, "notice", None)
        if notice is not None:
            notice(Notice(text, when))

    def internalError(self) -> None:
        """
        Tell the user their line hit a bug; the connection stays open.
        """
        raise NotImplementedError()

    def refuseConnection(self, error: ChatError) -> None:
        """
        Tell a newcomer why they are refused (the connection then closes).
        """
        raise NotImplementedError()

    def loggableLine(self, text: str) -> str:
        """
        What of a line that met a bug may go to the log.  By default only its
        length: a line may hold a password (TCHAT LOGIN, IRC PASS, a talk
        prompt), and logs are read by more people than passwords should be.
        """
        return f"a line of {len(text)} characters"

    def decodeLine(self, line: bytes) -> str:
        """
        Decode one line; strict UTF-8 unless a protocol says otherwise.

        @raise InvalidArgument: the line is not valid UTF-8.
        """
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument("invalid UTF-8") from None
