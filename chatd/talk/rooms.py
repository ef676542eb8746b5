# -*- test-case-name: tests.unit.talk.test_talk,tests.unit.talk.test_talk_accounts -*-
"""
A talk session's current room: where plain lines go, and entering rooms.

The service knows which rooms a person is in; talk mode adds one of them,
C{session.room}, the room a plain line is said in.  These functions keep it
right for the login (L{chatd.talk.protocol}) and the commands
(L{chatd.talk.commands}) alike.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.core import errors
from chatd.core.errors import ChatError
from chatd.core.interfaces import maybeCall
from chatd.core.names import key
from chatd.talk.format import clean, serverLine, stamp
from chatd.talk.session import TalkSession, UsageError


def company(session: TalkSession, room: str) -> str:
    """
    C{", with bob."} or C{"; nobody else is here yet."}.
    """
    members = session.factory.service.members(session.participant, room)
    others = [nick for nick in members if nick != session.nick]
    return f", with {', '.join(others)}." if others else "; nobody else is here yet."


async def enter(session: TalkSession, room: str, roomKey: str | None = None) -> None:
    """
    Enter C{room} (with C{roomKey} if it has a key), creating it if it
    does not exist, and talk there.
    """
    service, me = session.factory.service, session.participant
    try:
        name = await maybeCall(service.enter, me, room, roomKey)
    except errors.NoSuchGroup:
        try:
            await maybeDeferred(service.createRoom, me, room)
        except errors.GroupExists:
            pass  # made elsewhere at the same moment: enter it
        name = await maybeCall(service.enter, me, room)
    except errors.PendingApproval:
        session.send(
            serverLine(f"Waiting for an operator's approval to enter {room}; you will be told.")
        )
        return
    except errors.AlreadyMember:
        name = next(r for r in service.roomsOf(me) if key(r) == key(room))
        session.room = name
        session.send(serverLine(f"You are now talking in {name}.") + topicLine(session, name))
        return
    session.room = name
    session.send(
        serverLine(f"You joined {name}{company(session, name)}") + topicLine(session, name)
    )


def topicLine(session: TalkSession, room: str, always: bool = False) -> bytes:
    """
    C{room}'s topic, with who set it and when if known; nothing for a room
    without one, unless C{always} (C{/topic}: then it says so).
    """
    service = session.factory.service
    topic = service.topic(room)
    if not topic:
        return serverLine(f"{room} has no topic.") if always else b""
    setter = service.topicSetter(room)
    by = ""
    if setter is not None:
        by = f" (set by {setter[0]}, {stamp(setter[1], session.factory.clock.seconds())})"
    return serverLine(f"Topic of {room}: {clean(topic)}{by}")


async def topicCommand(session: TalkSession, rest: str) -> None:
    """
    C{/topic}: the current room's topic; C{/topic text} sets it (the
    service's rule: any member, only its operators when it has mode C{t}).
    """
    room = currentRoom(session)
    if not rest:
        session.send(topicLine(session, room, always=True))
        return
    await maybeCall(session.factory.service.setTopic, session.participant, room, rest)


async def land(session: TalkSession, room: str, already: list[str]) -> None:
    """
    Put a newcomer in C{room} (the default room), as their current room,
    and tell them every room they are in: the service may already have put
    them in others (C{already}: rooms that take every newcomer, or a
    registered user's rooms from last time).
    """
    session.room = next((name for name in already if key(name) == key(room)), None)
    if session.room is not None:
        session.send(serverLine(f"You are in {session.room}{company(session, session.room)}"))
    else:
        try:
            await enter(session, room)
        except ChatError as error:
            session.send(serverLine(f"Could not enter {room}: {error.text}."))
    rooms = session.factory.service.roomsOf(session.participant)
    if session.room is None and rooms:
        session.room = rooms[0]
        session.send(serverLine(f"You are in {session.room}{company(session, session.room)}"))
    others = [name for name in rooms if session.room is None or key(name) != key(session.room)]
    if session.room is None:
        session.send(serverLine("You are in no room: /rooms lists them, /join <room> enters."))
    elif others:
        which = others[0] if len(others) == 1 else "<room>"
        session.send(serverLine(f"You are also in {', '.join(others)}: /join {which} talks there."))


def currentRoom(session: TalkSession) -> str:
    """
    The room plain lines go to; if the service no longer has us there,
    the room we joined last.

    @raise UsageError: we are in no room at all.
    """
    rooms = session.factory.service.roomsOf(session.participant)
    keys = {key(room): room for room in rooms}
    if session.room is not None and key(session.room) in keys:
        return keys[key(session.room)]
    session.room = rooms[-1] if rooms else None
    if session.room is None:
        raise UsageError("You are not in any room: /join <room> first.")
    return session.room


async def say(session: TalkSession, text: str) -> None:
    """
    Say C{text} in the current room.
    """
    service = session.factory.service
    await maybeDeferred(service.say, session.participant, currentRoom(session), (text,))
