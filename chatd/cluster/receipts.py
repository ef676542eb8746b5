# -*- test-case-name: tests.unit.cluster.test_cluster_receipts,tests.unit.cluster.test_cluster_outage,tests.unit.cluster.test_cluster_unsent,tests.unit.cluster.test_cluster_late,tests.unit.cluster.test_cluster_latency,tests.unit.cluster.test_cluster_deadpm,tests.unit.cluster.test_cluster_stalled -*-  # noqa: E501
"""
No private message lost with its recipient's node.

A private message to a user of another node is acknowledged to its sender
once Redis holds it in that node's inbox.  If that node dies before reading
it (C{kill -9}, a crash), nobody would ever read it: the node's successor
has another inbox.  So the recipient's node says when it has handled each
one (C{told}: delivered, kept for later, or bounced), and the sender's node
keeps each until then.  When a node is declared dead or says goodbye, what
it never said it handled is handled here instead: kept for the recipient's
next login when the name is registered (with a shared database, where they
will log in next), else the sender is told it was not delivered.  A
recipient signed in again meanwhile (their login elsewhere waited for that
node to be counted dead: L{chatd.cluster.suspects}) is handed what was
kept once it is written, by the node that serves them (C{waiting}): their
welcome may have read what waited before this node counted the dead one
dead.

A node that is still running but gave up on a gap in this node's
envelopes (they were not resent in time) names the numbers it never got
(C{missed}, L{chatd.cluster.receiving}): the private messages among them
are sent again, late, or their senders told they were not delivered.

A message the dead node handled in the moment before it died, whose
C{told} never left, is kept a second time: at least once, never silently
lost.  A typing notice (client tags alone) is for now or never, and not
tracked.

A message its sender was told was not delivered may reach its recipient
all the same: one refused because Redis did not answer in time (a slow or
hung Redis: the command was sent, and this node gave up waiting) may still
be run by Redis, late; one whose node was counted dead, and that was not
kept for them, is read when that node, only stalled (C{SIGSTOP}, a frozen
VM), runs again.  The last L{LIMIT} such messages are remembered (also
past their node's loss): a C{told} for one means it reached them after
all, so it is stored as sent, as it would have been (its copy's deletion,
if one is still under way, ended first: L{Unsent.keep}), and its sender
told it arrived late (L{LATE}); one its C{told} came for before Redis's
answer is told so after the refusal.
"""

from __future__ import annotations

import time
from typing import Any

from twisted.internet.defer import Deferred, DeferredList
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.bus import Bus
from chatd.cluster.messages import tellFields
from chatd.cluster.remote import RemoteParticipant
from chatd.cluster.unsent import Unsent
from chatd.core.errors import ChatError
from chatd.core.events import PrivateMessage
from chatd.core.service import ChatService
from chatd.core.text import plain

#: Messages kept per node at most while unanswered (the oldest go first).
LIMIT = 10_000
#: What a sender is told of a message its recipient's node never handled,
#: or that reached nobody there (C{bounce}).
NOT_DELIVERED = (
    "{to}'s server went away before your private message{what} reached them: not delivered"
)
#: What a sender is told of such a message that could not be kept for its
#: registered recipient (C{why}: the reason, such as a full inbox).
NOT_KEPT = (
    "{to}'s server went away before your private message{what} reached them, and it"
    " could not be kept for them ({why}): not delivered"
)
UNSENT = (
    "your private message{what} to {to} was lost between servers and could not be"
    " sent again: not delivered"
)
LEFT = "{to} left before your private message{what} reached them: not delivered"
#: ... and it could not be kept for them (C{why}) either.
UNKEPT = (
    "{to} left before your private message{what} reached them, and it could not be kept"
    " for them ({why}): not delivered"
)
#: What a sender is told of a message they were told was not delivered
#: (Redis did not answer in time, or their node was counted dead) that
#: its recipient's node handled after all.
LATE = (
    "your private message{what} to {to} reached them after all, late (you were told"
    " it was not delivered: no need to send it again)"
)


def which(event: PrivateMessage | None) -> str:
    """
    Which message it was, for its sender: the start of its text and when
    it was sent (C{""} if this node no longer has it).
    """
    if event is None or not event.lines:
        return ""
    first = plain(event.lines[0])
    start = first if len(first) <= 40 and len(event.lines) == 1 else first[:39] + "\u2026"
    return f' ("{start}", sent at {time.strftime("%H:%M:%S UTC", time.gmtime(event.when))})'


