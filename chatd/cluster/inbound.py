# -*- test-case-name: tests.unit.cluster.test_cluster_bridge,tests.unit.cluster.test_cluster_kickrace,tests.unit.cluster.test_cluster_operstate,tests.unit.cluster.test_cluster_outage,tests.unit.cluster.test_cluster_receipts,tests.unit.cluster.test_cluster_recovery,tests.unit.cluster.test_cluster_stateentries,tests.unit.cluster.test_cluster_unsent -*-  # noqa: E501
"""
Other nodes' events, applied to this node's service.

L{Inbound} is the half of L{chatd.cluster.bridge.Bridge} that handles what
arrives: it keeps a L{RemoteParticipant} per user of another node, logged in
and entered in rooms through the service's entry points for participants
served elsewhere (no claim, no password, no store); other nodes' room
messages go to local members through L{chatd.cluster.roommessages}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatd.cluster.adoption import Adoption
from chatd.cluster.bus import Bus
from chatd.cluster.messages import tellEvent
from chatd.cluster.moderation import Lifts
from chatd.cluster.newrooms import NewRooms
from chatd.cluster.notices import lostContact
from chatd.cluster.receipts import LEFT, UNKEPT, Receipts, which
from chatd.cluster.recovery import Recovery
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.roommessages import RoomMessages
from chatd.cluster.stateentries import oneEntry
from chatd.core import errors, sharing
from chatd.core.absent import Absent
from chatd.core.events import Notice
from chatd.core.interfaces import connectionsOf
from chatd.core.names import key
from chatd.core.roles import IReplica
from chatd.core.service import ChatService
from chatd.modstore import IPBAN, Sanction


def _text(value: Any) -> str:
    """C{value} if another node sent a text there, else the empty text."""
    return value if isinstance(value, str) else ""


def _error(name: str, text: str) -> errors.ChatError:
    """
    The error another node ended a session with (L{errors.Kicked},
    C{Banned}...), rebuilt from its class name; L{errors.Kicked} if this
    node does not know it.
    """
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.ChatError)):
        cls = errors.Kicked
    return cls(text)


class Inbound(RoomMessages):
    """
    Applies other nodes' envelopes; a C{remote_<kind>} method per kind.

    @ivar proxies: per node, nick key -> the L{RemoteParticipant}.
    """

    log: Logger
    service: ChatService
    replica: IReplica
    bus: Bus
    proxies: dict[str, dict[str, RemoteParticipant]]
    receipts: Receipts
    recovery: Recovery
    adoption: Adoption
    _moderation: list[Any]
    _unknownSenders: set[tuple[str, str, str]]
    #: When local users were last told they missed what other nodes said.
    _toldMissed: float | None = None
    adoptSanctions: Callable[[str, dict[str, list[Any]]], None]  # the console relay's
    reloadStored: Callable[[], None]  # the console relay's
    lifts: Lifts
    sharedStore: bool
    newRooms: NewRooms

    def publishState(self, node: str | None = None) -> None:
        raise NotImplementedError()

    def newProxy(self, node: str, nick: str) -> RemoteParticipant:
        raise NotImplementedError()

    def everyoneStored(self) -> Deferred[None]:
        raise NotImplementedError()

    def takeProfile(self, proxy: RemoteParticipant, profile: dict[str, Any]) -> None:
        raise NotImplementedError()

    def takeRights(self, proxy: RemoteParticipant) -> None:
        raise NotImplementedError()

    def shownOf(self, proxy: RemoteParticipant) -> dict[str, str | None]:
        raise NotImplementedError()

    def profileShown(
        self, proxy: RemoteParticipant, before: dict[str, str | None], named: str | None = None
    ) -> None:
        raise NotImplementedError()

    def syncRooms(
        self, node: str, members: dict[str, list[str]], states: dict[str, dict[str, Any]]
    ) -> None:
        raise NotImplementedError()

    def nodeLeft(self, node: str) -> None:
        raise NotImplementedError()

    def _proxy(self, node: str, nick: str) -> RemoteParticipant | None:
        return self.proxies.get(node, {}).get(key(nick))

    def _forgetProxy(self, proxy: RemoteParticipant) -> None:
        known = self.proxies.get(proxy.node, {})
        if proxy.nick is not None and known.get(key(proxy.nick)) is proxy:
            del known[key(proxy.nick)]

    def _ensureProxy(
        self, node: str, nick: str, fields: dict[str, Any] | None = None
    ) -> RemoteParticipant | None:
        """
        C{node}'s user C{nick}'s proxy, made and logged in here if new:
        with the profile and proof of a login's C{fields} first, so those
        told of the arrival (C{MONITOR}) see the user as they are, and the
        operator rights of its profile once logged in, as rights need.  A
        known proxy takes the profile of C{fields} (a whole state, a login
        again), and what it changes of what others are shown is told.
        """
        proxy = self._proxy(node, nick)
        if proxy is not None:
            if fields is not None:
                before = self.shownOf(proxy)
                self._takeLogin(proxy, fields)
                self.takeRights(proxy)
                self.profileShown(proxy, before)
            return proxy
        holder = self.service.find(nick)
        if isinstance(holder, RemoteParticipant):
            self.service.disconnect(holder, "logged in elsewhere")
        elif holder is not None:
            self.log.warn(
                "{nick} on node {node} clashes with a local user; the nickname claim decides",
                nick=nick,
                node=node,
            )
            return None
        proxy = self.newProxy(node, nick)
        if fields is not None:
            self._takeLogin(proxy, fields)
        self.replica.admitRemote(proxy, nick)
        self.proxies.setdefault(node, {})[key(nick)] = proxy
        if fields is not None:
            self.takeRights(proxy)
        return proxy

    def remote_login(self, node: str, fields: dict[str, Any]) -> None:
        self._ensureProxy(node, fields["u"], fields)

    def _takeLogin(self, proxy: RemoteParticipant, fields: dict[str, Any]) -> None:
        self.takeProfile(proxy, fields.get("pf") or {})
        if fields.get("a"):
            # Logged in to its account with the password on its own node.
            self.service.people.accounts.prove(proxy, fields["u"])

    def remote_logout(self, node: str, fields: dict[str, Any]) -> None:
        proxy = self._proxy(node, fields["u"])
        if proxy is not None:
            self.service.disconnect(proxy, fields.get("r", ""))

    def remote_rename(self, node: str, fields: dict[str, Any]) -> None:
        proxy = self._proxy(node, fields["u"])
        if proxy is None:
            self._ensureProxy(node, fields["to"])
            return
        try:
            self.replica.renameRemote(proxy, fields["to"])
        except errors.NickTaken:
            self.log.warn(
                "{old} of node {node} became {new}, a name a local user holds; the claim decides",
                old=fields["u"],
                node=node,
                new=fields["to"],
            )

    def remote_enter(self, node: str, fields: dict[str, Any]) -> None:
        proxy = self._ensureProxy(node, fields["u"])
        if proxy is not None:
            self.replica.enterRemote(proxy, fields["room"], fields.get("w"))
            self.newRooms.heard(fields["room"])

    def remote_leave(self, node: str, fields: dict[str, Any]) -> None:
        proxy = self._proxy(node, fields["u"])
        if proxy is not None:
            self._leave(proxy, fields["room"], fields.get("r", ""), fields.get("w"))

    def _leave(
        self, proxy: RemoteParticipant, room: str, reason: str = "", when: float | None = None
    ) -> None:
        self.replica.leaveRemote(proxy, room, reason, when)

    def remote_room(self, node: str, fields: dict[str, Any]) -> None:
        self.replica.roomCreatedRemote(
            fields["room"],
            fields.get("op"),
            fields.get("w"),
            bool(fields.get("e")),
            fields.get("ms"),
            _text(fields.get("ag")),
        )

    def remote_tell(self, node: str, fields: dict[str, Any]) -> None:
        """
        A private message for a user of this node.  If it reaches nobody
        (they left just before, unregistered, or moved to another node),
        the sender's node is told, so that the sender is.
        """
        try:
            recipient = self.service.find(fields["to"])
            bounce = {"u": fields["u"], "to": fields["to"], "id": fields.get("id", "")}
            if isinstance(recipient, RemoteParticipant):
                self.bus.publishTo(node, "bounce", **bounce)
                return
            shown = fields["to"] if recipient is None or recipient.nick is None else recipient.nick
            event = tellEvent(fields, shown)
            self.adoption.told(node, event, self._proxy(node, fields["u"]), recipient)
            refused = lambda error: self.bus.publishTo(node, "bounce", r=str(error), **bounce)  # noqa: E731
            if not self.replica.tellRemote(event, refused):
                self.bus.publishTo(node, "bounce", **bounce)
        finally:  # delivered, kept or bounced: the sender's node may forget it
            self.receipts.handled(node, fields)

    def remote_bounce(self, node: str, fields: dict[str, Any]) -> None:
        """
        A private message a local user sent reached nobody on its
        recipient's node (C{r}: it could not be kept for them, and why):
        the sender is told, by a server notice, and its copy is deleted as
        sent.
        """
        self.receipts.unsent.forget(fields.get("id", ""))
        event = self.receipts.bounced(node, fields.get("id", ""))  # (its told comes next)
        sender = self.service.find(fields["u"])
        if sender is not None and not isinstance(sender, RemoteParticipant):
            template = UNKEPT if fields.get("r") else LEFT
            text = template.format(to=fields["to"], what=which(event), why=fields.get("r"))
            self.service.notify(sender, text)

    def remote_notice(self, node: str, fields: dict[str, Any]) -> None:
        event = Notice(fields["t"], fields["w"])
        for nick in fields["to"]:
            user = self.service.find(nick)
            if user is not None and not isinstance(user, RemoteParticipant):
                user.notice(event)

    def remote_disconnect(self, node: str, fields: dict[str, Any]) -> None:
        if fields["node"] != self.bus.nodeId:
            return
        user = self.service.find(fields["u"])
        if user is None or isinstance(user, RemoteParticipant):
            return
        if fields.get("ab") and not all(isinstance(c, Absent) for c in connectionsOf(user)):
            return  # taken over as absent, but a connection came back here meanwhile
        error = _error(fields.get("e", ""), fields["r"])
        self.service.disconnect(user, fields["r"], error)
        user.disconnect(error)

    def remote_mod(self, node: str, fields: dict[str, Any]) -> None:
        for handler in list(self._moderation):
            handler(fields["a"], fields["f"])

    def remote_sanction(self, node: str, fields: dict[str, Any]) -> None:
        sanction = None if fields["s"] is None else Sanction(**fields["s"])
        if sanction is None:
            self.lifts.note(fields["sk"], fields["t"])
        self.service.moderation.replicate(fields["sk"], fields["t"], sanction)
        if sanction is not None and sanction.kind == IPBAN:  # typed on another node's console
            self.service.closeBanned(sanction)

    def remote_stored(self, node: str, fields: dict[str, Any]) -> None:
        """
        Another node changed the shared store: update this node's copy.
        """
        persistence = self.service.persistence
        if persistence is None or not persistence.sharedStore:
            return
        d = Deferred.fromCoroutine(sharing.applyChange(persistence, fields["sk"], fields["f"]))
        d.addErrback(lambda f: self.log.failure("applying a {kind} change", f, kind=fields["sk"]))

    def remote_hello(self, node: str, fields: dict[str, Any]) -> None:
        if fields.get("gone") is not None:  # it counted this node dead, and sent nothing
            self.missedSince(fields["gone"])
            self.reloadStored()  # what it stored meanwhile (an approval ended) too
        self.publishState(node)
        if fields.get("gone") is not None and self.sharedStore:
            # What it kept meanwhile for users here is written once it has
            # read this node's state (its later messages come live) and
            # answered the round: then read.
            waited = self.everyoneStored().addCallback(lambda _: self.replica.deliverWaiting())
            waited.addErrback(lambda f: self.log.failure("delivering kept messages", f))

    def missedSince(self, since: float) -> None:
        """
        Another node counted this one dead from C{since} (it stalled, or lost
        Redis alone): what was said on the other nodes meanwhile never came
        here, and their private messages to users here were kept or said not
        delivered.  The local users are told once, not left to think they
        heard everything.
        """
        if self._toldMissed is not None and self._toldMissed >= since:
            return  # told already, for this loss of contact
        self._toldMissed = self.service.clock.seconds()
        notice = Notice(lostContact(since, self.sharedStore), self.service.clock.seconds())
        for user in self.service.users():
            if not isinstance(user, RemoteParticipant):
                user.notice(notice)

    def _takeUser(self, node: str, nick: str, rooms: list[str], login: dict[str, Any]) -> bool:
        """
        C{node}'s user C{nick}, as its state tells: logged in here with the
        profile of C{login}, in C{rooms} and no others; whether it is
        (a local user may hold the name: the nickname claim decides).
        """
        proxy = self._ensureProxy(node, nick, login)
        if proxy is None:
            return False
        wanted = {key(room) for room in rooms}
        current = self.service.roomsOf(proxy)
        for room in current:
            if key(room) not in wanted:
                self._leave(proxy, room)
        have = {key(room) for room in current}
        for room in rooms:
            if key(room) not in have:
                self.replica.enterRemote(proxy, room)
        return True

    def remote_state(self, node: str, fields: dict[str, Any]) -> None:
        """
        Make this node's proxies for C{node} match C{node}'s own account of
        its users and their rooms, and take its sanctions and its rooms'
        settings; each entry apart (L{oneEntry}): one that fails is logged
        and the rest taken.
        """
        self._unknownSenders = {u for u in self._unknownSenders if u[0] != node}
        self.adoptSanctions(node, fields.get("sn") or {})  # set while this node was cut off
        states = fields.get("rs") or {}
        for room in fields["rooms"]:  # a guest's room there is one here too (never stored)
            with oneEntry(self.log, node, "the room {room}", room=room):
                state = states.get(room) or {}
                self.replica.ensureRoom(room, bool(state.get("guest")), _text(state.get("ag")))
        seen = set()
        members: dict[str, list[str]] = {}  # room key -> its members of that node
        profiles, proven = fields.get("pf") or {}, set(fields.get("a", []))
        for nick, rooms in fields["users"]:
            # Its profile first: the members of its rooms see it as it is.
            login = {"u": nick, "pf": profiles.get(nick) or {}, "a": nick in proven}
            taken = True  # (one that fails is not disconnected: its node says it is there)
            with oneEntry(self.log, node, "{nick}", nick=nick):
                taken = self._takeUser(node, nick, rooms, login)
                for room in rooms if taken else ():
                    members.setdefault(key(room), []).append(nick)
            if taken:
                seen.add(key(nick))
        for nickKey, proxy in list(self.proxies.get(node, {}).items()):
            if nickKey not in seen:
                self.service.disconnect(proxy, fields.get("r", "left the chat"))
        self.syncRooms(node, members, states)
        self.heldFrom(node)
        self.recovery.checkpoint(node, fields.get("mc"))  # all it said before: sent already
        if fields.get("bye"):  # its farewell: it stopped cleanly
            self.nodeLeft(node)
