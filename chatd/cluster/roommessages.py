# -*- test-case-name: tests.unit.cluster.test_cluster_kickrace,tests.unit.cluster.test_cluster_racingnodes,tests.unit.cluster.test_cluster_runs,tests.unit.cluster.test_cluster_recovery -*-  # noqa: E501
"""
Other nodes' room messages, shown to this node's members.

A room message comes checked and stored by its sender's node, so this node
only hands it to its own members of the room.  Apart from the rest of what
other nodes send (L{chatd.cluster.inbound}) because one from a sender this
node does not see in the room says the nodes' states differ, unless this
node knows why (a kick its sender's node had not applied yet, when the
sender said it): that reasoning, and what is held until states agree,
lives here.
"""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

from chatd.cluster.adoption import Adoption
from chatd.cluster.bus import Bus
from chatd.cluster.messages import sayEvent
from chatd.cluster.notices import saidLate
from chatd.cluster.recovery import Recovery
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.removals import Removals
from chatd.core.events import Notice, RoomMessage
from chatd.core.names import key
from chatd.core.roles import IReplica
from chatd.core.service import ChatService

#: Room messages held per node until its state says who is in which room.
HELD_LIMIT = 10000


class RoomMessages:
    """
    The C{says} half of L{chatd.cluster.inbound.Inbound}: other nodes'
    room messages, delivered, held, or taken for a difference of states.
    """

    log: Logger
    service: ChatService
    replica: IReplica
    bus: Bus
    recovery: Recovery
    adoption: Adoption
    removals: Removals
    _unknownSenders: set[tuple[str, str, str]]
    _held: dict[str, list[dict[str, Any]]]
    #: The room message from another node being handed to this node's
    #: members, which the proxies among them must not publish again.
    relaying: RoomMessage | None = None

    def _proxy(self, node: str, nick: str) -> RemoteParticipant | None:
        raise NotImplementedError()

    def remote_says(self, node: str, fields: dict[str, Any], hold: bool = True) -> None:
        """
        A run of room messages from C{node} (L{chatd.cluster.bus.Bus.publishRun}),
        each an entry of L{chatd.cluster.messages.sayEntry}, with the time and
        msgid the sender's node stored.  One from a sender this node does not see
        in the room is held until C{node}'s next state (a node back from
        being cut off sends what its users said meanwhile before its
        state), then shown if the state put the sender in the room; unless
        a kick this node applied took the sender out of it and C{node} said
        it before it applied the kick (L{chatd.cluster.removals}): then it
        is shown; or the room was deleted here and C{node} said it before it
        deleted it: then it is dropped.  One read back from the shared store
        before it came is dropped.
        """
        room = fields["room"]
        sayRemote, fresh = self.replica.sayRemote, self.recovery.fresh
        kept = self.adoption.rooms(node)
        for message in fields["m"]:
            event = sayEvent(room, message)
            if hold and not fresh(node, event):
                continue  # shown already (L{chatd.cluster.recovery})
            if kept is not None:
                kept.append(event)  # for a node lost before it stored it
            sender = event.sender
            proxy = self._proxy(node, sender)
            self.relaying = event  # from another node: this one's proxies publish it nowhere
            kicked = self.removals.pending(node, sender, room)  # said there before a kick here
            if proxy is None or not (sayRemote(proxy, event, kicked) or kicked):
                if self.removals.gone(room):
                    continue  # said as the room was deleted here: nobody to show it to
                held = self._held.setdefault(node, [])
                if hold and len(held) < HELD_LIMIT:
                    held.append({"room": room, "m": [message]})
                self._dropped(node, sender, room)

    def sayLate(self, events: list[RoomMessage]) -> None:
        """
        Room messages a lost node took with it, read back: shown here (to
        local members only, so no proxy publishes them) in their senders'
        order across rooms, after a notice in each room that they come late
        and since when, since their senders may have been seen leaving
        meanwhile.
        """
        byRoom: dict[str, list[RoomMessage]] = {}
        for event in events:
            byRoom.setdefault(event.room, []).append(event)
        now = self.service.clock.seconds()
        notices = {room: Notice(saidLate(room, said), now) for room, said in byRoom.items()}
        self.replica.sayLate(events, notices)

    def _dropped(self, node: str, nick: str, room: str) -> None:
        """
        A message from someone this node does not see in the room: the
        states differ, so ask for fresh ones (once per sender and room until
        they arrive).
        """
        if (node, key(nick), key(room)) in self._unknownSenders:
            return
        self._unknownSenders.add((node, key(nick), key(room)))
        self.log.warn(
            "{nick} of node {node} spoke in {room} without being in it here; resynchronising",
            nick=nick,
            node=node,
            room=room,
        )
        self.bus.publishTo(node, "hello")

    def heldFrom(self, node: str) -> None:
        """
        C{node}'s state has come: what it said that was held waiting for it
        is shown now, or taken for a difference of states again.
        """
        for held in self._held.pop(node, []):
            self.remote_says(node, held, hold=False)
