# -*- test-case-name: tests.unit.admin.test_roomadmin,tests.unit.admin.test_admin_refusals -*-
"""
The admin console's room commands: adding a room, a room's topic, its
operators and its founder, whether newcomers need approval, accepting
or refusing someone's request to enter an approval room, and deleting a
room.  A fresh data
directory's rooms have no operator, so this is how their topic is first
set (after that, an operator the console names may).
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred, maybeDeferred

from chatd.admin.outcome import Refusal, allOrNothing
from chatd.admin.views import ConsoleViews, Usage
from chatd.core import errors
from chatd.core.events import Administrator
from chatd.core.names import key, normalize
from chatd.core.reach import sanctionedName
from chatd.storage.interfaces import APPROVAL


class RoomCommands(ConsoleViews):
    """
    The room commands of L{chatd.admin.commands.AdminConsole} (listed in
    L{chatd.admin.views.COMMANDS}); each is audited.
    """

    async def cmd_add_room(self, rest: str) -> str:
        names, flag = rest.rstrip(), rest.rsplit(None, 1)
        # "approval" after the names (not a room of that name in the list).
        approval = len(flag) == 2 and flag[1].lower() == "approval" and not flag[0].endswith(",")
        if approval:
            names = flag[0]
            if self.service.persistence is None:  # an approval room is the store's rule
                raise errors.NotPermitted("this server keeps no accounts or history")
        replies, done = [], 0
        for name in self._rooms(names):
            existed = key(normalize(name)) in {key(room) for room, _ in self.service.rooms()}
            try:
                made = self.service.addRoom(name)  # a guest's room of that name now lasts
            except errors.GroupExists as exists:
                replies.append(f"{name}: {exists.text}")
                continue
            if approval:
                made = await self.service.setRoomApproval(made, True)
            elif self.service.persistence is not None:  # stored, so it outlives a restart
                made = await self.service.configureRoom(made)
            replies.append(
                (f"kept {made}: a guest's room until now" if existed else f"created {made}")
                + (" (approval)" if approval else "")
            )
            done += 1
        self.moderation.audit(self.who, f"add room {rest}")
        return allOrNothing(replies, done)

    async def cmd_set_room(self, rest: str) -> str:
        room, setting, value = self._split(rest, 3)
        if setting.lower() != "approval" or value.lower() not in ("on", "off"):
            raise Usage("")
        on = value.lower() == "on"
        if (self.service.roomMode(self._room(room)) == APPROVAL) == on:
            return Refusal(f"{room} is already {'an approval' if on else 'an open'} room")
        name = await self.service.setRoomApproval(self._room(room), on)
        self.moderation.audit(self.who, f"set room {name} approval {value.lower()}")
        if on:
            return f"{name} is now an approval room: whoever enters it needs accepting"
        return f"{name} is now open: anyone may enter"

    async def cmd_topic(self, rest: str) -> str:
        room, text = self._split(rest, 1, "required")
        name = await maybeDeferred(
            self.service.setRoomTopic, self._room(room), text.strip(), Administrator(self.who)
        )
        self.moderation.audit(self.who, f"topic {name} {text.strip()}")
        return f"topic of {name} set"

    def cmd_roomop(self, rest: str) -> str:
        room, nick = self._split(rest, 2)
        room = self._room(room)
        if not self.service.giveRoomOperator(room, self._nick(nick), Administrator(self.who)):
            return Refusal(f"{nick} is already an operator of {room}")
        self.moderation.audit(self.who, f"roomop {room} {nick}")
        return f"{nick} is now an operator of {room}"

    async def cmd_founder(self, rest: str) -> str:
        room, account = self._split(rest, 2)
        room = self._room(room)
        if account != "-":
            account = self._nick(account)
        name = await self.service.setRoomFounder(room, "" if account == "-" else account)
        self.moderation.audit(self.who, f"founder {name} {account}")
        return f"{name} has no founder" if account == "-" else f"{account} founded {name}"

    async def cmd_accept_pending(self, rest: str) -> str:
        text, roomList = self._split(rest, 1, "required")
        # A request is the account's, whatever nickname it goes by.
        nick, rooms = sanctionedName(self.service, self._nick(text)), self._rooms(roomList)
        persistence = self.service.persistence
        guest = persistence is not None and key(nick) not in persistence.registered
        note = " (a guest: until they leave)" if guest else ""
        reply = await self._eachRequest(
            nick,
            rooms,
            lambda room: self.service.acceptPending(room, nick),
            lambda who, room: f"accepted {who} in {room}{note}",
        )
        self.moderation.audit(self.who, f"accept pending {nick} {roomList}")
        return reply

    async def cmd_refuse_pending(self, rest: str) -> str:
        text, roomList, reason = self._split(rest, 2, "optional")
        nick, rooms = sanctionedName(self.service, self._nick(text)), self._rooms(roomList)
        reason = reason.strip()
        reply = await self._eachRequest(
            nick,
            rooms,
            lambda room: self.service.refusePending(room, nick, reason),
            lambda who, room: f"refused {who}'s request to enter {room}",
        )
        self.moderation.audit(self.who, f"refuse pending {nick} {roomList} {reason}".rstrip())
        return reply

    async def _eachRequest(
        self,
        nick: str,
        rooms: list[str],
        act: Callable[[str], Deferred[None]],
        done: Callable[[str, str], str],
    ) -> str:
        """
        C{act} on C{nick}'s request to enter each of C{rooms}, in turn: a
        line for each, C{done(who, room)} with the names as the room and the
        request spell them, not as typed.
        """
        asked = {(key(room), key(who)): (room, who) for room, who in self.service.pendingRequests()}
        replies, count = [], 0
        for room in rooms:
            shown, who = asked.get((key(room), key(nick)), (room, nick))
            try:
                await act(room)
            except errors.ChatError as error:
                replies.append(f"{room}: {error}")
            else:
                replies.append(done(who, shown))
                count += 1
        return allOrNothing(replies, count)

    def cmd_delete_room(self, rest: str) -> str:
        room, reason = self._split(rest, 1, "optional")
        deleted = self.service.deleteRoom(self._room(room), Administrator(self.who), reason.strip())
        self.moderation.audit(self.who, f"delete room {deleted.name} {reason.strip()}".rstrip())
        reply = f"deleted {deleted.name}: {deleted.removed} member(s) removed"
        if deleted.remadeBy:
            options = " and ".join(deleted.remadeBy)
            naming = "option names" if len(deleted.remadeBy) == 1 else "options name"
            reply += (
                f"\nnote: the {options} {naming} {deleted.name}: it is made again at the next"
                " start unless you take it out of the configuration"
            )
        return reply
