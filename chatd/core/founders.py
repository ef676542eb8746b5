# -*- test-case-name: tests.unit.core.test_founders,tests.unit.irc.test_irc_founderbans -*-
"""
A room's founder: the registered account that created it owns it, as
channel registration does on IRC networks.  Whenever that account enters
the room, its password proven, it is made an operator, also after a
restart; a guest's room has no founder (its creator runs it while it lasts).
The founder is never kept out of their room: not by its approval rule
(L{chatd.core.approvals}), nor by its ban masks (L{aboveBans}), which
would otherwise lock the room's owner out for good (they last, and a
cloak's mask also matches the accounts signed in from that address); and
from outside the room, they still run it (L{runsFromOutside}).
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


def aboveBans(room: Room, nick: str, account: str | None, operator: bool) -> bool:
    """
    Whether C{room}'s ban masks pass over C{nick} (proven C{account}, a
    key or C{None}): neither keep it out nor quiet it there.  So they do a
    chatd operator (C{operator}) and the room's founder (L{isFounder}).
    """
    return operator or isFounder(room, nick, account)


def runsFromOutside(room: Room, nick: str, account: str | None) -> bool:
    """
    Whether C{nick} (proven C{account}, a key or C{None}) runs C{room}
    while not in it: its founder does, as a channel's founder does through
    the services of IRC networks (so they may lift a ban, or a key, that
    keeps others out).  In the room, the founder is an operator from their
    entry on (L{enteredAsFounder}) until an operator takes it back.
    """
    return key(nick) not in room.members and isFounder(room, nick, account)


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
