# -*- test-case-name: tests.unit.core.test_service,tests.unit.cluster.test_cluster_bridge -*-
"""
What the service tells and asks of those beside it, the seams cluster mode
plugs into: an observer told of every change and asked before a name or a
room is given (L{IChatObserver}), what carries messages to people other
servers serve (L{IRelay}), and the client ids every server accepted
(L{ISharedClientIds}).  All are optional: a lone daemon has none.
Kept apart from L{chatd.core.roles}, what others ask of the service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from zope.interface import Interface

from chatd.core.interfaces import IParticipant, MaybeDeferred

if TYPE_CHECKING:
    from chatd.core.activity import Seen
    from chatd.core.events import PrivateMessage, Redaction, RoomChange, Wallops


class IChatObserver(Interface):
    """
    Optional: told of every change the service makes to who is logged in
    and who is in which room, after it is made, and asked before a nickname
    is given; e.g. to keep other processes' copies of the chat in step
    (chatd's cluster mode).  Set as C{ChatService.observer}.
    """

    def claimNick(participant: IParticipant, nick: str) -> MaybeDeferred[None]:
        """
        C{participant} is about to get C{nick} (login or rename), or to
        be signed in to the account C{nick} under another nickname (its
        name's claim is the account's: L{chatd.core.accountclaim}): a
        L{Deferred} that fires to allow it or fails with a
        L{chatd.core.errors.ChatError} to refuse it.
        """

    def releaseNick(participant: IParticipant, nick: str) -> None:
        """
        A claimed C{nick} was not given after all (the login failed), or
        C{participant} signed in to another account than C{nick}: given
        back unless someone here still holds it.
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

    def signedInTo(accountKey: str) -> IParticipant | None:
        """
        Another process's user signed in to the account C{accountKey}
        under any nickname (as its process tells: its profile's account),
        logged in here; else C{None}.  It holds the account: nobody else
        signs in to it (L{chatd.core.joining.Joining.holderOf}).
        """

    def takeOver(holder: IParticipant) -> MaybeDeferred[None]:
        """
        A password login here to the account C{holder} (another process's
        user) holds: if that account is only present always on, with no
        connection, its process lets it go; fires once it has (or at once).
        """

    def settleHolder(holder: IParticipant) -> Deferred[None]:
        """
        A password login here to the account C{holder} (another process's
        user) holds would be refused as in use: fires once C{holder}'s
        process is heard from after the login came (asked, a live one
        answers at once: the refusal stands), or counted dead (its users,
        C{holder} among them, gone), or a bounded while passed; what it
        said before may have been its last word.  The login checks again
        then.  Cancelled, it stops waiting.
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
        creates it at the same moment (once this one has the room, its
        creator in it), or L{chatd.core.errors.ClusterUnavailable} when
        this one does not get the room in time.
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


class ISharedClientIds(Interface):
    """
    Optional: the client ids (L{chatd.core.clientids}) accepted by every
    process of a cluster, so that a message sent again through another
    process is said once too (chatd's cluster mode), installed with
    C{service.messages.sent.shareThrough}.  A C{person} is a string that
    names one person's ids; a C{cid} is a checked client id.
    """

    def claim(person: str, cid: str) -> Deferred[object | None]:
        """
        Claim C{cid} for this process, to send its message: fires with
        C{None} once claimed (then L{record} or L{release} it), or with the
        first one's answer when it was accepted already, after waiting
        while another process is sending it.  Fails when the cluster cannot
        tell now (it is unreachable): this process's memory decides then.
        """

    def record(person: str, cid: str, answer: object) -> Deferred[None]:
        """
        The message claimed with C{cid} was sent, and C{answer} is what
        its sender was answered: every process answers a repeat with it
        from now on.  Fires once recorded; fails if it could not be now
        (the cluster then records it once it can).
        """

    def release(person: str, cid: str) -> None:
        """
        The message claimed with C{cid} was refused: not accepted, it may
        be sent again.
        """

    def answerOf(person: str, cid: str) -> Deferred[object | None]:
        """
        The answer recorded for C{cid} (after waiting while another process
        is sending it), or C{None} if it was not accepted lately.  Fails
        when the cluster cannot tell now.
        """
