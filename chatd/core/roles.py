# -*- test-case-name: tests.unit.core.test_service -*-
"""
The service's roles beyond the front-ends' L{IChatService}: what the admin
consoles ask (L{IAdministration}), what the cluster applies
(L{IReplica}), what an observer of the service is told
(L{IChatObserver}), and what carries messages to other servers (L{IRelay}).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from zope.interface import Attribute, Interface

from chatd.core.interfaces import IChatService, IParticipant, MaybeDeferred

if TYPE_CHECKING:
    from chatd.core.activity import Seen
    from chatd.core.errors import ChatError
    from chatd.core.events import (
        Notice,
        PrivateMessage,
        Redaction,
        RoomChange,
        RoomMessage,
        Wallops,
    )
    from chatd.core.roomremoval import Deleted


class IAdministration(IChatService):
    """
    What an administrator's console asks of the service, besides what
    every front-end does.
    """

    observer = Attribute("The L{IChatObserver} told of changes (cluster mode), or C{None}.")

    def announce(text: str) -> None:
        """
        Send a server notice to every logged-in user.
        """

    def acceptPending(room: str, nick: str) -> Deferred[None]:
        """
        Let C{nick} into approval room C{room}.
        """

    def pendingRequests(room: str | None = None) -> list[tuple[str, str]]:
        """
        The requests to enter approval rooms, as (room, nickname) pairs.
        """

    def configureRoom(
        room: str,
        mode: str | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        autojoin: bool | None = None,
    ) -> Deferred[str]:
        """
        Create C{room} if needed and change the settings given.
        """

    def endSession(participant: IParticipant, error: ChatError) -> None:
        """
        End C{participant}'s session (kick, ban, kill), telling its rooms.
        """

    def addRoom(name: str) -> str:
        """
        Create the room C{name} on an administrator's behalf.
        """

    def notify(participant: IParticipant, text: str) -> None:
        """
        Send one participant a server notice.
        """

    def setRoomTopic(room: str, topic: str, by: str) -> MaybeDeferred[str]:
        """
        Set C{room}'s topic as administrator C{by}, telling its members.
        """

    def giveRoomOperator(room: str, nick: str, by: str) -> bool:
        """
        Make member C{nick} an operator of C{room}; whether that changed it.
        """

    def setRoomFounder(room: str, account: str) -> Deferred[str]:
        """
        Make registered C{account} (C{""}: nobody) C{room}'s founder, stored.
        """

    def deleteRoom(room: str, by: str, reason: str = "") -> Deleted:
        """
        Delete C{room} as administrator C{by} (L{chatd.core.roomremoval}).
        """


class IReplica(Interface):
    """
    What another node of a cluster already checked, applied here; members
    served here are told as if it happened here.
    """

    def admitRemote(participant: IParticipant, nick: str) -> str:
        """
        Log in a participant served by another node.
        """

    def ensureRoom(room: str, ephemeral: bool = False, group: str = "") -> str:
        """
        The display name of C{room}, created here first if need be (as a
        guest's room, gone once empty, if C{ephemeral}, counted against the
        address C{group} its creator came from).
        """

    def enterRemote(participant: IParticipant, room: str, when: float | None = None) -> None:
        """
        Put a participant served by another node in C{room} (at C{when}, if told).
        """

    def tellRemote(event: PrivateMessage) -> bool:
        """
        A private message checked and stored where it was sent: to its
        recipient here, or kept for a registered one who left meanwhile;
        false if it reached nobody.
        """

    def deliverWaiting() -> Deferred[None] | None:
        """
        Hand the registered users connected here what the store keeps for
        them (the other nodes counted this one gone and kept it); C{None}
        without a store.
        """

    def sayRemote(participant: IParticipant, event: RoomMessage) -> bool:
        """
        Show members here a room message a participant served by another
        node said there (where it was checked and stored); false, and
        nobody told, if that participant is not in the room here.
        """

    def sayLate(room: str, events: list[RoomMessage], notice: Notice) -> bool:
        """
        Show the members served here the messages said in C{room} on another
        node that never came live (that node was lost with them), read back
        from the shared store, after the C{notice} that they come late: not
        stored or relayed again; false if the room is not here.
        """

    def leaveRemote(
        participant: IParticipant, room: str, reason: str = "", when: float | None = None
    ) -> None:
        """
        Take a participant served by another node out of C{room}, by
        choice, with its C{reason} (IRC shows it in C{PART}), at C{when}.
        """

    def renameRemote(participant: IParticipant, nick: str) -> str:
        """
        Rename a participant served by another node.
        """

    def applyRemoteRoomChange(
        room: str,
        by: str,
        modes: str = "",
        args: tuple[str, ...] | list[str] = (),
        topic: str | None = None,
        when: int | None = None,
    ) -> RoomChange | None:
        """
        Apply a room change (modes or topic) made on another node.
        """

    def roomState(room: str) -> dict[str, Any]:
        """
        C{room}'s settings and its members' status, as plain data.
        """

    def syncRoomState(
        room: str, by: str, state: dict[str, Any], nicks: Iterable[str] = ()
    ) -> RoomChange | None:
        """
        Make C{room} match another node's L{roomState}.
        """

    def kickRemote(room: str, nick: str, by: str, reason: str = "") -> bool:
        """
        Remove C{nick} from C{room} on an operator's order given elsewhere.
        """

    def inviteRemote(
        room: str, nick: str, by: str, admitted: bool, when: int | None = None
    ) -> None:
        """
        C{by} invited C{nick} to C{room} on another node.
        """

    def roomCreatedRemote(
        room: str,
        creator: str | None,
        when: int | None = None,
        ephemeral: bool = False,
        millis: int | None = None,
        group: str = "",
    ) -> str:
        """
        C{creator} created C{room} on another node (at C{millis}, if told;
        a guest's counted against the address C{group} its creator came from).
        """

    def deleteRoomRemote(room: str, by: str, reason: str = "") -> None:
        """
        Administrator C{by} deleted C{room} on another node.
        """

    def redactedRemote(event: Redaction) -> None:
        """
        A message was deleted on another node (from the shared store, if
        there is one): tell the connections here that may show it.
        """


class IChatObserver(Interface):
    """
    Optional: told of every change the service makes to who is logged in
    and who is in which room, after it is made, and asked before a nickname
    is given; e.g. to keep other processes' copies of the chat in step
    (chatd's cluster mode).  Set as C{ChatService.observer}.
    """

    def claimNick(participant: IParticipant, nick: str) -> MaybeDeferred[None]:
        """
        C{participant} is about to get C{nick} (login or rename): a
        L{Deferred} that fires to allow it or fails with a
        L{chatd.core.errors.ChatError} to refuse it.
        """

    def releaseNick(participant: IParticipant, nick: str) -> None:
        """
        A claimed C{nick} was not given after all (the login failed).
        """

    def loggedIn(participant: IParticipant) -> None:
        """
        C{participant} logged in as C{participant.nick}.
        """

    def loggedOut(participant: IParticipant, nick: str, reason: str) -> None:
        """
        C{participant}, logged in as C{nick}, disconnected; it has left its rooms.
        """

    def renamed(participant: IParticipant, old: str) -> None:
        """
        C{participant}, formerly C{old}, is called C{participant.nick} now.
        """

    def reachesEveryone() -> bool:
        """
        Whether what this process tells the observer now reaches the other
        processes at once (C{False}: it waits until they can be reached).
        """

    def everyoneHeard() -> MaybeDeferred[None]:
        """
        Fires once what this process told the observer so far has reached
        every other process, and what they told before has reached this
        one.  A login, rename, entry or new room is answered only then, so
        that users everywhere can reach the newcomer (or enter the room) at
        once; a login and an entry also wait for it before their checks, so
        that what other processes decided just before (a ban, a key) holds.
        """

    def everyoneStored() -> MaybeDeferred[None]:
        """
        Fires once every other process has written to the store the
        messages it queued before now (or did not answer within a moment):
        a message just sent elsewhere can then be found in a shared store.
        """

    def entered(participant: IParticipant, room: str) -> None:
        """
        C{participant} entered C{room} (its display name).
        """

    def left(participant: IParticipant, room: str, reason: str) -> None:
        """
        C{participant} left C{room} by choice, saying C{reason} (or C{""}).
        """

    def absentElsewhere(holder: IParticipant) -> bool:
        """
        Whether C{holder} is another process's user present always on there
        with no connection: a password login here may take it over.
        """

    def takeOver(holder: IParticipant) -> MaybeDeferred[None]:
        """
        A password login here to the account C{holder} (another process's
        user) holds: if that account is only present always on, with no
        connection, its process lets it go; fires once it has (or at once).
        """

    def activityOf(participant: IParticipant) -> MaybeDeferred[Seen | None]:
        """
        When C{participant}, another process's user, signed on and how long
        they have been idle, as their process says (C{None}: it did not).
        """

    def claimRoom(room: str) -> MaybeDeferred[None]:
        """
        Asked before C{room} is created here: fires when it may be;
        fails with L{chatd.core.errors.GroupExists} when another process
        creates it at the same moment (once this one has heard of it).
        """

    def releaseRoom(room: str) -> None:
        """
        C{room}'s creation, claimed with L{claimRoom}, is over (known
        everywhere, or failed).
        """

    def roomCreated(participant: IParticipant, room: str) -> None:
        """
        C{participant} created C{room}.
        """

    def statusChanged(participant: IParticipant, kind: str) -> None:
        """
        What others see of C{participant}'s person changed: its C{kind}
        (L{chatd.core.status.AWAY}, C{ACCOUNT} or C{REALNAME}); the people
        here who may show it were told.
        """

    def roomChanged(event: RoomChange) -> None:
        """
        An operator or member here changed a room's modes, a member's
        status, its key, ban list, capacity or topic: C{event} is what the
        room's members were told.  (C{roomCreated} also means its creator
        is an operator of the new room.)
        """

    def kickedFromRoom(room: str, nick: str, by: str, reason: str) -> None:
        """
        C{by}, a room operator here, removed C{nick} from C{room} (wherever
        C{nick} is served).
        """

    def roomDeleted(room: str, by: str, reason: str) -> None:
        """
        Administrator C{by} deleted C{room} here, with C{reason}.
        """

    def invited(room: str, nick: str, by: str, admitted: bool) -> None:
        """
        C{by} invited C{nick} to C{room}; C{admitted}: that lets C{nick}
        past the room's C{i} mode and ban masks (once).
        """

    def messageRedacted(event: Redaction) -> None:
        """
        A message was deleted here (L{chatd.core.redaction}): C{event} is
        what the connections here that may show it were told.
        """


class IRelay(Interface):
    """
    Optional: what carries messages to people another server serves
    (chatd's cluster mode), installed with C{service.messages.relayThrough}.
    A message is acknowledged to its sender only once the relay has taken
    it: refused, it reaches nobody.
    """

    def checkRoom(room: str, members: Iterable[IParticipant]) -> None:
        """
        A message to C{room}, whose members are C{members}, is about to be
        delivered: raise a L{chatd.core.errors.ChatError} (a
        L{chatd.core.errors.RelayUnavailable}) if it could not reach those
        served elsewhere now.
        """

    def wallops(event: Wallops) -> None:
        """
        A chatd operator's message went to the readers here (C{+w}): carry
        it to those served elsewhere.
        """

    def handedOn(event: PrivateMessage) -> Deferred[None] | None:
        """
        C{event} was given to its recipient: C{None} if nothing of it left
        this server, else a L{Deferred} that fires once it is safely handed
        on, or fails with a L{chatd.core.errors.ChatError}.
        """
