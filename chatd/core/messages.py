# -*- test-case-name: tests.unit.core.test_service,tests.unit.cluster.test_cluster_outage -*-
"""
What people say: to a room, to one person, an operators' message, a
server notice.  The text rule, the speaking rules, the message id (made
by L{chatd.core.msgids}), the store's append, the counters and the one
fan-out per message live here.
Private words for someone who ignores their sender (L{chatd.core.ignores})
are dropped, and the sender not told.
What one connection of a person says reaches the person's other
connections too, as their own words.  With a relay (cluster mode), a
message for people served elsewhere is acknowledged only once the relay
took it (L{IRelay}).  One sent again with its client id is said once
(C{sent}, L{chatd.core.clientids}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatd.core import errors
from chatd.core.absent import isAbsent
from chatd.core.clientids import ClientIds
from chatd.core.ctcp import answerLater, ctcpOf, hasText
from chatd.core.delivery import deliver
from chatd.core.events import Notice, PrivateMessage, RoomMessage, Sender, Wallops
from chatd.core.hooks import IRelay
from chatd.core.ignores import Ignores
from chatd.core.inbox import Kept
from chatd.core.interfaces import IParticipant
from chatd.core.metrics import ChatStats
from chatd.core.moderation import Moderation
from chatd.core.moments import Moments
from chatd.core.msgids import MessageIds
from chatd.core.names import hasInvisible, key, normalize
from chatd.core.people import People
from chatd.core.renaming import unknownNick
from chatd.core.room import Room
from chatd.core.rooms import Rooms
from chatd.core.signedin import keptAs
from chatd.core.speaking import BodyRule, checkSpeaker, speakingRoom
from chatd.core.storing import storePrivate, storeRoomMessage
from chatd.core.text import checkText, spacedLines

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence

#: What L{Messages.tell} answers: the message, or a L{Deferred} of it (the
#: relay took it) or of a L{Kept} (kept for a registered user who is away).
Told: TypeAlias = "PrivateMessage | Deferred[Any]"


class Messages:
    """
    Sends messages; C{requireLogin} is the service's rule for who is
    logged in (their nickname, or L{errors.NotLoggedIn}).

    @ivar relay: what carries messages to other servers, or C{None}.
    """

    relay: IRelay | None = None

    def __init__(
        self,
        clock: IReactorTime,
        rooms: Rooms,
        people: People,
        moderation: Moderation,
        stats: ChatStats,
        requireLogin: Callable[[IParticipant], str],
        persistence: Persistence | None,
        ignores: Ignores,
    ) -> None:
        self.clock = clock
        self.rooms = rooms
        self.people = people
        self.moderation = moderation
        self.stats = stats
        self.requireLogin = requireLogin
        self.persistence = persistence
        self.ignores = ignores
        self.ids = MessageIds()
        self._moments = Moments(clock)
        self.body = BodyRule()
        #: The client ids of the messages accepted lately: one sent again
        #: with its id is said once (a front-end sends through L{ClientIds.attempt}).
        self.sent = ClientIds(clock, people, requireLogin)

    def relayThrough(self, relay: IRelay) -> None:
        """
        Hand messages for people served elsewhere to C{relay} from now on.
        """
        self.relay = relay

    def now(self) -> int:
        return int(self.clock.seconds())

    def userhostOf(self, participant: IParticipant) -> str:
        """The C{user@host} the lines of C{participant}'s person show (kept with them)."""
        return self.people.hosts.userhostOf(self.people.personOf(participant))

    def nowMillis(self) -> int:
        """A message's moment, its own (L{Moments}): a marker at it covers no later one."""
        return self._moments.next()

    def latestMillis(self) -> int:
        """A moment no message said so far is after (L{Moments.latest})."""
        return self._moments.latest()

    def _spoke(self, participant: IParticipant, event: RoomMessage | PrivateMessage) -> bool:
        """
        Whether C{event} has words for people (not a typing notice alone,
        nor CTCP machinery): those end its sender's idle spell, and are
        stored.
        """
        words = hasText(event)
        if words:
            self.people.activity.spoke(participant, event.millis / 1000)
        return words

    def say(
        self,
        participant: IParticipant,
        room: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> RoomMessage:
        nick, lines, target = self._checkedSaying(participant, room, lines, tags)
        if self.relay is not None:
            self.relay.checkRoom(target.name, target.members.values())
        millis = self.nowMillis()
        sender = Sender(nick, self.userhostOf(participant))  # its mask, worked out once
        event = RoomMessage(
            target.name, sender, lines, millis // 1000, notice, tags, self.ids.next(), millis
        )
        if self._spoke(participant, event) and self.persistence is not None:
            storeRoomMessage(self.persistence, event, sender.userhost)
        target.broadcast(event, participant)
        self.stats.messageIn(participant.protocolName, "room", len(target.members) - 1)
        return event

    def sayAmong(
        self,
        participant: IParticipant,
        room: str,
        lines: tuple[str, ...],
        notice: bool,
        tags: tuple[tuple[str, str], ...],
        status: str,
        audience: Callable[[Room], list[IParticipant]],
    ) -> RoomMessage:
        """
        L{say} to C{audience(room)} only (a status prefix C{status}, IRC's
        C{STATUSMSG}): the same rules for speaking, and the sender's other
        connections see it as their own; not stored (the room's history is
        what every member saw).  Other nodes get it through the proxies of
        their users in C{audience}, and hand it to the same audience.
        """
        nick, lines, target = self._checkedSaying(participant, room, lines, tags)
        millis = self.nowMillis()
        event = RoomMessage(
            target.name, nick, lines, millis // 1000, notice, tags, self.ids.next(), millis, status
        )
        self._spoke(participant, event)
        members = [self.people.personOf(participant), *audience(target)]
        deliver(dict.fromkeys(members), "roomMessage", event, participant)
        self.stats.messageIn(participant.protocolName, "room", len(members) - 1)
        return event

    def tell(
        self,
        participant: IParticipant,
        nick: str,
        lines: tuple[str, ...],
        notice: bool = False,
        tags: tuple[tuple[str, str], ...] = (),
    ) -> Told:
        sender = self.requireLogin(participant)
        lines = spacedLines(lines)
        checkSpeaker(self.moderation, self.people, participant, sender)  # offline path too
        recipient = self.people.find(nick)
        if recipient is None and not hasInvisible(nick):  # the account, under another nickname
            recipient = self.people.signedInTo(key(nick))
        millis = self.nowMillis()
        now = millis // 1000
        machinery = ctcpOf(lines) is not None  # CTCP: for now or never, never kept
        if recipient is None or (isAbsent(recipient) and not machinery):  # not here
            persistence = self.persistence
            if not machinery and persistence is not None and persistence.isRegisteredNow(nick):
                self.body.check(participant, lines)
                event = PrivateMessage(
                    sender, nick, lines, now, notice, msgid=self.ids.next(), millis=millis
                )
                self._spoke(participant, event)
                kept: Deferred[Any] = self.ignores.ignoredByAccount(nick, participant)
                kept.addCallback(self._keepUnlessIgnored, event, nick)
                return kept.addCallback(self._keptPrivate, participant, event)
            raise unknownNick(nick)
        if lines or not tags:
            self.body.check(participant, lines, notice)
        assert recipient.nick is not None
        event = PrivateMessage(
            sender, recipient.nick, lines, now, notice, tags, self.ids.next(), millis
        )
        self._spoke(participant, event)
        if self.ignores.ignores(recipient, participant):  # dropped, and the sender not told
            deliver([self.people.personOf(participant)], "privateMessage", event, participant)
            return event
        if self.persistence is None:
            recipient.privateMessage(event)
        else:  # behind the messages that waited, if they are being handed over
            self.persistence.inbox.live.hand(recipient, event)
        if machinery and not notice:
            self.answerCtcp(participant, recipient, event)
        relayed = None if self.relay is None else self.relay.handedOn(event)
        if relayed is None:
            return self._told(event, participant, recipient)
        told: Deferred[PrivateMessage] = relayed.addCallback(
            lambda _: self._told(event, participant, recipient)
        )
        return told

    def _told(
        self, event: PrivateMessage, participant: IParticipant, recipient: IParticipant
    ) -> PrivateMessage:
        """
        C{event} reached its recipient (or the relay took it): store it, and
        show it to the sender's other connections as their own words.
        """
        if self.persistence is not None and hasText(event):
            # In the accounts' history, whatever nicknames they go by now.
            sentAs = self.people.accounts.name(participant) or event.sender
            storedAs = self.people.accounts.name(recipient) or event.recipient
            storePrivate(self.persistence, event, sentAs, storedAs, self.userhostOf(participant))
        own = self.people.personOf(participant)
        if own is not recipient:  # the sender's other connections see it as their own
            deliver([own], "privateMessage", event, participant)
        self.stats.messageIn(participant.protocolName, "private", 1)
        return event

    def reachedLate(self, event: PrivateMessage) -> None:
        """
        C{event} was refused to its sender (the relay did not take it in
        time) but reached its recipient after all: stored as L{_told}
        would have, under the names its two parties are known by now.
        """
        if self.persistence is not None and hasText(event):
            sender = self.people.find(event.sender)
            userhost = "" if sender is None else self.userhostOf(sender)
            names = keptAs(self.people, event.sender), keptAs(self.people, event.recipient)
            storePrivate(self.persistence, event, *names, userhost)

    def answerCtcp(
        self, asker: IParticipant | None, recipient: IParticipant, event: PrivateMessage
    ) -> None:
        """
        Answer the CTCP request C{event}, given to C{recipient}, for them,
        as their client would, through L{tell} (L{chatd.core.ctcp.answerLater}).
        """
        answerLater(self.clock, self.tell, asker, recipient, event)

    def keepForLater(self, event: PrivateMessage, stored: bool = False) -> Deferred[None] | None:
        """
        Keep a private message for its recipient's next login, if the name
        is registered (None if not): they are not here, or are an always-on
        person without a connection.  One C{stored} already, as sent, is
        made to wait rather than stored twice.
        """
        persistence = self.persistence
        if persistence is None or not persistence.isRegisteredNow(event.recipient):
            return None
        sentAs = keptAs(self.people, event.sender)  # in its account's history
        sender = self.people.find(event.sender)
        return persistence.inbox.keep(
            sentAs,
            normalize(event.recipient),
            event.lines,
            event.when,
            event.msgid,
            event.millis,
            persistence.isRegisteredNow(sentAs),
            event.notice,
            stored,
            "" if sender is None else self.userhostOf(sender),
        )

    def _keepUnlessIgnored(
        self, ignored: bool, event: PrivateMessage, nick: str
    ) -> Deferred[str | None]:
        """
        Keep C{event} for C{nick} unless they ignore its sender (dropped,
        the sender not told); the account C{nick} names, either way.
        """
        if ignored:
            return self._accountName(nick)
        kept = self.keepForLater(event)
        assert kept is not None
        return kept.addCallback(lambda _: self._accountName(nick))

    def _accountName(self, nick: str) -> Deferred[str | None]:
        """
        The account C{nick} names, as registered; C{None} when the store
        cannot say now (the message is kept all the same: no error for it).
        """
        assert self.persistence is not None
        return self.persistence.store.accountName(nick).addErrback(lambda _: None)

    def _keptPrivate(
        self, account: str | None, participant: IParticipant, event: PrivateMessage
    ) -> Kept:
        """
        C{event} waits for its recipient: the sender's other connections
        see it as their own words, as one delivered now (L{_told}), naming
        the recipient as their C{account} is (C{Σοφία} for C{ΣΟΦΙΑ}).
        """
        if account is not None and account != event.recipient:
            event = PrivateMessage(
                event.sender,
                account,
                event.lines,
                event.when,
                event.notice,
                msgid=event.msgid,
                millis=event.millis,
            )
        deliver([self.people.personOf(participant)], "privateMessage", event, participant)
        self.stats.messageIn(participant.protocolName, "private", 1)
        return Kept(event.recipient, event)

    def _checkedSaying(
        self,
        participant: IParticipant,
        room: str,
        lines: tuple[str, ...],
        tags: tuple[tuple[str, str], ...],
    ) -> tuple[str, tuple[str, ...], Room]:
        """
        What every way of speaking in a room checks first, once: the
        speaker's name, the lines as stored, and the room they may speak in.
        """
        nick = self.requireLogin(participant)
        lines = spacedLines(lines)
        target = speakingRoom(self.rooms.get(room), self.people, participant, nick)
        if lines or not tags:
            self.body.check(participant, lines)
        checkSpeaker(self.moderation, self.people, participant, nick)
        return nick, lines, target

    def announce(self, text: str) -> None:
        """
        Send a server notice to every logged-in user.  An administrator's
        text is not checked: each front-end's encoder makes it safe to show.
        """
        event = Notice(text, self.clock.seconds())
        for user in self.people.users():
            user.notice(event)

    def wallops(self, participant: IParticipant, text: str) -> Wallops:
        """
        A chatd operator's message to every connected participant that asked
        for them with L{receiveWallops}, on every node of a cluster.

        @raise NotPermitted: C{participant} is not a chatd operator.
        """
        by = self.requireLogin(participant)
        if not self.people.isOperator(participant):
            raise errors.NotPermitted("only chatd operators may send operators' messages")
        checkText(text)
        event = Wallops(by, text, self.clock.seconds())
        self.tellWallopsReaders(event)
        if self.relay is not None:
            self.relay.wallops(event)
        return event

    def tellWallopsReaders(self, event: Wallops) -> None:
        """
        Give C{event} to the participants here that asked for operators'
        messages (L{People.receiveWallops}).
        """
        for reader in self.people.wallopsReaders():
            reader.notice(event)
