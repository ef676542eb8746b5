# -*- test-case-name: tests.unit.core.test_autojoin -*-
"""
The rooms people are put in without asking for them.

A room flagged autojoin (a stored room setting: C{Général} in a fresh data
directory) takes each account once, when it is registered: the membership
is stored, and the user may leave for good.  The operator's C{--autojoin}
rooms take every login.  A registered user's login puts them back in the
rooms they had not left.  Otherwise a login joins nothing: a client that
only logs in sees no room's traffic (TCHAT's and IRC's rule); a front-end
that wants a room of its own (talk mode's landing room) enters it the
normal way.

None of this looks at who is online: a login costs the same with one user
or ten thousand (only joining a room tells its members, as any entry does).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatd.core import errors
from chatd.core.founders import aboveBans
from chatd.core.names import key
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.room import Room
    from chatd.core.service import ChatService


def loginRooms(service: ChatService, nick: str, stored: Iterable[str]) -> list[Room]:
    """
    The existing rooms a login of C{nick} puts them in: their C{stored}
    memberships (a registered user's rooms from last time), then the
    service's C{--autojoin} rooms; each once, and none they are already in.
    """
    return _fresh(service, nick, [*stored, *service.autojoin])


def storedRooms(service: ChatService, nick: str, stored: Iterable[str]) -> list[Room]:
    """
    The existing rooms of C{stored} (a registered user's rooms from last
    time, read late) that C{nick} is not in; each once.
    """
    return _fresh(service, nick, list(stored))


def registrationRooms(service: ChatService, nick: str) -> list[Room]:
    """
    The rooms flagged autojoin that C{nick}, an account registered just now,
    is put in.
    """
    return _fresh(
        service, nick, [room.name for room in service.registry.all() if room.settings.autojoin]
    )


def _fresh(service: ChatService, nick: str, names: list[str]) -> list[Room]:
    rooms: dict[str, Room] = {}
    for name in names:
        room = service.registry.find(name)
        if room is not None and key(nick) not in room.members:
            rooms.setdefault(key(room.name), room)
    return list(rooms.values())


def joinRooms(
    service: ChatService,
    participant: IParticipant,
    nick: str,
    rooms: list[Room],
    refused: list[str] | None = None,
) -> list[str]:
    """
    Put C{participant} in C{rooms} (the server decided: no key, no
    invitation needed), skipping those it cannot enter now (full, or a ban
    that matches it, set while it was away: each added to C{refused}, with
    why); the names of those entered.
    """
    entered = []
    operator = service.isOperator(participant)
    account = service.provenAccount(participant)
    for room in rooms:
        if not service.isLoggedIn(participant) or key(nick) in room.members:
            continue
        try:
            if not aboveBans(room, nick, account, operator):
                room.checkNotBanned(service.people.hosts.masksOf(participant), nick)
            service.join(participant, nick, room)
        except errors.ChatError as error:
            if refused is not None:
                refused.append(f"{room.name} ({error.text})")
            continue
        entered.append(room.name)
    return entered
