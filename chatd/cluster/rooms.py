# -*- test-case-name: tests.unit.cluster.test_cluster_rooms,tests.unit.cluster.test_cluster_adminby,tests.unit.cluster.test_cluster_roomorder,tests.unit.cluster.test_cluster_roomstamps,tests.unit.cluster.test_cluster_statemerge -*-  # noqa: E501
"""
Room settings kept the same on every node: modes, key, ban masks,
capacity, topic, members' operator and voice status, invitations, kicks
from a room; and deleted messages (C{redact}: each node tells its own
connections that may show the message, room or private).

An operator's change is checked and applied on the operator's node, which
publishes it once (C{mode}, C{kick}, C{invite}); every other node applies it
without checks (L{IReplica.applyRemoteRoomChange}, C{kickRemote},
C{inviteRemote}) and tells its OWN members with the same events a local
change gives (a L{RoomChange}, a L{Membership} of kind KICK, an
L{Invitation}), so an IRC user on any node sees C{MODE}, C{KICK} and
C{INVITE} lines.  Proxies forward none of these as notices.

Whole states carry the settings too (C{rs} in C{state}), so a node that
starts later or comes back after a Redis gap converges:

 - a room's own settings (modes, key, bans and, without a shared store,
   capacity and topic) are merged setting by setting: each node keeps the
   stamp C{[time, node, by, administrator]} of the newest change it made
   or applied to the room (L{IReplica.roomStamp}) and to each setting
   (L{IReplica.settingStamp}), in the room's stored settings so a restart
   keeps them, and takes a setting from a state only when its stamp there
   is newer (L{chatd.core.roommerge}).  A change made here is stamped past
   the room's newest stamp (L{RoomSync._nextTime}), so a change ranks after
   every change its node had seen, before or after a restart, whatever the
   clocks;
 - a member's status (C{o}, C{v}) goes by the member's own node: a state
   from node X sets the status of X's users in each room.
"""

from __future__ import annotations

from math import inf, nextafter
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.adoption import Adoption
from chatd.cluster.bus import Bus
from chatd.cluster.newrooms import NewRooms
from chatd.cluster.presence import Presence
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.stateentries import oneEntry
from chatd.core.errors import GroupExists
from chatd.core.events import Administrator, Redaction, RoomChange
from chatd.core.masks import modeString, parseModes
from chatd.core.names import key
from chatd.core.roles import IReplica
from chatd.core.roommerge import TOPIC, setterOf, settingName
from chatd.core.service import ChatService

#: Who a state's changes are shown as made by when nobody changed the room.
SERVER = "chatd"


def settingsOf(
    modes: str, args: tuple[str, ...] | list[str], topic: str | None
) -> list[tuple[str | None, tuple[str, str | None] | None]]:
    """
    The settings a room change touches (L{settingName}), each with its
    change (C{None}: the topic); a member's status (C{o}, C{v}) names no
    setting, as it goes by the member's own node.
    """
    touched: list[tuple[str | None, tuple[str, str | None] | None]] = []
    if topic is not None:
        touched.append((TOPIC, None))
    for adding, mode, argument in parseModes(modes, args):
        change = (("+" if adding else "-") + mode, argument)
        touched.append((settingName(mode, argument), change))
    return touched


