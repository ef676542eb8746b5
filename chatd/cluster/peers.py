# -*- test-case-name: tests.unit.cluster.test_cluster_bridge,tests.unit.cluster.test_cluster_outage,tests.unit.cluster.test_cluster_recovery,tests.unit.cluster.test_cluster_adoption,tests.unit.cluster.test_cluster_takeover -*-  # noqa: E501
"""
The bridge's link and peers: what a node does when Redis comes back, when
it meets a node, when a node leaves a gap it cannot fill, dies or says
goodbye, and when a name it holds was taken while it was cut off; a login
to an account a node that may have died holds waits for it.

L{Peers} is a part of L{chatd.cluster.bridge.Bridge}, as
L{chatd.cluster.inbound.Inbound} is; what a lost node took with it is read
back from a shared store by L{chatd.cluster.recovery.Recovery}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime

from chatd.cluster.adoption import Adoption
from chatd.cluster.barrier import Barrier
from chatd.cluster.bus import Bus
from chatd.cluster.claims import NameClaims
from chatd.cluster.presence import Presence
from chatd.cluster.queries import Queries
from chatd.cluster.receipts import Receipts
from chatd.cluster.recovery import Recovery
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.sharedids import SharedClientIds
from chatd.cluster.suspects import Suspects
from chatd.core import errors
from chatd.core.interfaces import IParticipant
from chatd.core.service import ChatService


class Peers:
    """
    Link and peer events, for the bridge.
    """

    service: ChatService
    bus: Bus
    presence: Presence
    clock: IReactorTime
    barrier: Barrier
    queries: Queries
    receipts: Receipts
    recovery: Recovery
    adoption: Adoption
    suspects: Suspects
    clientIds: SharedClientIds
    claims: NameClaims
    proxies: dict[str, dict[str, RemoteParticipant]]
    _linked: bool
    _gone: dict[str, float]
    _held: dict[str, list[dict[str, Any]]]
    _sayTo: dict[str, Any]
    # The bridge's, and its console relay's (first in line, so not defined here):
    publishState: Callable[..., None]
    reloadStored: Callable[[], None]
    linkComesUp: Callable[[], int]
    rereadOnceHeard: Callable[[int], None]

    def linkUp(self) -> None:
        """
        Redis is up (or back): record the web messages' answers it could
        not take (L{SharedClientIds.linkUp}), send what waited, renew
        claims, learn which nodes there are; trade whole states with a node
        met for the first time, and ask the others to resend what Redis may
        have lost.  The credentials kept for a database outage go: changes
        made elsewhere while this node could not hear them (since it read
        the store at start, or since the link went down) may have made them
        stale; until the store is re-read, this node does not hear every
        change (L{chatd.cluster.moderation.ConsoleRelay.hearsEverything}).
        """
        up = self.linkComesUp()
        if self.service.persistence is not None:
            self.service.persistence.accounts.kept.forgetAll()
        self.clientIds.linkUp()
        self.bus.linkUp()
        self.presence.linkUp().addBoth(self._greet, up)

    def _greet(self, _: object, up: int) -> None:
        if not self._linked:
            self.bus.publish("hello")
            self.publishState()
            self._linked = True
        else:
            for node in sorted(self.bus.peers()):
                if node in self.bus.lastSeq:
                    self.bus.resume(node)
                else:
                    self.bus.publishTo(node, "hello")
                    self.publishState(node)
        self.rereadOnceHeard(up)

    def linkDown(self) -> None:
        self.bus.linkDown()
        self.presence.linkDown()

    def peerSeen(self, node: str) -> None:
        """
        A node this one had declared dead speaks or beats again: it was sent
        nothing meanwhile (since C{gone}), so the two trade whole states.
        """
        if (since := self._gone.pop(node, None)) is not None:
            self.bus.publishTo(node, "hello", gone=since)
            self.publishState(node)
            self.recovery.recover(node, flush=True)  # what it lost meanwhile, if anything
            self.adoption.back(node)  # it writes what it holds itself

    def gap(self, node: str) -> None:
        """
        Envelopes from C{node} were lost and it cannot send them again: its
        state is asked for, and its room messages among them read back.
        """
        self.bus.publishTo(node, "hello")
        self.reloadStored()
        self.recovery.recover(node, flush=True)

    def nodeLost(self, node: str) -> None:
        """
        C{node} stopped beating: its users leave their rooms here, and
        everyone local who shared a room with them is told.
        """
        self._gone[node] = self.clock.seconds()
        self.barrier.forget(node)
        self.queries.forget(node)
        self._held.pop(node, None)
        self._sayTo.pop(node, None)
        self.bus.forget(node)
        for proxy in list(self.proxies.pop(node, {}).values()):
            self.service.disconnect(proxy, "their server went away")
        self.receipts.lost(node)  # what it never read is handled here
        self.recovery.recover(node)  # what its users said that never came
        self.adoption.lost(node)  # and what came, but it never stored
        if (persistence := self.service.persistence) is not None:  # its always-on people: here
            persistence.alwaysOn.lookAgain()
        self.suspects.lost(node)  # the logins that waited for it go on

    def settleHolder(self, holder: IParticipant) -> Deferred[None]:
        """
        A password login here to the account C{holder} holds on another
        node, which may have died a moment ago: wait for it to be heard
        from again (it is asked) or counted dead (L{chatd.cluster.suspects}).
        """
        if not isinstance(holder, RemoteParticipant) or holder.nick is None:
            return succeed(None)
        return self.suspects.settle(holder.node, holder.nick)

    def nodeLeft(self, node: str) -> None:
        """
        C{node} shut down cleanly: forgotten at once, not after the TTL.
        """
        self.presence.forget(node)
        self.adoption.forget(node)  # it stored what it had first
        self.nodeLost(node)

    def nickLost(self, nick: str) -> None:
        """
        While this node was cut off from Redis, another node's user took
        C{nick} (or signed in to the account C{nick}): the claim decides, so
        the local holder is disconnected.
        """
        user = self.claims.holder(nick)
        if user is None:
            return
        why = "another user took this nickname while the server was cut off"
        self.service.disconnect(user, why)
        user.disconnect(errors.NickTaken(why))
        self.bus.publish("hello")
