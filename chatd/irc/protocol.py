# -*- test-case-name: tests.unit.irc.test_irc_protocol,tests.unit.irc.test_irc_multiclient -*-
"""
The IRC protocol: one connected IRC client as a chatd participant.

L{IRCConnection} reads the client's lines and runs their commands; this
class adds what the service calls back (L{IParticipant}): each event is
encoded once per wire format and written as IRC lines.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred, succeed
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.core.errors import ChatError, LoginTimedOut
from chatd.core.events import (
    KICK,
    QUIT,
    AlwaysOnChange,
    Invitation,
    Membership,
    Notice,
    OperatorRightsEnded,
    PrivateMessage,
    Redaction,
    Rename,
    RoomChange,
    RoomMessage,
    Wallops,
)
from chatd.core.interfaces import IParticipant
from chatd.core.limits import MAX_HISTORY
from chatd.core.names import key
from chatd.core.status import StatusChange
from chatd.core.usermodes import UserModesChange, spelled
from chatd.irc.alwayson import SAID
from chatd.irc.batch import sendHistory
from chatd.irc.channels import ownMove, syncChannels, unshow
from chatd.irc.connection import IRCConnection
from chatd.irc.identity import accountTags
from chatd.irc.joinhistory import historyAnswers
from chatd.irc.labels import delivered
from chatd.irc.message import splitUTF8, textBudget
from chatd.irc.notify import awayAfterJoin, invitationLine, statusLine
from chatd.irc.redact import redactedLine
from chatd.irc.sasl import releaseHeld
from chatd.irc.servertime import serverTime
from chatd.irc.wire import channelName, cleanText
from chatd.lines.fanout import RoomFanout, TurnBatch

#: Deliveries held for a client that has not ended its registration.
MAX_EARLY = 1000


@implementer(IParticipant)
class IRCProtocol(IRCConnection):
    """
    An IRC client connected to chatd.
    """

    __slots__ = ("_lastQuit", "_early")  # set as others quit: see IRCConnection's slots

    #: CTCP requests and replies reach the client as they are: its own
    #: client answers them (L{chatd.core.ctcp}).
    takesCtcp = True

    def __init__(self) -> None:
        super().__init__()
        self._lastQuit: str | None = None
        # What the service delivered before the welcome (SASL logs a client
        # in, and puts it in its rooms, before CAP END): replayed after it,
        # in order, once the client knows its nickname and channels.
        self._early: list[Callable[[], None]] | None = []

    def _tooEarly(self, deliver: Callable[[], None]) -> bool:
        """
        Whether the client has not registered yet: C{deliver} then waits
        for L{deliverEarly} (at most L{MAX_EARLY} of them: a client that
        never ends its registration is closed).
        """
        early = self._early
        if early is None:
            return False
        if len(early) >= MAX_EARLY:
            self._early = None
            self.closeLink("too much happened before the client ended its registration")
        else:
            early.append(deliver)
        return True

    def deliverEarly(self) -> None:
        """
        The client is welcomed and shown its channels: what the service
        delivered before follows, in order.
        """
        early, self._early = self._early, None
        for deliver in early or ():
            deliver()

    @property
    def fetchesMissed(self) -> bool:
        """A client with C{draft/chathistory} asks for what it missed."""
        return "draft/chathistory" in self.caps.enabled

    @property
    def historyOnEnter(self) -> int:
        """
        A client with C{draft/chathistory} fetches its own; one with
        C{batch} and C{server-time} can tell history from live messages,
        so it is offered the room's past; others only what
        C{--irc-join-history} says (none by default): each reconnect
        would show them the same lines again, as new.
        """
        enabled = self.caps.enabled
        if "draft/chathistory" in enabled:
            return 0
        if "batch" in enabled and "server-time" in enabled:
            return MAX_HISTORY
        return self.factory.joinHistory

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        """
        C{room}'s past on entering it: the answer of a labelled C{JOIN}
        that waits for it (L{chatd.irc.joinhistory}), else a delivery.
        """
        waiting = historyAnswers(self, room)
        sent: Deferred[bool] | None = None
        try:
            if waiting is None:
                sent = self.deliverHistory(room, events)
            else:
                try:
                    sent = self.showHistory(room, events)
                finally:
                    waiting.callback(None)
        finally:
            # The live messages said since follow it (joinhistory).
            later = self.factory.clock.callLater
            (sent or succeed(False)).addBoth(lambda _: later(0, self.held.release, room))

    @delivered
    def deliverHistory(self, room: str, events: list[RoomMessage]) -> Deferred[bool] | None:
        def later() -> None:
            self.deliverHistory(room, events)

        if self._tooEarly(later):
            return None
        return self.showHistory(room, events)

    def showHistory(self, room: str, events: list[RoomMessage]) -> Deferred[bool] | None:
        """
        C{room}'s history; fires once it is written (C{None}: none).
        """
        if not events:
            return None
        if key(room) not in self.shownRooms:
            syncChannels(self)
        shown = self.shownRooms.get(key(room), room)
        return sendHistory(self, channelName(shown), events)

    def roomMessage(self, event: RoomMessage) -> None:
        """
        One room message, outside a room's fan-out (which gives runs, see
        L{roomMessages}): a message to a channel's operators, or an echo to
        the sender's other connections.
        """
        if self._tooEarly(lambda: self.roomMessage(event)):
            return
        self._lastQuit = None
        if self.held.keepInOrder(event.roomKey, event.wire(self.wire.roomEncoder), self.outbox):
            return  # said in a channel being joined (joinhistory)
        if event.roomKey not in self.shownRooms:
            syncChannels(self)
        outbox = self.outbox
        if outbox is not None:
            outbox.write(event.wire(self.wire.roomEncoder))

    @property
    def fanout(self) -> RoomFanout:
        """Where the room messages for this connection gather (L{roomMessages})."""
        return self.factory.flusher.fanout

    def roomMessages(self, batch: TurnBatch, start: int) -> None:
        """
        A run of a room's messages at once (L{chatd.lines.fanout}), as
        L{roomMessage} gives one.
        """
        if self._early is not None:  # (the batch is this turn's: its lines are taken now)
            owed = batch.owed(self, start, self.wire.roomEncoder)
            self._tooEarly(lambda: self.roomMessagesOwed(batch.roomKey, owed))
            return
        self._lastQuit = None
        data, roomKey = batch.owed(self, start, self.wire.roomEncoder), batch.roomKey
        if data and self.held.keep(roomKey, data):
            return  # said in a channel being joined (joinhistory)
        if roomKey not in self.shownRooms:
            syncChannels(self)
        outbox = self.outbox
        if outbox is not None and data:
            outbox.queue(data)

    def roomMessagesOwed(self, roomKey: str, data: bytes) -> None:
        """
        The lines of a run held until the welcome (L{roomMessages}).
        """
        if roomKey not in self.shownRooms:
            syncChannels(self)
        if self.outbox is not None and data:
            self.outbox.write(data)

    @delivered
    def privateMessage(self, event: PrivateMessage) -> None:
        if self._tooEarly(lambda: self.privateMessage(event)):
            return
        self._lastQuit = None
        nick = self.nick
        ours = (key(event.recipient), key(event.sender))
        if nick is None or event.recipient == nick or key(nick) in ours:
            self.send(event.wire(self.wire.privateMessage))
        else:  # told under a name it had (SASL's, before the welcome)
            self.send(self.wire.privateMessageTo(event, nick))

    def membershipChanged(self, event: Membership) -> None:
        """
        Once per member for every entry and exit (a join to a room of
        thousands tells them all): the event's keys, the encoder bound once,
        and L{delivered}'s rule kept inline rather than as a wrapper's call
        (our own C{KICK} is our command's answer, labelled with it).
        """
        if self._early is not None:
            return  # before the welcome, whose JOIN and NAMES show the rooms as they are then
        answer = event.requester is self
        labelled = self.labelled is not None and not answer
        if labelled:
            self.delivering += 1
        try:
            nick = self.nick
            mine = nick is not None and event.nickKey == key(nick)
            if mine and event.kind != KICK:
                ownMove(self, event)  # another connection of ours entered or left: JOIN, PART
                return
            if event.roomKey not in self.shownRooms:
                syncChannels(self)
            if not event.joined and event.kind == QUIT:
                # Someone leaving chatd leaves each shared room in turn; IRC
                # shows that as one QUIT.
                if self._lastQuit == event.nick:
                    return
                self._lastQuit = event.nick
            else:
                self._lastQuit = None
            if mine:  # kicked out: the KICK says so
                unshow(self, event.roomKey)
            encoder = self.wire.membershipEncoder
            try:
                data = event.encoded[encoder]
            except KeyError:
                data = event.wire(encoder)
            outbox = self.outbox  # straight there: what is delivered is never a labelled reply
            if answer and self.labelled is not None:
                self.send(data)  # held for the label
            elif outbox is not None:
                outbox.write(data)
            if event.joined and "away-notify" in self.caps.enabled:
                awayAfterJoin(self, event)
        finally:
            if labelled:
                self.delivering -= 1

    @delivered
    def statusChanged(self, event: StatusChange) -> None:
        if not self._tooEarly(lambda: self.statusChanged(event)):
            statusLine(self, event)

    @delivered
    def watchedStatusChanged(self, event: StatusChange) -> None:
        if "extended-monitor" in self.caps:  # MONITORs them, shares no channel
            if not self._tooEarly(lambda: self.watchedStatusChanged(event)):
                statusLine(self, event)

    @delivered
    def invitationSeen(self, event: Invitation) -> None:
        if not self._tooEarly(lambda: self.invitationSeen(event)):
            invitationLine(self, event)

    @delivered
    def messageRedacted(self, event: Redaction) -> None:
        if not self._tooEarly(lambda: self.messageRedacted(event)):
            redactedLine(self, event)

    def linesWaiting(self, text: str, when: float) -> None:
        """
        Lines waiting for the flood limit go out in turn, silently, as IRC
        servers' "fake lag" does: IRC clients and bots expect no unsolicited
        notice for it (a conformance suite's burst of 50 lines would read it
        instead of its answer); C{Excess Flood} still ends a flood.
        """

    def renamed(self, event: Rename) -> None:
        """
        Someone was renamed: our own C{NICK} is the answer to our command
        (labelled with it), or nothing before registration (SASL logged
        us in as the account, and C{001} gives the nickname we asked for);
        anyone else's is a delivery, never labelled.
        """
        self._lastQuit = None
        data = event.wire(self.wire.rename)
        if event.new == self.nick:
            if self.registered:
                self.send(data)
        elif self._tooEarly(lambda: self.renamed(event)):
            return
        else:
            delivered(IRCProtocol.send)(self, data)

    @delivered
    def notice(self, event: Notice) -> None:
        if isinstance(event, RoomChange) and self._early is not None:
            return  # the welcome's JOIN shows the room's topic and its members' status
        if self._tooEarly(lambda: self.notice(event)):
            return
        syncChannels(self)  # a notice may say the service moved us
        if isinstance(event, RoomChange):
            # A channel not shown yet (its JOIN comes after registration)
            # is shown as it is then: its NAMES carries the new status.
            if key(event.room) in self.shownRooms or event.requester is self:
                kept = self.keptChanges  # (its command's reply goes first: afterreply)
                data = event.wire(self.wire.roomChange)  # (a founder's, from outside)
                (self.send if kept is None else kept.append)(data)
            return
        if isinstance(event, Wallops):
            self.sendText("WALLOPS", (), event.message, self.wire.hostmask(event.by))
            return
        if isinstance(event, UserModesChange):  # as MODE answers its own change
            change = spelled(event.added, event.removed)
            self.sendMessage("MODE", self.me(), change, prefix=self.hostmask(), trailing=True)
            return
        if isinstance(event, AlwaysOnChange):  # as ALWAYSON answers its own change
            self.sendMessage(
                "NOTE", "ALWAYSON", "ON" if event.on else "OFF", SAID[event.on], trailing=True
            )
            return
        tags = {"time": serverTime(event.moment)} if "server-time" in self.caps else None
        if isinstance(event, Invitation):
            self.sendMessage(
                "INVITE",
                event.nick,
                channelName(event.room),
                prefix=self.wire.hostmask(event.by),
                tags={**(tags or {}), **(accountTags(self, event.by) or {})} or None,
            )
            return
        self.sendText("NOTICE", (self.me(),), event.text, self.server, tags)
        if isinstance(event, OperatorRightsEnded) and "o" in self.userModes:
            self.sendMessage("MODE", self.me(), "-o", prefix=self.server, trailing=True, tags=tags)

    def sendText(
        self,
        command: str,
        params: tuple[str, ...],
        text: str,
        prefix: str,
        tags: dict[str, str] | None = None,
    ) -> None:
        """
        C{text} from the server or an operator as one or more C{command}
        lines: split at IRC's 512-byte limit (at a space where possible) as
        relayed messages are, never truncated.
        """
        budget = textBudget(command, prefix, *params)
        for piece in splitUTF8(cleanText(text), budget):
            self.sendMessage(command, *params, piece, prefix=prefix, tags=tags, trailing=True)

    @delivered
    def disconnect(self, error: ChatError) -> None:
        self._admitted = False  # the service ends the session itself
        if isinstance(error, LoginTimedOut):  # as other servers word it
            self.closeLink("registration timed out")
        else:
            self.closeLink(error.text)

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.factory.sessions.discard(self)
        self.service.people.invisible.discard(self)
        if self.factory.presence is not None:
            self.factory.presence.clear(self)
        super().connectionLost(reason)
        held = releaseHeld(self, None)  # the login SASL proved comes to nothing
        if held is not None:
            held.addErrback(lambda failure: failure.trap(ChatError) and None)
