# -*- test-case-name: tests.unit.web.test_web,tests.unit.web.test_web_search,tests.unit.web.test_web_ghosts,tests.unit.web.test_web_roomnames,tests.unit.web.test_web_creatorjoin -*-  # noqa: E501
"""
What each WebSocket request does: one function per request C{type}, in
L{HANDLERS}, translating a JSON object into a service call and its result
into the reply's fields.  L{chatd.web.socket.WebParticipant} dispatches to
them and adds the C{type} and C{id}; a L{ChatError} raised here (or by the
service) becomes the error frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import maybeDeferred

from chatd.core.alwayson import alwaysOnOf
from chatd.core.clientids import Said
from chatd.core.errors import InvalidArgument, NotPermitted
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.inbox import Kept
from chatd.core.interfaces import maybeCall
from chatd.core.redaction import redact as redactMessage
from chatd.core.status import awayOf
from chatd.core.text import plain
from chatd.web import history, ignores, readmarks, replay, resend, searching, wire

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant

Reply = dict[str, Any]


def _text(request: dict[str, Any], field: str) -> str:
    value = request.get(field)
    if not isinstance(value, str):
        raise InvalidArgument(f"'{field}' must be a string")
    return value


def _reason(request: dict[str, Any]) -> str:
    """
    A request's optional C{reason} (C{""} if none).
    """
    return _text(request, "reason") if "reason" in request else ""


def ping(web: WebParticipant, request: dict[str, Any]) -> Reply:
    return {}


def login(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    An account's login (C{password}) may C{prefer} a nickname (to take
    back); C{resume}: the page's own login again, taking no one's place.
    """
    nick, password = _text(request, "nick"), request.get("password")
    if password is not None and not isinstance(password, str):
        raise InvalidArgument("'password' must be a string")
    replay.noteLogin(web, request)
    more: dict[str, Any] = {"resume": True} if request.get("resume") is True else {}
    if "prefer" in request:
        more["preferred"] = _text(request, "prefer")
    signing = replay.answering(
        web, lambda: maybeDeferred(web.service.login, web, nick, password, **more)
    )
    return signing.addCallback(
        lambda stored: {"nick": stored, "account": web.service.accountName(web), **_roomsIn(web)}
    )


def _roomsIn(web: WebParticipant) -> Reply:
    """
    The rooms the user is in, and those of them it runs: what a login or a
    registration put it in (the service joins them before it answers).
    """
    rooms = web.service.roomsOf(web)
    return {"rooms": rooms, "operatorIn": [r for r in rooms if web.service.isRoomOperator(web, r)]}


def nick(web: WebParticipant, request: dict[str, Any]) -> Any:
    return maybeDeferred(web.service.rename, web, _text(request, "nick")).addCallback(
        lambda stored: {"nick": stored}
    )


def rooms(web: WebParticipant, request: dict[str, Any]) -> Reply:
    return {
        "rooms": [
            {"name": name, "members": count} for name, count in web.service.roomsVisibleTo(web)
        ],
        "joined": web.service.roomsOf(web),
        "waiting": web.service.roomsAwaited(web),
    }


def users(web: WebParticipant, request: dict[str, Any]) -> Reply:
    return {"users": [user.nick for user in web.service.listedPeople(web)]}


def create(web: WebParticipant, request: dict[str, Any]) -> Any:
    return maybeDeferred(web.service.createRoom, web, _text(request, "room")).addCallback(
        lambda room: {"room": room}
    )


def join(web: WebParticipant, request: dict[str, Any]) -> Any:
    def entered(room: str) -> Reply:
        return {
            "room": room,
            **_membersOf(web, room),
            "topic": plain(web.service.topic(room)),
        }

    roomKey = request.get("key")
    if roomKey is not None and not isinstance(roomKey, str):
        raise InvalidArgument("'key' must be a string")
    make = request.get("create", False)
    if not isinstance(make, bool):
        raise InvalidArgument("'create' must be true or false")
    room = _text(request, "room")
    replay.noteJoin(web, room, request)
    # With C{create}: a room that does not exist is made with the user in it.
    enter = web.service.enterOrCreate if make else web.service.enter
    answer = replay.entering(web, room, lambda: maybeCall(enter, web, room, roomKey))
    return answer.addCallback(entered)


