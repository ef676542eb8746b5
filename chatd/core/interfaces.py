# -*- test-case-name: tests.test_service -*-
"""
The seams between chatd's parts.

L{IChatService} is what every front-end may ask; L{IParticipant} is what the
service calls back on a connected person, whatever protocol they speak.  The
service never sees a transport and a front-end never touches another
front-end's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ParamSpec, TypeAlias, TypeVar

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from zope.interface import Attribute, Interface

if TYPE_CHECKING:
    from chatd.core.errors import ChatError
    from chatd.core.events import (
        Membership,
        Notice,
        PrivateMessage,
        Rename,
        RoomMessage,
        Wallops,
    )
    from chatd.core.whowas import PastUser

_T = TypeVar("_T")
#: What a service call returns: the value at once, or (with a store, in a
#: cluster) a L{Deferred} that fires with it.  Front-ends call through
#: L{maybeCall}.
MaybeDeferred: TypeAlias = "_T | Deferred[_T]"
_P = ParamSpec("_P")


def settled(result: MaybeDeferred[_T]) -> Deferred[_T]:
    """
    A service call's result as a L{Deferred}, whether it came at once or
    later.
    """
    return result if isinstance(result, Deferred) else succeed(result)


def maybeCall(
    call: Callable[_P, MaybeDeferred[_T]], *args: _P.args, **kwargs: _P.kwargs
) -> Deferred[_T]:
    """
    C{maybeDeferred} for a service call: a refusal raised at once becomes a
    failed L{Deferred} too; typed with the value the call gives.
    """
    result: Deferred[_T] = maybeDeferred(call, *args, **kwargs)  # type: ignore[arg-type]
    return result


class IParticipant(Interface):
    """
    A connected person, as the service sees them.  Methods must not raise:
    they queue output for the person and return.
    """

    nick = Attribute("The logged-in nickname (a L{str}), or C{None} before login.")
    address = Attribute("Where the connection comes from: an IP address, a L{str}.")
    protocolName = Attribute("The front-end's short name: 'tchat', 'talk', 'irc', 'web'.")

    def roomMessage(event: RoomMessage) -> None:
        """
        Someone else spoke in a room this participant is in.
        """

    def privateMessage(event: PrivateMessage) -> None:
        """
        Someone spoke to this participant privately.
        """

    def membershipChanged(event: Membership) -> None:
        """
        Someone else entered or left a room this participant is in.
        """

    def renamed(event: Rename) -> None:
        """
        Someone sharing a room with this participant (or the participant
        itself) changed nickname.
        """

    def notice(event: Notice) -> None:
        """
        A server notice for this person: an announcement or a moderation note.
        """

    def disconnect(error: ChatError) -> None:
        """
        The service ends this person's session (kick, ban, kill, shutdown):
        tell them C{error} in the protocol's own way, then close.
        """

    def whenDrained() -> Deferred[bool]:
        """
        A L{Deferred} that fires with C{True} once everything queued for
        this person so far was handed to their connection and it is ready
        for more (the reader keeps up), or with C{False} if the connection
        closed first.  The service sends output that comes in pieces (the
        private messages that waited for a user) one piece at a time with
        it, so a slow reader is not cut off for a backlog it did not cause.
        """


class IChatService(Interface):
    """
    The one shared chat: people, rooms, membership and messages, with every
    rule.  Methods raise L{chatd.core.errors.ChatError} subclasses to refuse; those
    that may need I/O return a L{Deferred}, so callers use C{maybeDeferred}.
    """

    maxClients = Attribute("How many connections the service accepts at once, or C{None}.")
    admission = Attribute(
        "The L{chatd.core.admission.Admission} every listener asks when a connection"
        " opens (C{--max-clients}, the per-address limits), and tells when it closes."
    )

    def connect(participant: IParticipant) -> None:
        """
        Register a new participant (before login), on a connection that
        C{admission} already admitted.

        @raise Banned: the participant's address is in a banned network.
        """

    def disconnect(participant: IParticipant, reason: str = "") -> None:
        """
        Forget a connection: it leaves its rooms (others are told, with
        C{reason}) and its nickname becomes free.  Safe to call twice.
        """

    def login(
        participant: IParticipant, nick: str, password: str | None = None
    ) -> MaybeDeferred[str]:
        """
        Give C{participant} the nickname C{nick}; returns the name as stored.

        @raise InvalidNick: the name is not 1 to 16 letters, digits, _ or -.
        @raise NickTaken: someone connected already uses it, in any case.
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

    def enter(
        participant: IParticipant, room: str, roomKey: str | None = None
    ) -> MaybeDeferred[str]:
        """
        Make C{participant} a member of C{room}; the other members are told.
        A room with a key (mode C{k}) needs it as C{roomKey}.

        @raise NoSuchGroup, AlreadyMember, GroupFull: as their names say.
        @raise BadRoomKey: C{roomKey} is not the room's key.
        @raise BannedFromRoom: one of the room's ban masks matches.
        """

    def leave(participant: IParticipant, room: str, reason: str = "") -> MaybeDeferred[str]:
        """
        Remove C{participant} from C{room}; the remaining members are told,
        with C{reason} (its parting words, a L{Membership} of kind C{part}).
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
        empty).  Returns the L{RoomMessage} the members got.

        @raise InvalidArgument: the message is empty.
        @raise Moderated: the room has mode C{m} and the sender no voice.
        """

    def tell(
        participant: IParticipant,
        nick: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> PrivateMessage | Deferred[None]:
        """
        Send C{lines} privately to C{nick} (C{notice}, C{tags} as for
        L{say}); returns the L{PrivateMessage}, or, for a registered user
        who is offline, a L{Deferred} firing with C{None} once the message
        is kept for their next login.

        @raise NoSuchUser: nobody by that name is connected.
        @raise InboxFull: (offline recipient) too many messages wait for them.
        """

    def roomsOf(participant: IParticipant) -> list[str]:
        """
        The rooms C{participant} is in, by display name.
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

    def isOperator(participant: IParticipant) -> bool:
        """
        Whether C{participant} may moderate (kick) other users.
        """

    def kick(participant: IParticipant, nick: str, reason: str = "") -> None:
        """
        An operator ends C{nick}'s session with C{reason}.

        @raise NotPermitted: C{participant} is not an operator.
        """

    def invite(participant: IParticipant, nick: str, room: str) -> None:
        """
        A member of C{room} invites C{nick} to it: C{nick} gets a notice
        saying so.

        @raise NoSuchGroup, NotMember: C{room} is missing or not theirs.
        @raise NoSuchUser: nobody by that name is connected.
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

    def register(participant: IParticipant, password: str) -> Deferred[None]:
        """
        Register the nickname C{participant} is logged in with, protected by
        C{password} (or change its password); from then on that name can only
        be taken with the password.  Returns a L{Deferred}.

        @raise InvalidArgument: the password is not 4 to 256 characters.
        @raise NotPermitted: the server has no store, hence no accounts.
        """

    def isRegistered(nick: str) -> Deferred[bool]:
        """
        A L{Deferred} firing with whether C{nick} is registered, i.e. whether
        C{login} will need its password.
        """

    def history(
        participant: IParticipant, room: str, count: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        """
        A L{Deferred} firing with the last C{count} (default: the server's
        history count) L{RoomMessage}s of C{room}, oldest first, with their
        original timestamps.  Only members may ask.

        @raise NoSuchGroup, NotMember: as their names say.
        @raise InvalidArgument: C{count} is not 1 to 1000.
        """

    def acceptPending(room: str, nick: str) -> Deferred[None]:
        """
        Accept C{nick}'s request to enter approval room C{room} (for the
        admin console): a connected user is put in the room and told.
        Returns a L{Deferred}.

        @raise NoSuchUser: C{nick} has no pending request for C{room}.
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

    # Room operators, voice and modes

    def isRoomOperator(participant: IParticipant, room: str) -> bool:
        """
        Whether C{participant} runs C{room}: its creator or someone given
        operator status there, or a chatd operator.
        """

    def memberStatus(room: str, nick: str) -> str:
        """
        Member C{nick}'s status letters, highest first: C{"o"} (operator),
        C{"v"} (voiced), both (C{"ov"}) or neither (C{""}).
        """

    def roomModes(room: str) -> str:
        """
        C{room}'s mode letters: C{t} (only operators set the topic), C{n}
        (only members speak), C{m} (only voiced members and operators speak),
        C{i} (invite-only), C{s} (secret).
        """

    def changeRoomMode(
        participant: IParticipant, room: str, adding: bool, mode: str, nick: str = ""
    ) -> MaybeDeferred[bool]:
        """
        A room operator sets or clears a room mode, operator (C{o}) or
        voice (C{v}) for member C{nick}, the capacity (C{l}, C{nick} the
        number), the key (C{k}, C{nick} the key) or a ban mask (C{b},
        C{nick} the mask); members get a L{RoomChange} notice.  Returns whether
        anything changed (maybe as a L{Deferred}).

        @raise NotRoomOperator, NotInRoom, InvalidArgument: as they say.
        """

    def setTopic(participant: IParticipant, room: str, topic: str) -> MaybeDeferred[str]:
        """
        A member sets C{room}'s topic (only operators under mode C{t});
        members get a L{RoomChange} notice.
        """

    def kickFromRoom(
        participant: IParticipant, room: str, nick: str, reason: str = ""
    ) -> MaybeDeferred[str]:
        """
        A room operator removes C{nick} from C{room} (not from the server);
        every member, the kicked one included, gets a L{Membership} of kind
        C{kick} with C{reason}.

        @raise NotRoomOperator, NotInRoom: as they say.
        """

    def topicSetter(room: str) -> tuple[str, int] | None:
        """
        Who last set C{room}'s topic with L{setTopic}, and when, if known.
        """

    def roomCreatedAt(room: str) -> int:
        """
        When a user created C{room} (Unix time), or 0 if unknown.
        """

    def grantOperator(participant: IParticipant) -> None:
        """
        Make C{participant} a chatd operator until it disconnects (an
        administrator's password was checked by the front-end).
        """

    # Room keys, ban masks, secret rooms, grouped mode changes

    def canSee(participant: IParticipant, room: str) -> bool:
        """
        Whether C{room} shows in C{participant}'s room lists: a secret room
        (mode C{s}) only to its members and chatd operators.
        """

    def roomsVisibleTo(participant: IParticipant) -> list[tuple[str, int]]:
        """
        L{rooms} as C{participant} may see them: without secret rooms it is
        not in.  Every front-end's room list uses this.
        """

    def roomKey(room: str) -> str | None:
        """
        C{room}'s key (mode C{k}), or C{None}.
        """

    def roomBans(room: str, mode: str = "b") -> list[tuple[str, str, int]]:
        """
        C{room}'s ban masks (mode C{b}, C{nick!user@host} globs), each with
        the nickname that set it and when (Unix time); with C{mode} C{e} its
        ban exceptions (who passes the bans), with C{I} its invite
        exceptions (who enters without an invitation when it is C{+i}).
        """

    def changeRoomModes(
        participant: IParticipant, room: str, changes: Iterable[tuple[bool, str, str]]
    ) -> MaybeDeferred[list[tuple[bool, str, str, ChatError]]]:
        """
        A room operator makes several changes C{(adding, mode, argument)}
        at once (modes as for L{changeRoomMode}, plus C{k}, the key, and
        C{b}, a ban mask); members get ONE L{RoomChange} with every change
        made.  Returns the refused ones as C{(adding, mode, argument,
        error)} (maybe as a L{Deferred}).

        @raise NotRoomOperator, NotMember: as they say.
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
