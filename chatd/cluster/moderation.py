# -*- test-case-name: tests.unit.cluster.test_cluster_bridge,tests.unit.cluster.test_cluster_reread,tests.unit.cluster.test_cluster_outageguests -*-  # noqa: E501
"""
Moderation across nodes, for the admin console: sanctions, changes to the
shared store, other moderation actions (a room deleted) and kicks, published
to every other node, and chatd operators' messages (IRC's C{WALLOPS}) for
the readers on every node (part of L{chatd.cluster.bridge.Bridge}).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from chatd.cluster.barrier import Barrier
from chatd.cluster.bus import Bus
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.stateentries import oneEntry
from chatd.core import errors, sharing
from chatd.core.events import Wallops
from chatd.core.reach import reachedBy
from chatd.core.roles import IReplica
from chatd.core.roomremoval import DELETE_ROOM
from chatd.core.service import ChatService
from chatd.modstore import BAN, KICK, Sanction

#: Seconds a node remembers a lifted sanction, so that a node met anew
#: which still holds it (it missed the lift) does not bring it back.
LIFTS_KEPT = 86400.0


#: Seconds between two tries to re-read the shared store while it fails
#: and its health does not say so (L{ConsoleRelay.reloadStored}).
REREAD_RETRY = 5.0


class Lifts:
    """
    The sanctions lifted lately, anywhere in the cluster, and when.
    """

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self._at: dict[tuple[str, str], float] = {}

    def note(self, kind: str, target: str) -> None:
        now = self.clock.seconds()
        self._at = {k: at for k, at in self._at.items() if at > now - LIFTS_KEPT}
        self._at[(kind, target)] = now

    def since(self, kind: str, target: str) -> float | None:
        """When the sanction of C{kind} on C{target} was last lifted, if lately."""
        return self._at.get((kind, target))

    def state(self) -> list[list[Any]]:
        return [[kind, target, at] for (kind, target), at in self._at.items()]


class ConsoleRelay:
    """
    The bridge's moderation half: what a console does here, every other
    node does too.
    """

    #: The re-read of the shared store under way, if it waits (L{reloadStored}).
    _rereading: Deferred[None] | None = None
    #: Whether a re-read found the store unavailable and said so.
    _rereadWaited = False
    #: How many times the link came up (L{linkComesUp}); the latest of those
    #: after which every peer heard this node (L{rereadOnceHeard}); the
    #: latest that a re-read begun after that covers (L{_reread}).
    _ups = 0
    _heardAfter = 0
    _readAfter = 0

    log: Logger
    service: ChatService
    replica: IReplica
    bus: Bus
    barrier: Barrier
    sharedStore: bool
    _linked: bool
    _moderation: list[Any]
    lifts: Lifts

    def publishSanction(self, kind: str, target: str, sanction: Sanction | None) -> None:
        """
        The admin console added or lifted a kick, ban, mute or operator
        here: every other node applies it too (L{Moderation.replicate}).
        """
        if sanction is None:
            self.lifts.note(kind, target)
        self.bus.publish(
            "sanction", sk=kind, t=target, s=None if sanction is None else asdict(sanction)
        )

    def sanctionsState(self) -> dict[str, list[Any]]:
        """
        The sanctions in force here, and those lifted lately, for a node met
        anew (in its C{state}): one declared dead missed what was set or
        lifted meanwhile, whose envelopes went to the live nodes only.
        """
        held = [asdict(sanction) for sanction in self.service.moderation.sanctions()]
        return {"in": held, "out": self.lifts.state()}

    def adoptSanctions(self, node: str, state: dict[str, list[Any]]) -> None:
        """
        Apply node C{node}'s sanctions (L{sanctionsState}), each apart
        (L{oneEntry}): a lift later than a sanction held here ends it, a
        sanction later than any lift or copy here is added; whom a new ban
        or kick names is disconnected here, as the console that set it
        would have done.
        """
        for kind, target, at in state.get("out", []):
            with oneEntry(self.log, node, "the lift of {kind} {target}", kind=kind, target=target):
                self._adoptLift(kind, target, at)
        for fields in state.get("in", []):
            with oneEntry(self.log, node, "the sanction {fields}", fields=fields):
                self._adoptSanction(Sanction(**fields))

    def _adoptLift(self, kind: str, target: str, at: float) -> None:
        known = self.service.moderation.active(kind, target)
        if known is not None and known.at <= at:
            self.service.moderation.replicate(kind, target, None)
            self.lifts.note(kind, target)

    def _adoptSanction(self, sanction: Sanction) -> None:
        moderation = self.service.moderation
        known = moderation.active(sanction.kind, sanction.target)
        lifted = self.lifts.since(sanction.kind, sanction.target)
        if known is not None and known.at >= sanction.at:
            return
        if not sanction.activeAt(self.service.clock.seconds()):
            return
        if lifted is not None and lifted >= sanction.at:
            return  # lifted here after it was set there
        moderation.replicate(sanction.kind, sanction.target, sanction)
        if sanction.kind in (BAN, KICK):
            self._endLocal(sanction)

    def _endLocal(self, sanction: Sanction) -> None:
        """
        End the sessions here of the name or account C{sanction} bans or
        kicks out.
        """
        done = "banned" if sanction.kind == BAN else "kicked"
        error = (errors.Banned if sanction.kind == BAN else errors.Kicked)(
            f"{done} by {sanction.by}: {sanction.reason}"
        )
        for user in reachedBy(self.service, sanction.name):
            if not isinstance(user, RemoteParticipant):  # their own node ends theirs
                self.service.endSession(user, error)

    def publishStored(self, kind: str, fields: dict[str, Any]) -> None:
        """
        This node wrote a change to the shared store that the others cache
        (an account, a room's settings, an approval): tell them.
        """
        self.bus.publish("stored", sk=kind, f=fields)

    def hearsEverything(self) -> bool:
        """
        Whether this node hears now every change made to the shared store
        elsewhere (so that its copy of the registered names and the
        credentials it keeps can decide during a database outage): its
        link is up, and the re-read that followed the link's last coming
        up has worked (what was changed elsewhere since the store was read,
        at start or before the link went down, is read).
        """
        return self._linked and self.bus.up and self._readAfter == self._ups

    def linkComesUp(self) -> int:
        """
        The link comes up: the first time (the store was read at start,
        before the other nodes knew this one and sent it their changes), or
        back after it was down.  Changes made elsewhere may have been
        missed, until a re-read that L{rereadOnceHeard} begins has worked
        (L{hearsEverything}).

        @return: the number of this coming up, for L{rereadOnceHeard}.
        """
        self._ups += 1
        return self._ups

    def rereadOnceHeard(self, up: int) -> None:
        """
        Re-read the shared store once every peer has read what this node
        published since the link's coming up C{up} (its C{hello} or
        C{resume}): each peer sends this node every change it makes from
        its answer on, and what it changed before its answer is in the
        store when the re-read begins.  A peer that does not answer (see
        L{chatd.cluster.barrier}) is not waited for.
        """
        if not self.sharedStore:
            return

        def heard(_: object) -> None:
            self._heardAfter = max(self._heardAfter, up)
            self.reloadStored()

        self.barrier.everyoneHeard().addCallback(heard)

    def reloadStored(self) -> None:
        """
        Events may have been lost: re-read what the store holds (again
        from the start if a re-read still waits for the store).
        """
        if self.sharedStore:
            if self._rereading is not None:
                self._rereading.cancel()
            d = self._rereading = Deferred.fromCoroutine(self._reread())
            d.addErrback(lambda f: f.trap(CancelledError) and None)
            d.addErrback(lambda f: self.log.failure("re-reading the shared store failed", f))
            d.addBoth(lambda _: setattr(self, "_rereading", None))

    async def _reread(self) -> None:
        """
        Re-read the shared store; while it is unavailable (an outage,
        expected), say so once, without a traceback, and try again as soon
        as it answers (its health recovers; every L{REREAD_RETRY} seconds if
        its health did not see it fail), then say that it worked; a new
        re-read meanwhile takes its place, and is not said again.
        """
        persistence = self.service.persistence
        assert persistence is not None
        health = persistence.store.health
        while True:
            covers = self._heardAfter  # what a read begun now covers
            try:
                await sharing.reload(persistence)
            except errors.StoreUnavailable:
                if not self._rereadWaited:
                    self._rereadWaited = True
                    self.log.warn(
                        "re-reading the shared store failed: the store is unavailable;"
                        " trying again once it answers"
                    )
                if health.problem is None:
                    await deferLater(self.service.clock, REREAD_RETRY)
                else:
                    await health.whenWorks()
                continue
            self._readAfter = max(self._readAfter, covers)
            if self._rereadWaited:
                self._rereadWaited = False
                self.log.info("re-reading the shared store worked: the store answers again")
            return

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
        self.bus.publish("wallops", by=event.by, t=event.message, w=event.moment)

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