def leave(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    Leave C{room}, with an optional C{reason} the members left see (as
    IRC's C{PART} reason).
    """
    room = _text(request, "room")
    reason = _reason(request)
    return maybeDeferred(web.service.leave, web, room, reason).addCallback(
        lambda left: {"room": left}
    )


def members(web: WebParticipant, request: dict[str, Any]) -> Reply:
    room = _text(request, "room")
    statuses = _membersOf(web, room)
    return {"room": web.service.storedName(room), **statuses}


def _membersOf(web: WebParticipant, room: str) -> Reply:
    """
    C{members}, C{status}: each member's C{o} (the room's operators) or
    C{v} (voiced), for those that have one; and C{operator}: whether the
    user runs the room (the page offers to delete others' messages then).
    """
    statuses = web.service.memberStatuses(web, room)
    return {
        "members": [nick for nick, _ in statuses],
        "status": {nick: status for nick, status in statuses if status},
        "operator": web.service.isRoomOperator(web, room),
    }


def register(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    Protect the nickname in use with a password, or change the password
    of the account signed in to (the service's one rule; it needs message
    storage for accounts).  A new account is put in the rooms flagged
    automatic: the reply's C{rooms}, as a login's.
    """
    password = _text(request, "password")
    register = getattr(web.service, "register", None)
    if register is None:
        raise NotPermitted("this server keeps no accounts")
    registering = replay.answering(web, lambda: maybeDeferred(register, web, password))
    return registering.addCallback(
        lambda done: {
            "nick": web.nick,
            "account": done.account,
            "created": done.created,
            **_roomsIn(web),
        }
    )


def say(web: WebParticipant, request: dict[str, Any]) -> Any:
    room, lines = _text(request, "room"), wire.splitText(_text(request, "text"))
    said = resend.once(web, resend.clientId(request), lambda: web.service.say(web, room, lines))
    return said.addCallback(
        lambda done: _sent(
            web, {"room": web.service.storedName(room), **resend.repeatOf(done)}, lines, done.answer
        )
    )


def tell(web: WebParticipant, request: dict[str, Any]) -> Any:
    to, lines = _text(request, "to"), wire.splitText(_text(request, "text"))
    told = resend.once(web, resend.clientId(request), lambda: web.service.tell(web, to, lines))

    def reply(done: Said) -> Reply:
        sent = done.answer
        fields = {"to": _recipient(to, sent), **_away(web, to, sent), **resend.repeatOf(done)}
        return _sent(web, fields, lines, sent)

    return told.addCallback(reply)


def _recipient(typed: str, sent: object) -> str:
    """
    The reply's C{to}: the recipient as the service calls them (C{Σοφία}
    for C{ΣΟΦΙΑ}, C{bob} for C{BOB}), as their C{private} events will name
    them, so the page keeps one conversation with them.
    """
    if isinstance(sent, Kept):
        sent = sent.event
    return sent.recipient if isinstance(sent, PrivateMessage) else typed


def _away(web: WebParticipant, to: str, sent: object) -> Reply:
    """
    C{away}: the recipient, connected, marked themselves away (IRC's 301).
    """
    away = None if isinstance(sent, Kept) else awayOf(web.service.find(to))
    return {} if not away else {"away": plain(away)}


def _sent(
    web: WebParticipant,
    fields: Reply,
    lines: tuple[str, ...],
    sent: object,
) -> Reply:
    """
    The reply to C{say} or C{tell}: the message as the others got it (or
    as it waits for someone away), with its time and C{msgid}.
    """
    fields.update({"from": web.nick, "text": _shown(web, lines)})
    if isinstance(sent, Kept):  # waits for its recipient's next login
        fields["waiting"] = True
        sent = sent.event
    if isinstance(sent, (RoomMessage, PrivateMessage)):
        fields.update(time=sent.when, millis=sent.millis)
        return wire.markAction(fields, lines, sent.msgid)
    fields["time"] = _now(web)
    return wire.markAction(fields, lines)


def _shown(web: WebParticipant, lines: tuple[str, ...]) -> str:
    """
    The reply's C{text}: what the other browsers are shown, so the sender's
    page shows the same (and gets no control character either).
    """
    return wire.messageText(web.nick or "", lines)


def topic(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    A room's topic; with a C{topic} field, set it first (members get a
    C{notice} carrying the new C{topic}).
    """
    room = _text(request, "room")

    def shown(ignored: object = None) -> Reply:
        return {"room": web.service.storedName(room), "topic": plain(web.service.topic(room))}

    if "topic" not in request:
        web.service.members(web, room)  # only members, as for history
        return shown()
    text = _text(request, "topic")
    return maybeDeferred(web.service.setTopic, web, room, text).addCallback(shown)


def whowas(web: WebParticipant, request: dict[str, Any]) -> Reply:
    """
    What became of a nickname: C{renamedTo} is the name its last user took
    (C{null} if they left), so a page follows a private conversation.
    """
    nick = _text(request, "nick")
    if "*" in nick or "?" in nick:
        raise InvalidArgument("'nick' must be a nickname, not a mask")
    past = web.service.whowas(nick, 1)
    return {"nick": nick, "renamedTo": past[0].renamedTo if past else None}


def kick(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    With C{room}: a room operator takes C{nick} out of that room (IRC's
    C{KICK}); without: a chatd operator ends C{nick}'s session.
    """
    nick = _text(request, "nick")
    reason = _reason(request)
    if "room" in request:
        room = _text(request, "room")
        kicked = maybeDeferred(web.service.kickFromRoom, web, room, nick, reason)
        return kicked.addCallback(
            lambda shown: {"nick": shown, "room": web.service.storedName(room)}
        )
    return maybeDeferred(web.service.kick, web, nick, reason).addCallback(
        lambda ignored: {"nick": nick}
    )


def alwayson(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    Whether the account stays in its rooms while not connected
    (L{chatd.core.alwayson}); with C{"on": true|false}, choose it.
    """
    alwaysOn = alwaysOnOf(web.service)
    if alwaysOn is None:
        raise NotPermitted("this server keeps no accounts")
    on = request.get("on")
    if on is None:
        return {"on": alwaysOn.get(web)}
    if not isinstance(on, bool):
        raise InvalidArgument("'on' is true or false")
    return alwaysOn.set(web, on).addCallback(lambda stored: {"on": stored})


def redact(web: WebParticipant, request: dict[str, Any]) -> Any:
    """
    Delete the message C{msgid} of a C{room}, or of the private
    conversation C{with} someone (L{chatd.core.redaction}), giving an
    optional C{reason}: the reply has the C{redacted} event's fields, the
    other pages that may show the message get that event.
    """
    msgid = _text(request, "msgid")
    reason = _reason(request)
    field = "room" if "room" in request else "with"
    target = _text(request, field)
    deleted = maybeDeferred(redactMessage, web.service, web, target, field == "room", msgid, reason)
    return deleted.addCallback(
        lambda event: {
            field: web.service.storedName(target) if field == "room" else target,
            "msgid": msgid,
            "by": event.by,
            "from": event.sender,
            "reason": plain(event.reason),
            "time": event.when,
        }
    )


def _now(web: WebParticipant) -> int:
    return int(web.factory.clock.seconds())


#: Request C{type} to handler.
HANDLERS: dict[str, Callable[[WebParticipant, dict[str, Any]], Any]] = {
    "ping": ping,
    "login": login,
    "nick": nick,
    "rooms": rooms,
    "users": users,
    "create": create,
    "join": join,
    "leave": leave,
    "members": members,
    "history": history.history,
    "register": register,
    "search": searching.search,
    "say": say,
    "tell": tell,
    "sent": resend.sent,
    "kick": kick,
    "redact": redact,
    "topic": topic,
    "whowas": whowas,
    "markers": readmarks.markers,
    "markread": readmarks.markread,
    "alwayson": alwayson,
    "ignore": ignores.ignore,
    "unignore": ignores.unignore,
    "ignored": ignores.ignored,
}
