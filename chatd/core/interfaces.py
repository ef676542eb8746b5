# -*- test-case-name: tests.unit.core.test_service -*-
"""
The seams between chatd's parts.

L{IChatService} is what every front-end may ask; L{IParticipant} is what the
service calls back on a connected person, whatever protocol they speak.  The
service never sees a transport and a front-end never touches another
front-end's state.  This module is the front-ends' one import for them and
for the call helpers (L{MaybeDeferred}, L{maybeCall}, L{settled}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from zope.interface import Attribute

from chatd.core.calls import MaybeDeferred, maybeCall, settled
from chatd.core.delivery import connectionsOf
from chatd.core.participant import IParticipant
from chatd.core.peoplelisting import IPeopleListing
from chatd.core.roomoperations import IRoomOperations
from chatd.core.storedchat import IStoredChat

if TYPE_CHECKING:
    from chatd.core.accounts import Secret
    from chatd.core.errors import ChatError
    from chatd.core.events import PrivateMessage, RoomMessage, Wallops
    from chatd.core.whowas import PastUser

__all__ = [
    "IChatService",
    "IParticipant",
    "IRoomOperations",
    "MaybeDeferred",
    "connectionsOf",
    "maybeCall",
    "settled",
]


class IChatService(IRoomOperations, IStoredChat, IPeopleListing):
    """
    The one shared chat: people, rooms, membership and messages, with every
    rule.  Methods raise L{chatd.core.errors.ChatError} subclasses to refuse; those
    that may need I/O return a L{Deferred}, so callers use C{maybeDeferred}.
    """

    messages = Attribute(
        "The L{chatd.core.messages.Messages}: what people say (L{chatd.core.statusmsg}"
        " speaks to a room's operators through it)."
    )
    people = Attribute(
        "The L{chatd.core.people.People}: who is signed in (IRC's LUSERS counts"
        " them with its C{count} and C{operatorsOnline}, whatever the number online)."
    )
    ignores = Attribute(
        "The L{chatd.core.ignores.Ignores}: whom each person ignores; every front-end's"
        " ignore commands ask it."
    )
    admission = Attribute(
        "The L{chatd.core.admission.Admission} every listener asks when a connection"
        " opens (C{--max-clients}, the per-address limits), and tells when it closes."
    )
    observer = Attribute(
        "The L{chatd.core.hooks.IChatObserver} told of every change others must"
        " hear of (cluster mode's bridge), or C{None}."
    )

    historyCount = Attribute("Messages entering a room replays (C{--history-count}; 0: none).")
    clock = Attribute(
        "The service's clock (C{IReactorTime}): an event's moment is its C{seconds()},"
        " to the millisecond (IRC's server-time)."
    )

    def now() -> int:
        """
        The service clock's time in whole seconds, as events carry it.
        """

    def connect(participant: IParticipant) -> None:
        """
        Register a new participant (before login), on a connection that
        C{admission} already admitted.

        @raise Banned: the participant's address is in a banned network.
        """

    def disconnect(
        participant: IParticipant, reason: str = "", cause: ChatError | None = None
    ) -> None:
        """
        Forget a connection: it leaves its rooms (others are told, with C{reason}) and its
        nickname is free; safe twice.  C{cause}, the kick, ban or kill, labels its metrics.
        """

    def login(
        participant: IParticipant,
        nick: str,
        password: Secret | None = None,
        preferred: str | None = None,
        resume: bool = False,
    ) -> MaybeDeferred[str]:
        """
        Give C{participant} the nickname C{nick}; returns the name as stored.
        A login to an account may name the nickname it C{preferred}
        instead, taken if it may be; one that C{resume}s a session (the
        client's own login again after its connection dropped) takes no
        other connection's place at the account's limit.

        @raise InvalidNick: the name is not 1 to 16 letters, digits, _ or -.
        @raise NickTaken: someone connected already uses it, in any case.
        @raise AccountFull: a login that resumes found its account at its limit.
        """

    def rename(participant: IParticipant, nick: str) -> MaybeDeferred[str]:
        """
        Change a logged-in participant's nickname everywhere; everyone sharing
        a room with them is told.
        """

    def createRoom(participant: IParticipant, room: str) -> MaybeDeferred[str]:
        """
        Create an empty room, run by its creator.  A guest's room is
        ephemeral: not stored, and gone once its last member leaves (see
        L{chatd.core.roomlimits}).

        @raise InvalidGroup: bad name.  @raise GroupExists: it exists.
        @raise TooManyRooms: the server's or the creator's room limit.
        """

    def enterOrCreate(
        participant: IParticipant, room: str, roomKey: str | None = None, when: float | None = None
    ) -> MaybeDeferred[str]:
        """
        L{enter} C{room} or, if it does not exist, create it with
        C{participant} in it as its operator, in one step: nobody (no other
        node) sees it without its creator.  Errors: L{createRoom}'s, L{enter}'s.
        """

    def enter(
        participant: IParticipant, room: str, roomKey: str | None = None, when: float | None = None
    ) -> MaybeDeferred[str]:
        """
        Make C{participant} a member of C{room}; the other members are told.
        A room with a key (mode C{k}) needs it as C{roomKey}.  C{when} is
        the moment of the request (now if C{None}), which every member is
        told, so that the requester's answer can show the same moment.

        @raise NoSuchGroup, AlreadyMember, GroupFull: as their names say.
        @raise BadRoomKey: C{roomKey} is not the room's key.
        @raise BannedFromRoom: one of the room's ban masks matches.
        """

    def leave(
        participant: IParticipant, room: str, reason: str = "", when: float | None = None
    ) -> MaybeDeferred[str]:
        """
        Remove C{participant} from C{room}; the remaining members are told,
        with C{reason} (its parting words, a L{Membership} of kind C{part}),
        at C{when} as L{enter}.
        """

    def members(participant: IParticipant, room: str) -> list[str]:
        """
        The nicknames in C{room}, in the order they entered.  Only members may
        ask.
        """

    def say(
        participant: IParticipant,
        room: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> RoomMessage:
        """
        Send C{lines} to the other members of C{room} (C{notice}: a message
        that must not be answered automatically, IRC's NOTICE; C{tags}: the
        sender's annotations, relayed untouched; with tags, C{lines} may be
        empty).  Returns the L{RoomMessage} the members got.  A message the
        sender names with its own id, to send it again, goes through
        C{messages.sent} (L{chatd.core.clientids.ClientIds.attempt}): said once.

        @raise InvalidArgument: the message is empty.
        @raise Moderated: the room has mode C{m} and the sender no voice.
        """

    def tell(
        participant: IParticipant,
        nick: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> PrivateMessage | Deferred[Any]:
        """
        Send C{lines} privately to C{nick} (C{notice}, C{tags} as for
        L{say}); returns the L{PrivateMessage}, or, for a registered user
        who is offline, a L{Deferred} firing with a L{chatd.core.inbox.Kept}
        once the message is kept for their next login (the front-end tells
        the sender so, with its C{reason}), or, for a user served by another
        node (cluster mode), a L{Deferred} firing with the message once the
        link between nodes took it.

        @raise NoSuchUser: nobody by that name is connected.
        @raise InvalidNick: nobody is, and nobody can be, called C{nick}.
        @raise InboxFull: (offline recipient) too many messages wait for them.
        @raise RelayUnavailable: (the recipient is on another node) the link
            between nodes is down: try again later (code 03).
        """

    def roomsOf(participant: IParticipant) -> list[str]:
        """
        The rooms C{participant} is in, by display name.
        """

    def roomsAwaited(participant: IParticipant) -> list[str]:
        """
        The approval rooms C{participant} (its account, from any
        connection) asked to enter and waits for.
        """

    def rooms() -> list[tuple[str, int]]:
        """
        Every room's display name and member count, sorted by name.
        """

    def users() -> list[IParticipant]:
        """
        Every logged-in participant, in login order.
        """

    def find(nick: str) -> IParticipant | None:
        """
        The logged-in participant called C{nick} (any case), or C{None}.
        """

    def provenAccount(participant: IParticipant) -> str | None:
        """
        The key of the account C{participant} signed in to with its password,
        or C{None} (a guest).
        """

    def hostOf(participant: IParticipant) -> str:
        """
        C{participant}'s host, the one every front-end shows and every mask
        matches (L{chatd.core.hosts}): C{user/<account>} or a guest's cloak.
        """

    def accountName(participant: IParticipant) -> str | None:
        """
        The name of that account as registered: a renamed user's differs.
        """

    def isOperator(participant: IParticipant) -> bool:
        """
        Whether C{participant} may moderate (kick) other users.
        """

    def kick(participant: IParticipant, nick: str, reason: str = "") -> None:
        """
        An operator ends C{nick}'s session with C{reason}.

        @raise NotPermitted: C{participant} is not an operator.
        @raise NoSuchUser: nobody by that name is connected.
        @raise InvalidNick: nobody is, and nobody can be, called C{nick}.
        """

    def invite(participant: IParticipant, nick: str, room: str) -> MaybeDeferred[None]:
        """
        A member of C{room} invites C{nick} to it: C{nick} gets a notice
        saying so; fires once every other cluster node has heard.

        @raise NoSuchGroup, NotMember: C{room} is missing or not theirs.
        @raise NoSuchUser: nobody by that name is connected.
        @raise InvalidNick: nobody is, and nobody can be, called C{nick}.
        @raise AlreadyMember: C{nick} is in C{room} already.
        """

    def capacity(room: str) -> int | None:
        """
        How many members C{room} accepts, or C{None} for no limit.

        @raise NoSuchGroup: there is no such room.
        """

    def connections() -> list[IParticipant]:
        """
        Every connection the service admitted and has not yet forgotten,
        logged in or not, in no particular order.
        """

    stats = Attribute(
        "The daemon's running totals, a L{chatd.core.metrics.ChatStats}: the service"
        " counts messages and disconnects; front-ends may count their output."
    )

    def acceptPending(room: str, nick: str) -> Deferred[None]:
        """
        Accept C{nick}'s request to enter approval room C{room} (for the
        admin console): a connected user is put in the room and told.
        Returns a L{Deferred}.

        @raise NoSuchUser: C{nick} has no pending request for C{room}.
        @raise InvalidNick: nobody can be called C{nick}.
        """

    def refusePending(room: str, nick: str, reason: str = "") -> Deferred[None]:
        """
        Refuse C{nick}'s request to enter approval room C{room}, for
        C{reason} (for the admin console): it ends, and a connected user is
        told.  Returns a L{Deferred}.

        @raise NoSuchUser: C{nick} has no pending request for C{room}.
        @raise InvalidNick: nobody can be called C{nick}.
        """

    def pendingRequests(room: str | None = None) -> list[tuple[str, str]]:
        """
        The pending requests to enter approval rooms, as (room, nickname).
        """

    def configureRoom(
        room: str,
        mode: str | None = None,
        capacity: int | None = None,
        topic: str | None = None,
        autojoin: bool | None = None,
    ) -> Deferred[str]:
        """
        Create C{room} if needed and change the given settings (for the admin
        console); returns a L{Deferred} firing with the room's name once the
        settings are stored.
        """

    # Administration (the admin console's needs)

    moderation = Attribute(
        "The L{chatd.core.moderation.Moderation} rules the service enforces at connect, "
        "login and speak: kicks, bans, address bans, mutes, operators."
    )

    def endSession(participant: IParticipant, error: ChatError) -> None:
        """
        End C{participant}'s session on an administrator's order (kick, ban,
        kill): its rooms are told C{error.text}, then it is told C{error}
        and disconnected.
        """

    def addRoom(name: str) -> str:
        """
        Create the room C{name} on an administrator's behalf; return its name.

        @raise InvalidGroup: bad name.  @raise GroupExists: it exists.
        """

    def notify(participant: IParticipant, text: str) -> None:
        """
        Send one participant a server notice (a moderation note).
        """

    def roomMode(name: str) -> str:
        """
        The mode of room C{name}: C{"open"} or C{"approval"}.

        @raise NoSuchGroup: there is no such room.
        """

    def topic(room: str) -> str:
        """
        The topic of room C{room} (C{""}: none).

        @raise NoSuchGroup: there is no such room.
        """

    def whowas(nick: str, count: int | None = None) -> list[PastUser]:
        """
        Who recently used C{nick} and no longer does (they disconnected or
        were renamed), most recent first, as L{PastUser}s; at
        most C{count} (C{None} or non-positive: all that are remembered).
        C{*} and C{?} in C{nick} are wildcards.  The record is in memory
        and bounded.
        """

    def receiveWallops(participant: IParticipant, wanted: bool) -> None:
        """
        Whether C{participant} receives chatd operators' messages (IRC's
        user mode C{+w}), until it disconnects.
        """

    def wallops(participant: IParticipant, text: str) -> Wallops:
        """
        A chatd operator's message to everyone connected here who asked for
        operators' messages (a L{chatd.core.events.Wallops} notice).

        @raise NotPermitted: C{participant} is not a chatd operator.
        """