class RoomSync:
    """
    The bridge's part that keeps rooms' settings in step; mixed into
    L{chatd.cluster.bridge.Bridge}.

    The stamps of a room's latest change (L{IReplica.roomStamp}) and of
    each setting's (L{IReplica.settingStamp}) are kept with the room.
    """

    log: Logger
    presence: Presence
    service: ChatService
    replica: IReplica
    bus: Bus
    clock: IReactorTime
    sharedStore: bool
    proxies: dict[str, dict[str, RemoteParticipant]]
    adoption: Adoption

    def listenRooms(self) -> None:
        self.newRooms = NewRooms(self.service, self.clock)
        for kind in ("mode", "kick", "invite", "redact"):
            self.bus.on(kind, getattr(self, "remote_" + kind))

    def _stamp(self, room: str) -> list[Any]:
        return self.replica.roomStamp(room) or [0, "", SERVER]

    def _nextTime(self, room: str) -> float:
        """
        The time of a change made here to C{room}: now, unless that is not
        past the newest change to it this node made, applied or adopted,
        before a restart too (one made in the same instant, or on a node
        whose clock is ahead), then just past it, so that every node ranks
        it after the change it follows.
        """
        return max(self.clock.seconds(), nextafter(self._stamp(room)[0], inf))

    # Outwards: the service's observer

    def roomChanged(self, event: RoomChange) -> None:
        """
        Publish a change made here, with the nickname of the user who asked
        for it (C{rq}), if one did: every node tells them of its own
        members a ban mask they set holds unseen.
        """
        administrator = isinstance(event.by, Administrator)
        stamp = [self._nextTime(event.room), self.bus.nodeId, event.by, administrator]
        requester = getattr(event.requester, "nick", None)
        touched = settingsOf(event.modes, event.args, event.topic)
        self.replica.keepRoomStamp(event.room, stamp, [s for s, _ in touched if s is not None])
        self.bus.publish(
            "mode",
            room=event.room,
            by=event.by,
            adm=administrator,
            m=event.modes,
            a=event.args,
            t=event.topic,
            w=event.moment,
            s=stamp,
            rq=requester,
        )

    def claimRoom(self, room: str) -> Deferred[None]:
        """
        Two nodes creating C{room} at the same moment: Redis's claim picks
        one; the other is told the room exists once it has the room as the
        winner made it (L{chatd.cluster.newrooms}), or that the cluster is
        unreachable if it does not get it in time.  Without Redis, rooms
        are still made (local chat goes on), unclaimed.
        """
        if not self.bus.up:
            return succeed(None)

        def lost(failure: Failure) -> Deferred[None]:
            if failure.check(RedisUnavailable):
                return succeed(None)
            failure.trap(GroupExists)
            told: Deferred[None] = self.newRooms.awaitRoom(room).addCallback(lambda _: failure)
            return told

        claimed: Deferred[None] = self.presence.claimRoom(room)
        return claimed.addErrback(lost)

    def releaseRoom(self, room: str) -> None:
        self.presence.releaseRoom(room)

    def kickedFromRoom(self, room: str, nick: str, by: str, reason: str) -> None:
        self.bus.publish("kick", room=room, u=nick, by=by, r=reason)

    def invited(self, room: str, nick: str, by: str, admitted: bool) -> None:
        self.bus.publish("invite", room=room, u=nick, by=by, a=admitted)

    def messageRedacted(self, event: Redaction) -> None:
        self.adoption.deleted(event.msgid)
        self.bus.publish(
            "redact",
            id=event.msgid,
            by=event.by,
            adm=isinstance(event.by, Administrator),
            r=event.reason,
            w=event.moment,
            room=event.room,
            f=event.sender,
            to=event.recipient,
        )

    # Inwards

    def remote_mode(self, node: str, fields: dict[str, Any]) -> None:
        """
        Another node's operator changed a room: each setting it changed (the
        topic, a mode, a key, a ban mask) is applied unless this node has
        changed or applied that setting since (a later stamp): changes that
        waited out a Redis gap on both sides end the same on every node.
        """
        room, stamp = fields["room"], fields.get("s")
        by = Administrator(fields["by"]) if fields.get("adm") else fields["by"]
        kept: list[tuple[str, str | None]] = []
        topic = None
        applied: list[str] = []
        for setting, change in settingsOf(fields["m"], fields["a"], fields["t"]):
            if setting is not None and stamp is not None:
                since = self.replica.settingStamp(room, setting)
                if since and stamp <= since:
                    continue  # changed here since (or adopted from a state): that stands
                applied.append(setting)
            if change is None:
                topic = fields["t"]
            else:
                kept.append(change)
        if stamp is not None:
            self.replica.keepRoomStamp(room, stamp, applied)
        if topic is not None:
            self.replica.applyRemoteRoomChange(room, by, topic=topic, when=fields["w"])
        if kept:
            modes, args = modeString(kept)
            self.replica.applyRemoteRoomChange(
                room, by, modes, args, when=fields["w"], requester=fields.get("rq")
            )

    def remote_kick(self, node: str, fields: dict[str, Any]) -> None:
        self.replica.kickRemote(fields["room"], fields["u"], fields["by"], fields["r"])

    def remote_invite(self, node: str, fields: dict[str, Any]) -> None:
        self.replica.inviteRemote(fields["room"], fields["u"], fields["by"], fields["a"])

    def remote_redact(self, node: str, fields: dict[str, Any]) -> None:
        self.adoption.deleted(fields["id"])
        self.replica.redactedRemote(
            Redaction(
                fields["id"],
                Administrator(fields["by"]) if fields.get("adm") else fields["by"],
                fields["r"],
                fields["w"],
                fields["room"],
                fields["f"],
                fields["to"],
            )
        )

    # Whole states

    def roomStates(self, localNicks: list[str]) -> dict[str, dict[str, Any]]:
        """
        Every room's settings for a C{state} envelope, with the status of
        this node's users only (C{localNicks}) and the stamps of the room
        and of each setting.
        """
        mine = {key(nick) for nick in localNicks}
        states = {}
        for name, _ in self.service.rooms():
            state = self.replica.roomState(name)
            state["o"] = [k for k in state["o"] if k in mine]
            state["v"] = [k for k in state["v"] if k in mine]
            if self.service.roomVanishes(name):
                state["guest"] = 1  # it vanishes when empty, and is never stored
                state["ag"] = self.service.roomLimits.groupOf(key(name))  # its creator's address
            elif self.sharedStore:
                del state["l"], state["t"]  # the shared store holds them (not a guest's)
            state["s"] = self._stamp(name)
            states[name] = state
        return states

    def syncRooms(
        self, node: str, members: dict[str, list[str]], states: dict[str, dict[str, Any]]
    ) -> None:
        """
        Merge node C{node}'s C{states} into this node's rooms, each apart
        (L{oneEntry}): each of a room's own settings where C{node}'s stamp
        of it is newer (L{chatd.core.roommerge}), and the status of
        C{node}'s users in it (C{members}: room key -> their nicknames).
        """
        known = self.proxies.get(node, {})
        for room, state in states.items():
            with oneEntry(self.log, node, "the settings of {room}", room=room):
                nicks = [nick for nick in members.get(key(room), []) if key(nick) in known]
                state["s"] = state.get("s") or [0, "", SERVER]
                self.replica.syncRoomState(room, setterOf(state["s"], SERVER), state, nicks)
                self.newRooms.heard(room)
