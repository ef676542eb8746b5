# -*- test-case-name: tests.unit.test_tchat -*-
"""
How a TCHAT connection answers what it refuses before a command runs: a
line too long or not UTF-8, a flood, an internal error, a connection
turned away.  A refused line inside a C{SPEAK} or C{MSGPV} body, or one
that opens a body, spoils that body, whose one error follows its end.
"""

from __future__ import annotations

from collections.abc import Callable

from chatd.core import errors
from chatd.core.errors import ChatError
from chatd.tchatbody import Body, bodyVerb
from chatd.tchatwire import encodeError


class TchatRefusals:
    """
    The refusals of L{chatd.tchat.TchatProtocol}.
    """

    _body: Body | None
    _aliveOwed: bool
    # The protocol's:
    send: Callable[[bytes], None]
    _openBody: Callable[[str, str, bool], Body]

    def loggableLine(self, text: str) -> str:
        # The verb helps debugging; the arguments may be a password.
        return repr(" ".join(text.split(" ", 2)[:2]))

    def inputRefused(self, error: ChatError) -> None:
        self.lineRefused(error, b"")

    def lineRefused(self, error: ChatError, start: bytes) -> None:
        """
        A refused line spoils the body it is in; one whose verb opens a body
        (readable however it is refused) opens it, refused: either way the
        body's lines are read as its lines, never as commands, and its one
        error follows its C{clt: .}.
        """
        if self._body is not None:
            self._body.refused = True
            return
        aliveOwed, self._aliveOwed = self._aliveOwed, False
        verb = bodyVerb(start)
        if verb is not None:
            self._openBody(verb, "", aliveOwed).refused = True
        else:
            self.send(encodeError(error.code))

    def floodRefused(self, error: ChatError) -> None:
        # Even inside a SPEAK or MSGPV body: the connection closes now, so
        # the body never ends, and the error must not wait for its end.
        self._body = None
        self.send(encodeError(error.code))

    def internalError(self) -> None:
        self.send(encodeError(errors.InternalError.code))

    def refuseConnection(self, error: ChatError) -> None:
        self.send(encodeError(error.code))
