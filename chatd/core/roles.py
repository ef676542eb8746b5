# -*- test-case-name: tests.unit.core.test_service -*-
"""
The service's roles beyond the front-ends' L{IChatService}: what the admin
consoles ask (L{IAdministration}) and what the cluster applies
(L{IReplica}).  What the service tells and asks of the cluster in turn is
in L{chatd.core.hooks}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from zope.interface import Attribute, Interface

from chatd.core.interfaces import IChatService, IParticipant, MaybeDeferred

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from chatd.core.accountadmin import AccountDeleted, PasswordSet
    from chatd.core.erasure import Erased
    from chatd.core.errors import ChatError
    from chatd.core.events import (
        Notice,
        PrivateMessage,
        Redaction,
        RoomChange,
        RoomMessage,
    )
    from chatd.core.export import Exported
    from chatd.core.purge import Purged
    from chatd.core.roomremoval import Deleted
    from chatd.modstore import Sanction


class IAdministration(IChatService):
    """
    What an administrator's console asks of the service, besides what
    every front-end does.
    """

    observer = Attribute(
        "The L{chatd.core.hooks.IChatObserver} told of changes (cluster mode), or C{None}."
    )

    def announce(text: str) -> None:
        """
        Send a server notice to every logged-in user.
        """

    def shuttingDown(by: str) -> None:
        """
        Administrator C{by} is stopping the daemon: the notice every
        connection gets as it stops names them.
        """

    def acceptPending(room: str, nick: str) -> Deferred[None]:
        """
        Let C{nick} into approval room C{room}.
        """

    def refusePending(room: str, nick: str, reason: str = "") -> Deferred[None]:
        """
        Refuse C{nick}'s request to enter approval room C{room}.
        """

    def pendingRequests(room: str | None = None) -> list[tuple[str, str]]:
        """
        The requests to enter approval rooms, as (room, nickname) pairs.
        """

    def waitingRequests() -> list[tuple[str, str, int | None]]:
        """
        Every request to enter an approval room, as (room, nickname, when
        it was made: C{None} if unknown), the oldest first.
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

    def closeBanned(sanction: Sanction) -> int:
        """
        End the sessions served here from addresses the address ban
        C{sanction} holds, saying why; how many.
        """

    def addRoom(name: str) -> str:
        """
        Create the room C{name} on an administrator's behalf.
        """

    def notify(participant: IParticipant, text: str) -> None:
        """
        Send one participant a server notice.
        """

    def changingRights(by: str) -> AbstractContextManager[None]:
        """
        Around a change of chatd operator rights that C{by} makes (the
        console's C{op}, C{deop}): the rooms show it once it is made
        (L{chatd.core.rightschange.changingRights}).
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

    def setRoomApproval(room: str, on: bool) -> Deferred[str]:
        """
        Make C{room} an approval room (C{on}) or an open one, stored.
        """

    def deleteRoom(room: str, by: str, reason: str = "") -> Deleted:
        """
        Delete C{room} as administrator C{by} (L{chatd.core.roomremoval}).
        """

    def purgeMessages(
        sender: str, rooms: list[str] | None, since: float, by: str
    ) -> Deferred[Purged]:
        """
        Delete C{sender}'s messages since C{since} in C{rooms} (C{None}:
        every room) as administrator C{by} (L{chatd.core.purge}).
        """

    def exportMessages(room: str | None, since: float, until: float | None) -> Deferred[Exported]:
        """
        The stored messages of C{room} (C{None}: every room) from C{since}
        to before C{until} (C{None}: now), at most so many, with the moment
        the rest follows from if there are more (L{chatd.core.export}).
        """

    def exportConversation(
        nick: str, other: str, since: float, until: float | None
    ) -> Deferred[Exported]:
        """
        As L{exportMessages}, the private messages between C{nick} and
        C{other}, either way (L{chatd.core.export}).
        """

    def createAccount(nick: str, password: str) -> Deferred[str]:
        """
        Register C{nick} with C{password}, as an administrator; fires with
        its name (L{chatd.core.accountadmin}).
        """

    def setAccountPassword(
        nick: str, password: str, by: str, signOut: bool = False
    ) -> Deferred[PasswordSet]:
        """
        Give registered C{nick} a new password as administrator C{by}; end
        its sessions if C{signOut} (L{chatd.core.accountadmin}).
        """

    def deleteAccount(
        nick: str, by: str, reason: str = "", erase: bool = False
    ) -> Deferred[AccountDeleted]:
        """
        Delete registered C{nick} as administrator C{by}, ending its
        sessions with C{reason}, and if C{erase} every message sent under
        its name (L{chatd.core.accountadmin}).
        """

    def eraseMessages(name: str) -> Deferred[Erased]:
        """
        Delete every stored message sent under C{name}, room and private
        (L{chatd.core.erasure}).
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

    def tellRemote(
        event: PrivateMessage, refused: Callable[[ChatError], None] | None = None
    ) -> bool:
        """
        A private message checked and stored where it was sent: to its
        recipient here, or kept for a registered one who left meanwhile
        (C{refused} with why, if it cannot be kept after all); false if it
        reached nobody.
        """

    def deliverWaiting(nick: str | None = None) -> Deferred[None] | None:
        """
        Hand the registered users connected here (only C{nick}, if given)
        what the store keeps for them (the other nodes counted this one
        gone and kept it, or kept what a dead node never handled); C{None}
        without a store.
        """

    def sayRemote(participant: IParticipant, event: RoomMessage, removedHere: bool = False) -> bool:
        """
        Show members here a room message a participant served by another
        node said there (where it was checked and stored); false, and
        nobody told, if that participant is not in the room here, unless
        C{removedHere}: an order given here (a kick) took them out of it
        after they said it there, before their node applied the order.
        """

    def sayLate(events: list[RoomMessage], notices: Mapping[str, Notice]) -> None:
        """
        Show the members served here the messages said on another node that
        never came live (that node was lost with them), read back from the
        shared store, in the order given (their sender's, across rooms),
        after each room's notice in C{notices} that they come late: not
        stored or relayed again; those of a room not here go nowhere.
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
        requester: str | None = None,
    ) -> RoomChange | None:
        """
        Apply a room change (modes or topic) made on another node, at the
        request of the user named C{requester} there, if one asked (told of
        whom a ban mask it set holds here unseen).
        """

    def roomState(room: str) -> dict[str, Any]:
        """
        C{room}'s settings and its members' status, as plain data.
        """

    def syncRoomState(
        room: str, by: str, state: dict[str, Any], nicks: Iterable[str] = ()
    ) -> RoomChange | None:
        """
        Merge another node's L{roomState} into C{room}, setting by setting.
        """

    def roomStamp(room: str) -> list[Any]:
        """
        The stamp of the latest change to C{room}'s own settings made or
        applied here, kept across restarts (C{[]}: none).
        """

    def settingStamp(room: str, setting: str) -> list[Any]:
        """
        The stamp of the latest change to one of C{room}'s settings
        (L{chatd.core.roommerge.settingName}) made or applied here.
        """

    def keepRoomStamp(room: str, stamp: list[Any], settings: Iterable[str] = ()) -> None:
        """
        C{room} had a change stamped C{stamp} to C{settings}: kept, for the
        room and each of them, if newer than its own.
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
