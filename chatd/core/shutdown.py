# -*- test-case-name: tests.unit.core.test_shutdown -*-
"""
A stopping daemon says goodbye: every connection is told why before it
closes, whatever its protocol, and the daemon waits (a bounded time) for
those goodbyes to leave.

Each front-end shows the notice its own way (a TCHAT C{NOTICE} block, a talk
C{*** Server notice:} line, an IRC C{NOTICE}, a web C{notice} frame) and then
ends the session as for any L{ChatError}: TCHAT C{ERROR 03}, IRC C{ERROR
:Closing Link: ... (Server shutting down)}, a web C{bye} frame with code 3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, TimeoutError
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.errors import ShuttingDown
from chatd.core.events import Notice

if TYPE_CHECKING:
    from chatd.core.service import ChatService

log = Logger()

#: What everyone connected is told when the daemon stops, unless the
#: operator says otherwise (C{--shutdown-notice}).
DEFAULT_NOTICE = "The server is stopping (a restart or maintenance): reconnect in a moment."


class Goodbye:
    """
    What a stopping service tells its connections (C{notice}) and how long
    it waits at most for them to close (C{grace}, in seconds).

    @ivar by: the administrator who is stopping the daemon (the console's
        C{shutdown}), whom the notice names first, or C{None}.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.notice = DEFAULT_NOTICE
        self.grace = 10.0
        self.by: str | None = None

    def text(self) -> str:
        """
        The notice every connection gets: one, whoever stops the daemon,
        naming first the administrator who did (one line: talk and IRC show
        a notice as one).
        """
        if self.by is None:
            return self.notice
        return f"The server is shutting down now (by {self.by}). {self.notice}"

    def say(self) -> Deferred[None]:
        return sayGoodbye(self.service, self.text(), self.service.clock, self.grace)


def sayGoodbye(
    service: ChatService, text: str, clock: IReactorTime, grace: float
) -> Deferred[None]:
    """
    Tell every connection of this daemon (logged in or not; not the users
    of other cluster nodes) C{text} and end its session, then wait until
    every admitted connection has closed, at most C{grace} seconds.

    @return: fires when they have closed or the grace is over.
    """
    event = Notice(text, service.clock.seconds())
    error = ShuttingDown()
    participants = service.people.connections()
    for participant in participants:
        participant.notice(event)
        participant.disconnect(error)
    for participant in participants:
        # Their connections are closing: nothing reaches them any more, so
        # each one's leaving costs the others nothing but bookkeeping.
        service.disconnect(participant, error.text)
    if participants:
        log.info("shutting down: told {count} connections why", count=len(participants))
    waited = service.admission.whenEmpty()
    waited.addTimeout(grace, clock)

    def late(failure: Failure) -> None:
        failure.trap(TimeoutError)
        log.info(
            "shutting down: {count} connections still open after {grace} s",
            count=service.admission.count,
            grace=grace,
        )

    return waited.addErrback(late)
