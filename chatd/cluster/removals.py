# -*- test-case-name: tests.unit.cluster.test_cluster_kickrace,tests.unit.cluster.test_cluster_racingnodes -*-  # noqa: E501
"""
Members of other nodes taken out of a room here, and rooms deleted here,
remembered until every node concerned has applied it.

An operator on node A kicks C{qv}, a user of node B, from C{#qk}: A takes
B's proxy out of the room at once and publishes the kick; every other node
applies it when it reads it.  B may have handled a message C{qv} said in
C{#qk} before it read the kick; for B that message came before the kick,
and it reached B's members of the room.  It reaches A, and any node C that
read the kick first, after the kick, from a sender no longer in the room
there.  While a node remembers the removal, such a message is delivered to
its members (L{chatd.core.replica.Replica.sayRemote}'s C{removedHere}),
not taken for states that differ.

B has applied the kick once it answers the ping of a round this node began
after applying it (L{chatd.cluster.barrier}): B's envelopes to this node
come in the order B published them, and its C{pong} after everything it
published before reading the ping, so after any message C{qv} could still
say in C{#qk}.  B reads the kick before that ping: A wrote the kick to
every inbox in one script, so it was in B's inbox before C could read it
and send its ping.  The removal is forgotten then (or when the round gives
up on a silent node: a message that comes later asks for a whole state, as
one from a stranger does).

A room an administrator deleted is remembered the same way, from when this
node deleted it until every node has: a message another node's user said
in it meanwhile has nobody left to go to here, and is dropped quietly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

from chatd.cluster.remote import RemoteParticipant
from chatd.core.interfaces import IParticipant
from chatd.core.names import key
from chatd.core.roomremoval import DELETE_ROOM

#: (node, nick key, room key) of a removal; (C{""}, C{""}, room key) of a deletion.
_Removal = tuple[str, str, str]


class Removals:
    """
    The removals from rooms of other nodes' users, and the rooms deleted,
    that other nodes may not have applied yet.

    @ivar heard: fires once every other node has read what this one
        published so far (L{chatd.cluster.barrier.Barrier.everyoneHeard}).
    """

    def __init__(self, heard: Callable[[], Deferred[None]]) -> None:
        self.heard = heard
        self._pending: dict[_Removal, int] = {}

    def kicked(self, user: IParticipant | None, nick: str, room: str, origin: str = "") -> None:
        """
        C{user} (C{nick}) was kicked out of C{room} here, by an order given
        here or on node C{origin}: a user of another node than C{origin}
        (which applied the kick before it published it) is remembered.
        """
        if isinstance(user, RemoteParticipant) and user.node != origin:
            self.removed(user.node, nick, room)

    def removed(self, node: str, nick: str, room: str) -> None:
        """
        C{node}'s user C{nick} was taken out of C{room} here just now.
        """
        self._remember((node, key(nick), key(room)))

    def moderated(self, action: str, fields: dict[str, Any]) -> None:
        """
        A moderation handler: another node's administrator deleted a room,
        and this node deleted it too just now.
        """
        if action == DELETE_ROOM:
            self.deleted(fields["room"])

    def deleted(self, room: str) -> None:
        """
        C{room} was deleted here just now.
        """
        self._remember(("", "", key(room)))

    def _remember(self, removal: _Removal) -> None:
        self._pending[removal] = self._pending.get(removal, 0) + 1
        self.heard().addCallback(lambda _: self._applied(removal))

    def _applied(self, removal: _Removal) -> None:
        left = self._pending.pop(removal, 1) - 1
        if left > 0:  # removed again (back and kicked again) meanwhile
            self._pending[removal] = left

    def pending(self, node: str, nick: str, room: str) -> bool:
        """
        Whether C{node}'s user C{nick} was taken out of C{room} here by an
        order C{node} may not have applied yet.
        """
        return (node, key(nick), key(room)) in self._pending

    def gone(self, room: str) -> bool:
        """
        Whether C{room} was deleted here and another node may not have
        deleted it yet.
        """
        return ("", "", key(room)) in self._pending
