# -*- test-case-name: tests.unit.cluster.test_cluster_bridge -*-
"""
People connected to other nodes, as this node's service sees them.

A L{RemoteParticipant} stands in the local L{chatd.core.service.ChatService} for a
user on another node: logged in under their nickname and entered in their
rooms, so that LSMEM, MSGPV, kicks and every front-end work unchanged.  The
service delivers events to it like to anyone; it forwards to the bus only
what a LOCAL user caused, and only once per event: the first proxy of each
node to see a room message runs C{event.wire(bridge.sayEncoder(node))},
which checks the sender and publishes for that node; the event caches the
(empty) result, so further proxies of the node cost a dictionary lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed
from zope.interface import implementer

from chatd.core.errors import ChatError
from chatd.core.events import (
    Invitation,
    Membership,
    Notice,
    PrivateMessage,
    Rename,
    RoomChange,
    RoomMessage,
)
from chatd.core.interfaces import IParticipant

if TYPE_CHECKING:
    from chatd.cluster.bridge import Bridge


@implementer(IParticipant)
class RemoteParticipant:
    """
    A user on node C{node}.
    """

    #: Every node holds one for each user of every other node: no
    #: C{__dict__}, and what all of a node's users share is shared.
    __slots__ = (
        "bridge",
        "node",
        "nick",
        "address",
        "relay",
        "sayEncoder",
        # The user's profile, as their node tells it (L{chatd.cluster.profiles}).
        "protocolName",
        "ident",
        "realName",
        "awayMessage",
        "account",
        "userModes",
        "absent",
        "shownHost",
        "__weakref__",
    )

    def __init__(self, bridge: Bridge, node: str, nick: str) -> None:
        self.bridge = bridge
        self.node = node
        self.nick: str | None = nick
        self.address = bridge.nodeAddress(node)
        self.protocolName = "remote"
        self.ident: str | None = None
        self.realName: str | None = None
        self.awayMessage: str | None = None
        self.account: str | None = None
        self.userModes: frozenset[str] = frozenset()
        #: "1": an always-on account present with no connection there.
        self.absent: str | None = None
        #: Their host as their node shows it (L{chatd.core.hosts}).
        self.shownHost: str | None = None
        #: One of a node's proxies in a room is given each room message,
        #: since it is published once for the node (L{chatd.core.delivery}).
        self.relay = node
        self.sayEncoder = bridge.sayEncoder(node)

    def __repr__(self) -> str:
        return f"<RemoteParticipant {self.nick} on {self.node}>"

    #: Another node's user is offered history by its own node.
    historyOnEnter = 0
    fetchesMissed = False

    #: CTCP goes to the user's node, which gives it to their connections
    #: that take it, or answers for them (L{chatd.core.ctcp}).
    takesCtcp = True

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        """
        Never called: L{historyOnEnter} is 0.
        """

    def roomMessage(self, event: RoomMessage) -> None:
        if event.lines or event.tags:  # a TAGMSG too (typing, reactions)
            event.wire(self.sayEncoder)

    def privateMessage(self, event: PrivateMessage) -> None:
        if event.lines or event.tags:
            self.bridge.publishTell(event, self.node)

    def membershipChanged(self, event: Membership) -> None:
        """
        Membership travels as state (the bridge publishes local changes),
        so the copy every proxy gets needs nothing.
        """

    def renamed(self, event: Rename) -> None:
        """
        As for L{membershipChanged}.
        """

    def notice(self, event: Notice) -> None:
        """
        A server notice goes to the user's node as text; room changes and
        invitations travel as state (L{chatd.cluster.rooms}), and every
        node tells its own users, so they are not forwarded.
        """
        if isinstance(event, (RoomChange, Invitation)):
            return
        self.bridge.forwardNotice(event, self)

    def disconnect(self, error: ChatError) -> None:
        """
        This node ended the user's session (a kick from here): their own
        node must close the real connection.
        """
        assert self.nick is not None
        self.bridge.publishDisconnect(self.nick, self.node, error)

    def whenDrained(self) -> Deferred[bool]:
        """
        What this node sends the user goes to the bus at once; their own
        node paces their connection.
        """
        return succeed(True)
