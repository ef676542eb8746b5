# -*- test-case-name: tests.unit.cluster.test_cluster_bridge -*-
"""
Moderation across nodes, for the admin console: sanctions, changes to the
shared store, other moderation actions (a room deleted) and kicks, published
to every other node, and chatd operators' messages (IRC's C{WALLOPS}) for
the readers on every node (part of L{chatd.cluster.bridge.Bridge}).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.cluster.bus import Bus
from chatd.core import errors, sharing
from chatd.core.events import Wallops
from chatd.core.roles import IReplica
from chatd.core.roomremoval import DELETE_ROOM
from chatd.core.service import ChatService
from chatd.modstore import Sanction


class ConsoleRelay:
    """
    The bridge's moderation half: what a console does here, every other
    node does too.
    """

    log: Logger
    service: ChatService
    replica: IReplica
    bus: Bus
    sharedStore: bool
    _moderation: list[Any]

    def publishSanction(self, kind: str, target: str, sanction: Sanction | None) -> None:
        """
        The admin console added or lifted a kick, ban, mute or operator
        here: every other node applies it too (L{Moderation.replicate}).
        """
        self.bus.publish(
            "sanction", sk=kind, t=target, s=None if sanction is None else asdict(sanction)
        )

    def publishStored(self, kind: str, fields: dict[str, Any]) -> None:
        """
        This node wrote a change to the shared store that the others cache
        (an account, a room's settings, an approval): tell them.
        """
        self.bus.publish("stored", sk=kind, f=fields)

    def reloadStored(self) -> None:
        """
        Events may have been lost: re-read what the store holds.
        """
        if self.sharedStore:
            assert self.service.persistence is not None
            d = Deferred.fromCoroutine(sharing.reload(self.service.persistence))
            d.addErrback(lambda f: self.log.failure("re-reading the shared store failed", f))

    def reachesEveryone(self) -> bool:
        """
        Whether the other nodes hear what this one publishes now: while
        Redis is away it waits, and the console says so.
        """
        return self.bus.up

    def moderate(self, action: str, **fields: Any) -> None:
        """
        Tell every other node's moderation handlers about C{action} (e.g.
        C{"ban"}, C{nick=...}); the caller applies it on this node itself.
        """
        self.bus.publish("mod", a=action, f=fields)

    def roomDeleted(self, room: str, by: str, reason: str) -> None:
        """
        An administrator deleted C{room} here: every other node deletes it
        too (L{roomDeletedElsewhere}).
        """
        self.moderate(DELETE_ROOM, room=room, by=by, r=reason)

    def roomDeletedElsewhere(self, action: str, fields: dict[str, Any]) -> None:
        """
        A moderation handler (the bridge's own): another node's
        administrator deleted a room.
        """
        if action == DELETE_ROOM:
            self.replica.deleteRoomRemote(fields["room"], fields["by"], fields.get("r", ""))

    def onModeration(self, handler: Any) -> None:
        """
        Call C{handler(action, fields)} for every L{moderate} from another node.
        """
        self._moderation.append(handler)

    def wallops(self, event: Wallops) -> None:
        """
        A chatd operator here wrote to the readers of operators' messages:
        every other node gives it to its own (the service's L{IRelay}).
        """
        self.bus.publish("wallops", by=event.by, t=event.message, w=event.when)

    def remote_wallops(self, node: str, fields: dict[str, Any]) -> None:
        event = Wallops(fields["by"], fields["t"], fields["w"])
        self.service.messages.tellWallopsReaders(event)

    def kick(self, nick: str, reason: str) -> None:
        """
        End C{nick}'s session wherever they are connected, with C{reason}.

        @raise NoSuchUser: nobody by that name is in the chat.
        """
        user = self.service.find(nick)
        if user is None:
            raise errors.NoSuchUser()
        self.service.disconnect(user, reason)
        user.disconnect(errors.Kicked(reason))
