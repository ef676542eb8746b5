# -*- test-case-name: tests.unit.web.test_web_resend -*-
"""
A page's message sent again is said once: C{say} and C{tell} carry the
page's own id for the message (C{cid}, L{chatd.core.clientids}, where the
rule lives), the same on every resend of it; a repeat is answered as the
first was, with C{"repeat": true}.  The C{sent} request asks what became of
the message with a C{cid}, without sending it: said (its C{msgid}, C{time},
C{millis}, C{room} or C{to}), or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.core.clientids import Said
from chatd.core.errors import InvalidArgument
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.inbox import Kept

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]


def clientId(request: dict[str, Any]) -> str | None:
    """
    The request's C{cid}, if it has one (the service checks its form).
    """
    cid = request.get("cid")
    if cid is not None and not isinstance(cid, str):
        raise InvalidArgument("'cid' must be a string")
    return cid


def once(web: WebParticipant, cid: str | None, send: Callable[[], object]) -> Deferred[Said]:
    """
    What C{send()} (the service's C{say} or C{tell}) answers: with a
    C{cid}, sent through the service's rule (said once, on any node,
    L{chatd.core.clientids}), a repeat answered as the first one.
    """
    if cid is None:
        return maybeDeferred(send).addCallback(Said, False)
    return maybeDeferred(web.service.messages.sent.attempt, web, cid, send)


def repeatOf(said: Said) -> Reply:
    """The reply's C{repeat}: C{true} for a message whose C{cid} was accepted already."""
    return {"repeat": True} if said.repeat else {}


def sent(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    What became of the message with the request's C{cid}: C{said}, and if
    it was, where and as which message (a message still on its way is
    waited for).
    """
    cid = clientId(request)
    if cid is None:
        raise InvalidArgument("'cid' must be a string")
    answer = maybeDeferred(web.service.messages.sent.answerOf, web, cid)
    return answer.addCallback(lambda result: {"cid": cid, **_said(result)})


def _said(result: object) -> Reply:
    fields: Reply = {"said": result is not None}
    if isinstance(result, Kept):
        fields["waiting"] = True
        result = result.event
    if isinstance(result, RoomMessage):
        fields["room"] = result.room
    elif isinstance(result, PrivateMessage):
        fields["to"] = result.recipient
    if isinstance(result, (RoomMessage, PrivateMessage)):
        fields.update(msgid=result.msgid, time=result.when, millis=result.millis)
    return fields
