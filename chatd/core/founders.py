# -*- test-case-name: tests.unit.core.test_founders -*-
"""
A room's founder: the registered account that created it owns it, as
channel registration does on IRC networks.  Whenever that account enters
the room, its password proven, it is made an operator, also after a
restart; a guest's room has no founder (its creator runs it while it lasts).
"""

from __future__ import annotations

from chatd.core.events import RoomChange
from chatd.core.names import key
from chatd.core.room import Room


def isFounder(room: Room, nick: str, account: str | None) -> bool:
    """
    Whether C{nick}, logged in with its password to C{account} (a name
    key, or C{None}), is C{room}'s founder: the account is, whatever
    nickname it goes by.
    """
    founder = room.settings.founder
    return bool(account and founder) and account == key(founder)


def recordFounder(room: Room, account: str | None) -> None:
    """
    Someone created C{room}: if they proved they own the registered account
    C{account} (its name), that account is the founder.
    """
    if account is not None:
        room.settings.founder = account


def enteredAsFounder(room: Room, nick: str, account: str | None, now: float) -> RoomChange | None:
    """
    C{nick} (proven C{account}) has just entered C{room}: its founder is
    made an operator; the change to tell the members, or C{None}.
    """
    if not isFounder(room, nick, account) or key(nick) in room.ops:
        return None
    room.makeOperator(nick)
    return RoomChange(room.name, nick, now, "+o", (nick,))
