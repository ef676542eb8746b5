# -*- test-case-name: tests.unit.talk.test_talk_kick,tests.unit.talk.test_talk_session,tests.unit.talk.test_talk_accountrights -*-  # noqa: E501
"""
Talk mode's moderation commands: C{/kick}, C{/kill} and C{/delete}.

C{/kick} takes someone out of a room, as IRC's C{KICK} and the web's
C{kick} with a room do: the service's L{kickFromRoom}, which the room's
operators and chatd operators may use.  C{/kill} ends someone's session,
as IRC's C{KILL} and the web's C{kick} without a room do: the service's
L{kick}, for chatd operators only.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.core import errors
from chatd.core.names import key
from chatd.core.redaction import latestBy, redact
from chatd.talk.format import encodeRedaction, serverLine
from chatd.talk.rooms import currentRoom, roomArgument
from chatd.talk.session import TalkSession, UsageError

#: The arguments of each command, as its usage line and the help show them.
KICK_ARGS = "<nick> [reason]"
KILL_ARGS = "<nick> [reason]"
DELETE_ARGS = "[nick]"


def _killHint(session: TalkSession, nick: str = "<nick>") -> str:
    """
    For a chatd operator, who may have meant to end someone's session
    rather than take them out of a room: how to (else nothing).
    """
    if not session.factory.service.isOperator(session.participant):
        return ""
    return f" (/kill {nick} [reason] ends their session)"


def _kickedRoom(session: TalkSession, named: str | None) -> str:
    """
    The room a C{/kick} takes someone out of: the one it names, else the
    current room.

    @raise UsageError: it names none and there is no current room.
    """
    if named is not None:
        return roomArgument(named)
    rooms = session.factory.service.roomsOf(session.participant)
    current = {key(room): room for room in rooms}.get(key(session.room or ""))
    if current is None:
        raise UsageError(
            f"You have no current room: /kick #room <nick> [reason] names one{_killHint(session)}."
        )
    return current


async def kickCommand(session: TalkSession, rest: str) -> None:
    """
    C{/kick [#room] <nick> [reason]}: take C{nick} out of the current room
    (or C{#room}); the room's members, C{nick} included, are told.  A
    nickname never starts with C{#}, so a first word that does names the
    room.
    """
    first, _, after = rest.partition(" ")
    named = None
    if first.startswith("#"):
        named, (first, _, after) = first, after.strip().partition(" ")
    nick, reason = first, after.strip()
    if not nick:
        raise UsageError(f"Usage: /kick {KICK_ARGS}")
    room = _kickedRoom(session, named)
    service = session.factory.service
    member = key(room) in {key(name) for name in service.roomsOf(session.participant)}
    name = service.storedName(room)  # asked first: the room may end with the kick
    try:
        shown = await maybeDeferred(service.kickFromRoom, session.participant, room, nick, reason)
    except errors.NotInRoom:
        raise UsageError(f"Sorry, {nick} is not in {name}{_killHint(session, nick)}.") from None
    if not member:  # the room's members are told; its kicker is not one
        session.send(serverLine(f"{shown} was kicked from {name}."))


async def killCommand(session: TalkSession, rest: str) -> None:
    """
    C{/kill <nick> [reason]}: a chatd operator ends C{nick}'s session
    (they may come back at once); their rooms are told why.
    """
    nick, _, reason = rest.partition(" ")
    if not nick:
        raise UsageError(f"Usage: /kill {KILL_ARGS}")
    await maybeDeferred(session.factory.service.kick, session.participant, nick, reason.strip())
    session.send(serverLine(f"{nick} has been disconnected."))


async def deleteCommand(session: TalkSession, rest: str) -> None:
    """
    Delete your last message in the current room, or (a room operator)
    C{nick}'s: the latest of the room's stored messages they sent
    (L{latestBy}: found by sender, not read from the room's history).
    """
    if " " in rest:
        raise UsageError(f"Usage: /delete {DELETE_ARGS}")
    nick = rest or session.nick or ""
    room = currentRoom(session)
    service = session.factory.service
    last = await maybeDeferred(latestBy, service, session.participant, room, nick)
    if last is None:
        session.send(serverLine(f"No message of {nick} in {room} to delete."))
        return
    event = await maybeDeferred(redact, service, session.participant, room, True, last.msgid)
    session.send(encodeRedaction(event))
