# -*- test-case-name: tests.unit.talk.test_talk,tests.unit.talk.test_talk_accounts,tests.unit.talk.test_talk_multiconnection,tests.unit.talk.test_talk_joinorder,tests.unit.talk.test_talk_creatorjoin -*-  # noqa: E501
"""
A talk session's current room: where plain lines go, and entering rooms.

The service knows which rooms a person is in; talk mode adds one of them,
C{session.room}, the room a plain line is said in.  These functions keep it
right for the login (L{chatd.talk.protocol}) and the commands
(L{chatd.talk.commands}) alike.  Only the person moves it: C{/join}, or
C{/leave}, which says where lines go next.  A line is never said in a room
the person did not choose: once the current room is gone (a room operator
kicked them, they left it from another connection) there is none until
they C{/join} one, and plain lines are refused, not said elsewhere.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.errors import ChatError
from chatd.core.events import KICK, PART, Membership, shownBy
from chatd.core.interfaces import maybeCall
from chatd.core.names import isValidRoomName, key, normalize, roomOfChannel
from chatd.core.status import awayOf
from chatd.lines.roomhold import replayOffered
from chatd.talk.format import clean, serverLine, stamp
from chatd.talk.session import TalkSession, UsageError


def company(session: TalkSession, room: str) -> str:
    """
    C{", with bob."} or C{"; nobody else is here yet."}.
    """
    members = session.factory.service.members(session.participant, room)
    others = [shownNick(session, nick) for nick in members if nick != session.nick]
    return f", with {', '.join(others)}." if others else "; nobody else is here yet."


def shownNick(session: TalkSession, nick: str, status: str = "") -> str:
    """
    C{nick} as a list of people shows it: C{"ivy (away)"} for someone away,
    an always-on person with no connection open included; with a room's
    C{status}, C{"op (runs it)"}, C{"ivy (away, voiced)"} (IRC's @ and +).
    """
    notes = ["away"] if awayOf(session.factory.service.find(nick)) else []
    notes += {"o": ["runs it"], "v": ["voiced"]}.get(status, [])
    return f"{nick} ({', '.join(notes)})" if notes else nick


def roomOption(value: str) -> str:
    """
    Check a C{--default-room} (or C{--rooms}) value at start-up rather than
    at every login: the core's room-name rule.

    @raise ValueError: it is not a valid room name.
    """
    name = normalize(value)
    if not isValidRoomName(name):
        raise ValueError(errors.InvalidGroup.reason)
    return name


def roomArgument(name: str) -> str:
    """
    The room a command's argument names: C{#den} is the room C{den}, as
    for IRC (L{roomOfChannel}, the rule every front-end shares); any other
    word is a room name as it is.
    """
    return roomOfChannel(name) or name


async def enter(session: TalkSession, room: str, roomKey: str | None = None) -> None:
    """
    Enter C{room} (with C{roomKey} if it has a key), creating it if it
    does not exist, and talk there.  Its live lines wait for the answer
    and its history (L{chatd.lines.roomhold}); for the answer only when no
    history comes: none replayed (C{--history-count 0}), not entered, or
    in it already.
    """
    replayed = replayOffered(session.factory.service, session.participant)
    session.held.hold(room)
    entered = False
    try:
        entered = await _enter(session, room, roomKey)
    finally:
        if not (replayed and entered):
            session.held.release(room)


async def _enter(session: TalkSession, room: str, roomKey: str | None) -> bool:
    service, me = session.factory.service, session.participant
    try:
        name = await maybeCall(service.enterOrCreate, me, room, roomKey)  # made if need be
    except errors.PendingApproval as pending:
        name = pending.room or room
        session.send(
            serverLine(f"Waiting for an operator's approval to enter {name}; you will be told.")
        )
        return False
    except errors.AlreadyMember:
        name = next(r for r in service.roomsOf(me) if key(r) == key(room))
        session.room = name
        session.send(serverLine(f"You are now talking in {name}.") + topicLine(session, name))
        return False
    session.room = name
    session.send(
        serverLine(f"You joined {name}{company(session, name)}") + topicLine(session, name)
    )
    return True


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
        by = f" (set by {shownBy(setter[0])}, {stamp(setter[1], session.factory.clock.seconds())})"
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
    registered user's rooms from last time).  A connection that joined a
    person signed in already is not: the person left that room, or never
    entered it, on purpose.
    """
    session.room = next((name for name in already if key(name) == key(room)), None)
    service = session.factory.service
    nick = session.participant.nick
    if session.room is not None:
        session.send(serverLine(f"You are in {session.room}{company(session, session.room)}"))
    elif nick is not None and len(connectionsOf(service.find(nick))) > 1:
        # Joined a person signed in already: its rooms are as it chose them.
        session.send(
            serverLine(
                f"You are not put in {room}: you are signed in elsewhere too, and keep"
                f" the rooms you are in there (/join {room} enters it)."
            )
        )
    else:
        try:
            await enter(session, room)
        except ChatError as error:
            session.send(serverLine(f"Could not enter {room}: {error.text}."))
    rooms = service.roomsOf(session.participant)
    if session.room is None and rooms:
        session.room = rooms[0]
        session.send(serverLine(f"You are in {session.room}{company(session, session.room)}"))
    others = [name for name in rooms if session.room is None or key(name) != key(session.room)]
    if session.room is None:
        session.send(serverLine("You are in no room: /rooms lists them, /join <room> enters."))
    elif others:
        which = others[0] if len(others) == 1 else "<room>"
        session.send(serverLine(f"You are also in {', '.join(others)}: /join {which} talks there."))


def currentRoom(session: TalkSession, sending: bool = False) -> str:
    """
    The room plain lines go to.  There is none when the person is in no
    room, or was taken out of their current room (L{leftRoom}): never
    another room they did not choose.

    @param sending: a plain line waits for it (the refusal says it was
        not sent).
    @raise UsageError: there is no current room.
    """
    rooms = session.factory.service.roomsOf(session.participant)
    keys = {key(room): room for room in rooms}
    if session.room is not None and key(session.room) in keys:
        return keys[key(session.room)]
    session.room = None  # left without our hearing of it: gone all the same
    if not rooms:
        raise UsageError("You are not in any room: /join <room> first.")
    where = f"/join <room> chooses one (you are in {', '.join(rooms)})."
    if sending:
        raise UsageError(f"Not sent: you have no current room; {where}")
    raise UsageError(f"You have no current room: {where}")


def leftRoom(session: TalkSession, event: Membership) -> None:
    """
    The person left C{event.room} without this connection asking: its
    operator kicked them (as after a ban), or they left from another
    connection.  Told in the second person; if it was the current room,
    there is no current room any more, and they are told so at once.
    """
    why = f" ({clean(event.reason)})" if event.reason else ""
    if event.kind == KICK:
        text = f"You were kicked from {event.room} by {shownBy(event.by)}{why}."
    elif event.kind == PART:
        text = f"You left {event.room} from another connection{why}."
    else:
        text = f"You are no longer in {event.room}{why}."
    if session.room is None or key(session.room) != event.roomKey:
        session.send(serverLine(text))
        return
    session.room = None
    # The service may still list the room while it tells its members.
    rooms = session.factory.service.roomsOf(session.participant)
    others = [room for room in rooms if key(room) != event.roomKey]
    if others:
        after = (
            "You have no current room: nothing you type is said anywhere until you"
            f" /join a room (you are still in {', '.join(others)})."
        )
    else:
        after = "You are in no room now: /rooms lists them, /join <room> enters."
    session.send(serverLine(text) + serverLine(after))


async def say(session: TalkSession, text: str) -> None:
    """
    Say C{text} in the current room.
    """
    service = session.factory.service
    room = currentRoom(session, sending=True)
    await maybeDeferred(service.say, session.participant, room, (text,))
