# -*- test-case-name: tests.unit.web.test_web,tests.unit.web.test_web_paced -*-
"""
One WebSocket request, from its JSON text to its reply: parsed, checked,
handed to its handler in L{chatd.web.requests.HANDLERS}, and answered with
the same C{type} and C{id} plus the result, or with an C{error} frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.errors import ChatError, InternalError, InvalidArgument, UnknownCommand
from chatd.lines.paced import paced
from chatd.web import requests, wire

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]

log = Logger()


def isRequestId(value: object) -> bool:
    """Whether C{value} may be a request's C{id}: a string or a number."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def refusal(error: ChatError, message: str) -> bytes:
    """
    The C{error} frame refusing the request C{message} unread (too many at
    once): with its C{id} and C{type}, when it holds them, so that a client
    waiting for that request's answer gets it.
    """
    try:
        request = wire.loads(message)
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return wire.errorFrame(error)
    requestId, kind = request.get("id"), request.get("type")
    return wire.errorFrame(
        error,
        requestId if isRequestId(requestId) else None,
        kind if isinstance(kind, str) else None,
    )


def parse(message: str) -> object:
    """
    The request C{message} holds, as L{dispatch} takes it: its JSON value,
    or the L{ValueError} saying why it is none.
    """
    try:
        return wire.loads(message)
    except ValueError as error:
        return error


def guarded(participant: WebParticipant, handle: Callable[[str], None], frame: str) -> None:
    """
    C{handle} one text C{frame}; a bug it hits is logged with its traceback
    and answered with the internal error, the connection kept (as on TCHAT).
    """
    try:
        handle(frame)
    except Exception:
        log.failure("unexpected error handling web frame {frame!r}", frame=frame[:200])
        participant.sendFrame(wire.errorFrame(InternalError()))


def dispatch(participant: WebParticipant, request: object) -> Deferred[None] | None:
    """
    Handle one request (L{parse}d); its reply or error frame goes to
    C{participant}.

    @return: C{None} once answered, or a L{Deferred} that fires when the
        answer went out (the request waits for the service): later
        requests wait for it.
    """
    if isinstance(request, ValueError):
        participant.sendFrame(wire.errorFrame(InvalidArgument(str(request))))
        return None
    if not isinstance(request, dict):
        participant.sendFrame(wire.errorFrame(InvalidArgument("a request is a JSON object")))
        return None
    requestId, kind = request.get("id"), request.get("type")
    named = kind if isinstance(kind, str) else None  # an error names the request it answers
    if requestId is not None and not isRequestId(requestId):
        badId = InvalidArgument("'id' must be a string or a number")
        participant.sendFrame(wire.errorFrame(badId, None, named))
        return None
    handler = requests.HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None or not isinstance(kind, str):
        unknown = UnknownCommand(f"unknown type {kind!r}")
        participant.sendFrame(wire.errorFrame(unknown, requestId, named))
        return None
    d = maybeDeferred(handler, participant, request)
    d.addCallbacks(
        _replied,
        _refused,
        callbackArgs=(participant, kind, requestId),
        errbackArgs=(participant, kind, requestId),
    )
    d.addErrback(lambda failure: log.failure("web reply failed", failure))
    return None if d.called else d


def _replied(
    result: Reply | wire.Paged, participant: WebParticipant, kind: str, requestId: Any
) -> Deferred[None] | None:
    reply: Reply = {"type": kind}
    if requestId is not None:
        reply["id"] = requestId
    if isinstance(result, wire.Paged):  # its frames as the page reads them; next requests wait
        return paced(participant.outbox, result.frames(reply)).addCallback(lambda _: None)
    reply.update(result)
    participant.sendFrame(wire.dumps(reply))
    return None


def _refused(failure: Failure, participant: WebParticipant, kind: str, requestId: Any) -> None:
    if failure.check(ChatError):
        error = failure.value
        assert isinstance(error, ChatError)
    else:
        log.failure("web request {kind!r} failed", failure, kind=kind)
        error = InternalError()
    participant.sendFrame(wire.errorFrame(error, requestId, kind))
