# -*- test-case-name: tests.unit.cluster.test_cluster_kickrace -*-
"""
Members of other nodes this node took out of a room, remembered until
their node has applied it.

An operator here kicks C{qv}, a user of node B, from C{#qk}: this node
takes B's proxy out of the room at once and publishes the kick.  B may
have handled a message C{qv} said in C{#qk} before it read the kick; for
B that message came before the kick, and it reached B's members of the
room.  It reaches this node after the kick, from a sender no longer in the
room here.  While this node remembers the removal, such a message is
delivered to the members here (L{chatd.core.replica.Replica.sayRemote}'s
C{removedHere}), not taken for states that differ.

B has applied the kick once it answers the ping of the round the kick
began (L{chatd.cluster.barrier}): B's envelopes to this node come in the
order B published them, and its C{pong} after everything it published
before reading the ping, so after any message C{qv} could still say in
C{#qk}.  The removal is forgotten then (or when the round gives up on a
silent node: a message that comes later asks for a whole state, as one
from a stranger does).
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred

from chatd.core.names import key

#: (node, nick key, room key) of a removal.
_Removal = tuple[str, str, str]


class Removals:
    """
    The removals from rooms ordered here of other nodes' users that their
    nodes may not have applied yet.

    @ivar heard: fires once every other node has read what this one
        published so far (L{chatd.cluster.barrier.Barrier.everyoneHeard}).
    """

    def __init__(self, heard: Callable[[], Deferred[None]]) -> None:
        self.heard = heard
        self._pending: dict[_Removal, int] = {}

    def removed(self, node: str, nick: str, room: str) -> None:
        """
        C{node}'s user C{nick} was taken out of C{room} here, by an order
        given here and published just now.
        """
        removal = (node, key(nick), key(room))
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
