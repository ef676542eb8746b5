# -*- test-case-name: tests.unit.admin.test_admin_erasure -*-
"""
Erasing what a person wrote, on an erasure request (a pupil's parents',
say): the admin console's C{erase <name>}, and C{account delete <name>
--erase}, which deletes the account first.

Every stored message sent under the name goes, room and private, those
still waiting for delivery included, from the history and the search
index (L{chatd.storage.erasure}): nobody finds them again, not the people
they were sent to.  What others wrote to the person stays.  Screens that
show a message already are not told (a purge, L{chatd.core.purge}, is
for that); backups keep what they hold.  The console audits the erasure
with its counts, never a message's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatd.core import errors
from chatd.core.chathistory import othersWritten
from chatd.core.names import isValidName, normalize

if TYPE_CHECKING:
    from chatd.core.service import ChatService


@dataclass(frozen=True)
class Erased:
    """
    The messages erased of C{name}: how many in C{rooms}, how many
    C{private}.
    """

    name: str
    rooms: int
    private: int


async def erase(service: ChatService, name: str) -> Erased:
    """
    Delete every stored message sent under C{name}, room and private.

    @raise NotPermitted: the service keeps no messages.
    @raise InvalidNick: C{name} is no user's name.
    """
    persistence = service.requirePersistence()
    nick = normalize(name)
    if not isValidName(nick):
        raise errors.InvalidNick()
    await persistence.whenReady()
    await othersWritten(service)  # sent a moment ago on another node: written, then erased
    rooms, private = await persistence.store.eraseSender(nick)
    return Erased(nick, rooms, private)
