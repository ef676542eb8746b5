# -*- test-case-name: tests.unit.core.test_statusmsg -*-
"""
A message to a room's operators only (IRC's C{STATUSMSG}, C{PRIVMSG @#room}).

Who a room's operators are is the service's rule
(L{IChatService.isRoomOperator}: its creator and those made operators, and
chatd operators); whoever may speak in the room may write to them, as on
most IRC servers.
"""

from __future__ import annotations

from functools import partial

from chatd.core.events import RoomMessage
from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.room import Room

#: The status prefixes a message may be addressed to: C{@}, operators.
PREFIXES = "@"


def sayToOperators(
    service: IChatService,
    participant: IParticipant,
    room: str,
    lines: tuple[str, ...],
    notice: bool = False,
    tags: tuple[tuple[str, str], ...] = (),
) -> RoomMessage:
    """
    C{participant} says C{lines} in C{room} to its operators only; the
    event, whose C{status} is C{"@"}.

    @raise chatd.core.errors.ChatError: as L{IChatService.say} would.
    """
    event: RoomMessage = service.messages.sayAmong(
        participant, room, lines, notice, tags, "@", partial(audience, service)
    )
    return event


def audience(service: IChatService, target: Room) -> list[IParticipant]:
    """
    Who in C{target} a message to its operators reaches (on another node
    too, for one sent there).
    """
    return [m for m in target.members.values() if service.isRoomOperator(m, target.name)]
