# -*- test-case-name: tests.unit.cluster.test_cluster_bridge,tests.unit.cluster.test_cluster_kickrace,tests.unit.cluster.test_cluster_racingnodes,tests.unit.cluster.test_cluster_outage,tests.unit.cluster.test_cluster_recovery,tests.unit.cluster.test_cluster_accountlogins -*-  # noqa: E501
"""
The bridge between one node's L{ChatService} and the cluster bus.

Outwards (this module): the service tells the bridge, as its
L{IChatObserver}, about every login, logout, rename, room entry and exit and
new room; the bridge publishes those made by LOCAL users, and
L{RemoteParticipant}s publish local room and private messages.  Inwards
(L{chatd.cluster.inbound}): other nodes' events are applied to the service
through their proxies, and their messages fanned out to local members
directly, since those were checked (and stored) where they were sent.

It is also the service's L{IRelay}: a private message to a user on another
node is acknowledged once Redis has it (or refused with
L{errors.RelayUnavailable}), and a room message with members on other
nodes is refused the same way when the bus's queue is full.

Whole state travels too: a node that starts publishes C{hello}, and every
node answers with a C{state} snapshot of its own users and their rooms,
which the others reconcile their proxies with.  A node that comes back
after a Redis outage asks its peers to resend what Redis lost instead
(L{chatd.cluster.replay}); states are traded again only with a node met
anew, or when a gap reaches further back than a sender keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.adoption import Adoption
from chatd.cluster.barrier import Barrier
from chatd.cluster.bus import Bus
from chatd.cluster.claims import NameClaims
from chatd.cluster.inbound import Inbound
from chatd.cluster.messages import sayEntry
from chatd.cluster.moderation import ConsoleRelay, Lifts
from chatd.cluster.peers import Peers
from chatd.cluster.presence import Presence
from chatd.cluster.profiles import ProfileSync, profileOf
from chatd.cluster.queries import Queries
from chatd.cluster.receipts import Receipts
from chatd.cluster.recovery import Recovery
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.removals import Removals
from chatd.cluster.rooms import RoomSync
from chatd.cluster.sharedids import SharedClientIds
from chatd.cluster.suspects import Suspects
from chatd.core import errors
from chatd.core.events import Notice, PrivateMessage, RoomMessage
from chatd.core.hooks import IChatObserver, IRelay
from chatd.core.interfaces import IParticipant
from chatd.core.names import key
from chatd.core.service import ChatService


@implementer(IChatObserver, IRelay)
class Bridge(Peers, RoomSync, ProfileSync, Inbound, ConsoleRelay):
    """
    Keeps one node's service and the rest of the cluster in step; it makes
    itself the service's observer and the bus's and presence's listener.

    @ivar proxies: per node, nick key -> the L{RemoteParticipant}.
    @ivar sharedStore: the nodes share one database (C{--db}): registered
        names, room settings and approvals changed here are announced, and
        re-read from the store after a gap (L{chatd.core.sharing}).
    """

    log = Logger()

    def __init__(
        self, service: ChatService, bus: Bus, presence: Presence, sharedStore: bool = False
    ) -> None:
        self.service = service
        self.replica = service.replica
        self.bus = bus
        self.presence = presence
        self.clock: IReactorTime = service.clock
        self.proxies: dict[str, dict[str, RemoteParticipant]] = {}
        self.byAccount = {}
        self._notices: dict[Notice, dict[str, list[str]]] = {}
        self._handing: dict[PrivateMessage, Deferred[None]] = {}
        self._sayTo: dict[str, Callable[[RoomMessage], bytes]] = {}
        self._addresses: dict[str, str] = {}
        for kind in (
            "login logout rename enter leave room says tell bounce notice disconnect mod"
            " sanction hello state stored status wallops"
        ).split():
            bus.on(kind, getattr(self, "remote_" + kind))
        self.barrier = Barrier(bus)
        self.storeBarrier = Barrier(bus, kinds=("flush", "flushed"), prepare=self.flushForPeer)
        self.queries = Queries(bus, {"seen": self.answerSeen})
        self.receipts = Receipts(bus, service)
        self.recovery = Recovery(service, self.localRooms, self.everyoneStored, self.sayLate)
        self.listenRooms()
        self.removals = Removals(self.everyoneHeard)
        self._moderation: list[Any] = [self.roomDeletedElsewhere, self.removals.moderated]
        self.lifts = Lifts(service.clock)
        self._gone: dict[str, float] = {}  # node declared dead -> when
        self._unknownSenders: set[tuple[str, str, str]] = set()
        self._held: dict[str, list[dict[str, Any]]] = {}
        bus.onGap, bus.onPeer, bus.onHeard = self.gap, self.peerSeen, presence.seen
        bus.peers = lambda: presence.peers
        self.claims = NameClaims(service, presence)
        presence.localNicks, presence.onPeerFound = self.claims.held, self.peerSeen
        presence.onNickLost, presence.onNodeLost = self.nickLost, self.nodeLost
        self.suspects = Suspects(presence, self.queries)
        service.observeWith(self)
        service.messages.relayThrough(self)
        self.clientIds = SharedClientIds(presence)
        service.messages.sent.shareThrough(self.clientIds)
        service.moderation.reportTo(self.publishSanction)
        self.sharedStore = sharedStore and service.persistence is not None
        self.adoption = Adoption(service, presence, self.sharedStore)
        self._linked = False
        if self.sharedStore:
            assert service.persistence is not None
            service.persistence.share(
                self.publishStored,
                lambda user: not isinstance(user, RemoteParticipant),
                self.hearsEverything,
            )

    # Who is who

    def isLocal(self, nick: str) -> bool:
        """
        Whether C{nick} is a user connected to this node.
        """
        user = self.service.find(nick)
        return user is not None and not isinstance(user, RemoteParticipant)

    def localUsers(self) -> list[IParticipant]:
        return [u for u in self.service.users() if not isinstance(u, RemoteParticipant)]

    def provenOwnName(self, participant: IParticipant) -> bool:
        """
        Whether C{participant} proved the password of the account its name
        is: what other nodes are told (C{a}), since they know it by name.
        One signed in to another account under its own nickname is shown
        elsewhere as a guest, never with the rights of its name.
        """
        nick = participant.nick
        return nick is not None and self.service.provenAccount(participant) == key(nick)

    def localRooms(self) -> set[str]:
        return {room for user in self.localUsers() for room in self.service.roomsOf(user)}

    # The service's observer: local changes go out

    def claimNick(self, participant: IParticipant, nick: str) -> Deferred[None]:
        """
        Claim C{nick}, or the account C{nick}, cluster-wide before the
        service gives it to a local participant (L{NameClaims.claim}).
        """
        return self.claims.claim(participant, nick)

    def releaseNick(self, participant: IParticipant, nick: str) -> None:
        if not isinstance(participant, RemoteParticipant):
            self.claims.release(nick)

    def loggedIn(self, participant: IParticipant) -> None:
        if isinstance(participant, RemoteParticipant):
            return
        proven = self.provenOwnName(participant)
        service = self.service
        profile = profileOf(
            participant, service.accountName(participant), service.hostOf(participant)
        )
        self.bus.publish("login", u=participant.nick, pf=profile, **({"a": 1} if proven else {}))

    def loggedOut(self, participant: IParticipant, nick: str, reason: str) -> None:
        if isinstance(participant, RemoteParticipant):
            self._forgetProxy(participant)
            return
        self.claims.release(nick, self.service.accountName(participant) or nick)
        self.bus.publish("logout", u=nick, r=reason)

    def renamed(self, participant: IParticipant, old: str) -> None:
        if isinstance(participant, RemoteParticipant):
            node = self.proxies.get(participant.node, {})
            if node.get(key(old)) is participant:
                del node[key(old)]
            assert participant.nick is not None
            node[key(participant.nick)] = participant
            return
        self.claims.release(old)  # unless it is the account's name
        self.bus.publish("rename", u=old, to=participant.nick)

    def everyoneHeard(self) -> Deferred[None]:
        return self.barrier.everyoneHeard()

    def kickedFromRoom(self, room: str, nick: str, by: str, reason: str) -> None:
        """
        An operator here kicked C{nick} out of C{room}: published, and a
        user of another node remembered until their node applied it.
        """
        RoomSync.kickedFromRoom(self, room, nick, by, reason)
        self.removals.kicked(self.service.find(nick), nick, room)

    def remote_kick(self, node: str, fields: dict[str, Any]) -> None:
        """
        Node C{node}'s operator kicked C{u} out of C{room}: applied here,
        and a member here of a third node remembered until their node
        applied it (L{chatd.cluster.removals}).
        """
        kicked, room = self.service.find(fields["u"]), fields["room"]
        member = kicked is not None and key(room) in map(key, self.service.roomsOf(kicked))
        RoomSync.remote_kick(self, node, fields)
        if member:
            self.removals.kicked(kicked, fields["u"], room, node)

    def roomDeleted(self, room: str, by: str, reason: str) -> None:
        """
        An administrator deleted C{room} here: published, and remembered
        until every node has deleted it (L{chatd.cluster.removals}).
        """
        ConsoleRelay.roomDeleted(self, room, by, reason)
        self.removals.deleted(room)

    def everyoneStored(self) -> Deferred[None]:
        return self.storeBarrier.everyoneHeard()

    def flushStore(self) -> Deferred[None]:
        """
        Another node asks: write what this node's store still queues (with
        the private messages kept a moment ago), and the marks of the kept
        messages handed over a moment ago (one who just signed in there
        may have signed out here a moment ago).
        """
        persistence = self.service.persistence
        if persistence is None:
            return succeed(None)
        store, inbox = persistence.store, persistence.inbox
        written = inbox.whenKept().addCallback(lambda _: store.flush())
        return written.addBoth(lambda result: inbox.whenMarked().addCallback(lambda _: result))

    def flushForPeer(self) -> Deferred[None]:
        """
        L{flushStore}, for another node that asks, after a look at the
        peers' keys: a node it counted dead (a login there waited for it)
        is counted dead here too, and the private messages it never
        handled are kept, before the asker reads what waits.
        """
        return self.presence.checkPeers().addCallback(lambda _: self.flushStore())

    def entered(self, participant: IParticipant, room: str) -> None:
        if not isinstance(participant, RemoteParticipant):
            self.bus.publish("enter", u=participant.nick, room=room, w=self.clock.seconds())
            self.recovery.entered(room, partial(self.aloneIn, participant, room))
            self.newRooms.heard(room)

    def aloneIn(self, participant: IParticipant, room: str) -> bool:
        """Whether C{participant} is the only member of C{room} on this node."""
        others = [n for n in self.service.members(participant, room) if n != participant.nick]
        return not any(map(self.isLocal, others))

    def left(self, participant: IParticipant, room: str, reason: str) -> None:
        if not isinstance(participant, RemoteParticipant):
            self.bus.publish(
                "leave", u=participant.nick, room=room, r=reason, w=self.clock.seconds()
            )

    def roomCreated(self, participant: IParticipant, room: str) -> None:
        if not isinstance(participant, RemoteParticipant):
            when, ms = self.service.roomCreatedAt(room), int(self.clock.seconds() * 1000)
            if self.service.roomVanishes(room):  # a guest's: gone when emptied
                group = self.service.roomLimits.groupOf(key(room))
                self.bus.publish(
                    "room", room=room, op=participant.nick, w=when, ms=ms, e=1, ag=group
                )
            else:
                self.bus.publish("room", room=room, op=participant.nick, w=when, ms=ms)

    # Called by proxies: local messages go out, once per event

    def sayEncoder(self, node: str) -> Callable[[RoomMessage], bytes]:
        """
        The "encoder" a proxy of C{node} runs on a room message: one object
        per node, so C{event.wire} runs it once per node with members in
        the room, however many of them there are.
        """
        try:
            return self._sayTo[node]
        except KeyError:
            encoder = self._sayTo[node] = partial(self.publishSay, node=node)
            return encoder

    def nodeAddress(self, node: str) -> str:
        """
        What the service shows as the address of C{node}'s users: one text
        per node, shared by its proxies.
        """
        return self._addresses.setdefault(node, f"node {node}")

    def publishSay(self, event: RoomMessage, node: str) -> bytes:
        """
        Publish a room message for C{node}, unless it came from another
        node (L{relaying}), in the run of the room's messages
        (L{Bus.publishRun}).
        """
        if event is not self.relaying:
            self.bus.publishRun(node, event.room, sayEntry(event))
        return b""

    def publishTell(self, event: PrivateMessage, node: str) -> None:
        """
        A local user's private message to C{node}, sent now (L{handedOn}).
        """
        if self.isLocal(event.sender):
            self._handing[event] = self.receipts.send(node, event)

    # The service's relay: nothing acknowledged that Redis did not take

    def checkRoom(self, room: str, members: Iterable[IParticipant]) -> None:
        """
        Refuse a room message that could not reach the room's members on
        other nodes, the bus's queue being full.
        """
        if not self.bus.hasRoom() and any(isinstance(m, RemoteParticipant) for m in members):
            raise errors.RelayUnavailable()

    def handedOn(self, event: PrivateMessage) -> Deferred[None] | None:
        handing = self._handing.pop(event, None)
        if handing is None:
            return None

        def unavailable(failure: Failure) -> None:
            failure.trap(RedisUnavailable)
            raise errors.RelayUnavailable()

        return handing.addErrback(unavailable)

    def forwardNotice(self, event: Notice, proxy: RemoteParticipant) -> None:
        """
        Collect the remote recipients of a notice during this reactor turn
        (the service hands it to all of them at once) and publish it once
        per node, with the names of its recipients there.
        """
        if proxy.nick is None:
            return
        recipients = self._notices.get(event)
        if recipients is None:
            recipients = self._notices[event] = {}
            self.clock.callLater(0, self._publishNotice, event)
        recipients.setdefault(proxy.node, []).append(proxy.nick)

    def _publishNotice(self, event: Notice) -> None:
        for node, nicks in self._notices.pop(event, {}).items():
            self.bus.publishTo(node, "notice", t=event.text, to=nicks, w=event.moment)

    def publishDisconnect(self, nick: str, node: str, error: errors.ChatError) -> None:
        self.bus.publishTo(
            node,
            "disconnect",
            u=nick,
            node=node,
            r=error.text,
            c=error.code,
            e=type(error).__name__,
        )

    def newProxy(self, node: str, nick: str) -> RemoteParticipant:
        return RemoteParticipant(self, node, nick)

    def publishState(self, node: str | None = None) -> None:
        """
        This node's users, rooms, room settings and sanctions in force, for
        C{node} (one that said hello) or else for every peer.
        """
        local = self.localUsers()
        users = [[u.nick, self.service.roomsOf(u)] for u in local]
        rooms = [name for name, _ in self.service.rooms()]
        states = self.roomStates([str(nick) for nick, _ in users])
        proven = [u.nick for u in local if self.provenOwnName(u)]
        fields: dict[str, Any] = {"users": users, "rooms": rooms, "rs": states, "a": proven}
        fields.update(pf=self.localProfiles(local), sn=self.sanctionsState())
        fields.update(mc=self.recovery.cursor())  # the others' mark of what they had from here
        if node is None:
            self.bus.publish("state", **fields)
        else:
            self.bus.publishTo(node, "state", **fields)