class Receipts:
    """
    The private messages this node sent to each other node and that node
    has not said it handled.
    """

    log = Logger()

    def __init__(self, bus: Bus, service: ChatService, limit: int = LIMIT) -> None:
        self.bus = bus
        self.service = service
        self.limit = limit
        #: The copies stored as sent of messages not delivered, deleted.
        self.unsent = Unsent(service)
        #: Per node, each waiting message by id, with the number of its envelope.
        self._waiting: dict[str, dict[str, tuple[int, PrivateMessage]]] = {}
        #: By id, the messages their senders were told were not delivered
        #: that may reach their recipients all the same (Redis answered too
        #: late, or their node only stalled), with their node: kept past
        #: that node's loss (one that only stalled reads them late).
        self._undelivered: dict[str, tuple[str, PrivateMessage]] = {}
        #: The messages whose command Redis has not answered yet, by id,
        #: with what their recipient's node said meanwhile ("told",
        #: "bounced"; "": nothing).
        self._unanswered: dict[str, str] = {}
        bus.on("told", self._told)
        bus.on("missed", self._missed)
        bus.on("waiting", self._waitingHere)

    def send(self, node: str, event: PrivateMessage) -> Deferred[None]:
        """
        Send C{event} to C{node}'s inbox, and keep it until C{node} says it
        handled it; fires once Redis has it, fails if Redis did not take it
        or did not answer in time (then its sender is refused, and nothing
        waits, but one Redis took all the same is found out: L{LATE}).
        """
        sending = self.bus.sendTo(node, "tell", **tellFields(event))
        if not event.lines or not event.msgid or sending.called:  # (refused at once: not sent)
            return sending
        waiting = self._waiting.setdefault(node, {})
        waiting[event.msgid] = (self.bus.numbered(node), event)
        if len(waiting) > self.limit:
            del waiting[next(iter(waiting))]
        self._unanswered[event.msgid] = ""

        def answered(result: object) -> object:
            news = self._unanswered.pop(event.msgid, "")
            if isinstance(result, Failure):
                waiting.pop(event.msgid, None)
                if news == "told":  # it reached them before Redis's answer came: late
                    self.service.clock.callLater(0, self._late, event)  # after the refusal
                elif not news and result.check(RedisUnavailable):  # Redis may run it later
                    self._mayArrive(node, event)
            return result

        return sending.addBoth(answered)

    def handled(self, node: str, fields: dict[str, Any]) -> None:
        """
        This node handled the C{tell} with C{fields} that C{node} sent.
        """
        if fields.get("l") and fields.get("id"):
            self.bus.publishTo(node, "told", id=fields["id"])

    def _told(self, node: str, fields: dict[str, Any]) -> None:
        msgid = fields.get("id", "")
        if self._unanswered.get(msgid) == "":
            self._unanswered[msgid] = "told"
        if self.waiting(node, msgid) is None:
            late = self._wasUndelivered(node, msgid)
            if late is not None:  # not delivered, and delivered (or kept) all the same
                self._late(late)

    def _mayArrive(self, node: str, event: PrivateMessage) -> None:
        """
        C{event}, to a user of C{node}, was told to its sender as not
        delivered, but C{node} may still read it: remembered, so that its
        C{told} is not taken for nothing (L{_late}).
        """
        self._undelivered[event.msgid] = (node, event)
        if len(self._undelivered) > self.limit:
            del self._undelivered[next(iter(self._undelivered))]

    def _wasUndelivered(self, node: str, msgid: str) -> PrivateMessage | None:
        """
        The message C{msgid} to C{node} told to its sender as not delivered,
        taken out of those (C{None}: none).
        """
        if self._undelivered.get(msgid, ("",))[0] != node:
            return None
        return self._undelivered.pop(msgid)[1]

    def _late(self, event: PrivateMessage) -> None:
        """
        C{event} was told to its sender as not delivered, but its
        recipient's node handled it all the same: stored as sent (once its
        copy's deletion, if one is under way, has ended), and its sender
        told.
        """
        storing = self.unsent.keep(event.msgid)
        storing.addCallback(lambda _: self.service.messages.reachedLate(event))
        self._tell(event, LATE.format(to=event.recipient, what=which(event)))

    def waiting(self, node: str, msgid: str) -> PrivateMessage | None:
        """
        The message C{msgid} sent to C{node} that it has not said it
        handled, taken out of the waiting ones (C{None}: none).
        """
        waiting = self._waiting.get(node, {}).pop(msgid, None)
        return None if waiting is None else waiting[1]

    def bounced(self, node: str, msgid: str) -> PrivateMessage | None:
        """
        The message C{msgid} sent to C{node} reached nobody there: taken out
        of the waiting ones, or of those told to their senders as not
        delivered (C{None}: neither), since its C{told}, which follows, says
        nothing more.
        """
        if msgid in self._unanswered:
            self._unanswered[msgid] = "bounced"
        return self.waiting(node, msgid) or self._wasUndelivered(node, msgid)

    def _missed(self, node: str, fields: dict[str, Any]) -> None:
        """
        C{node} gave up on the envelopes numbered above C{f} up to C{t},
        which it never got and this node did not resend in time: the
        private messages among them are sent again (late, but delivered),
        or their senders told they were not delivered.
        """
        waiting = self._waiting.get(node, {})
        for msgid, (seq, event) in list(waiting.items()):
            if fields["f"] < seq <= fields["t"]:
                del waiting[msgid]
                self.send(node, event).addErrback(self._notSent, event)

    def _notSent(self, _: Failure, event: PrivateMessage) -> None:
        self._tell(event, UNSENT.format(to=event.recipient, what=which(event)))

    def lost(self, node: str) -> None:
        """
        C{node} is gone: handle here what it never said it handled.  Once
        what is kept for a recipient is written, a recipient signed in
        again meanwhile (here, or on another node) is handed it at once
        (L{handOver}), not at their next login.
        """
        kept: dict[str, list[Deferred[bool]]] = {}
        for _, event in self._waiting.pop(node, {}).values():
            handled = self._handle(node, event)
            if handled is not None:
                kept.setdefault(event.recipient, []).append(handled)
        for recipient, keeps in kept.items():
            DeferredList(keeps).addCallback(self._kept, recipient)

    def _kept(self, results: list[tuple[bool, bool]], nick: str) -> None:
        if any(result is True for _, result in results):
            self.handOver(nick)

    def handOver(self, nick: str) -> None:
        """
        Messages were just kept for C{nick}, whose node died before handling
        them: if they are signed in again (their welcome may have read what
        waited before these were written), the node that serves them hands
        them what waits now.
        """
        holder = self.service.find(nick)
        if isinstance(holder, RemoteParticipant):
            self.bus.publishTo(holder.node, "waiting", u=nick)
        elif holder is not None:
            self._deliverHere(nick)

    def _waitingHere(self, node: str, fields: dict[str, Any]) -> None:
        """
        C{node} kept messages for C{u}, who is signed in here.
        """
        self._deliverHere(str(fields.get("u", "")))

    def _deliverHere(self, nick: str) -> None:
        handing = self.service.replica.deliverWaiting(nick)
        if handing is not None:
            why = "handing {nick} the messages kept for them"
            handing.addErrback(lambda f: self.log.failure(why, f, nick=nick))

    def _handle(self, node: str, event: PrivateMessage) -> Deferred[bool] | None:
        """
        Keep C{event}, which its recipient's node C{node} never handled,
        for them; fires with whether it was kept (C{None}: it could not be,
        and its sender was told, until C{node}, if it only stalled, reads
        it all the same).
        """
        kept = self.service.messages.keepForLater(event, stored=True)  # stored as sent here
        if kept is not None:
            return kept.addCallbacks(lambda _: True, self._notKept, errbackArgs=(node, event))
        self._tell(event, NOT_DELIVERED.format(to=event.recipient, what=which(event)))
        self.unsent.forget(event.msgid)  # (stored as sent: it would look delivered)
        self._mayArrive(node, event)
        return None

    def _notKept(self, failure: Failure, node: str, event: PrivateMessage) -> bool:
        """
        C{event} could not be kept for its recipient (their inbox is full,
        or the store failed): its sender is told it was not delivered, and
        the copy stored as sent, which would look delivered, is deleted
        (once the store is back, if it is away: L{Unsent}), until C{node},
        if it only stalled, reads it all the same.
        """
        if isinstance(failure.value, ChatError):  # a refusal (InboxFull) or an outage: no bug
            why = failure.value.text
        else:
            self.log.failure("keeping a private message for {nick}", failure, nick=event.recipient)
            why = "it could not be stored"
        self._tell(event, NOT_KEPT.format(to=event.recipient, what=which(event), why=why))
        self.unsent.forget(event.msgid)
        self._mayArrive(node, event)
        return False

    def _tell(self, event: PrivateMessage, text: str) -> None:
        if (sender := self.service.find(event.sender)) is not None:
            self.service.notify(sender, text)
