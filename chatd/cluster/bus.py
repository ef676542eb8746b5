# -*- test-case-name: tests.unit.cluster.test_cluster_bus,tests.unit.cluster.test_cluster_snapshot,tests.unit.cluster.test_cluster_runs,tests.unit.cluster.test_cluster_outage,tests.unit.cluster.test_cluster_latency -*-  # noqa: E501
"""
The event bus between chatd nodes: compact JSON envelopes in Redis
streams, one inbox stream per node.

Each envelope carries its node's id (C{n}), a sequence number (C{q}), a
kind (C{k}) and the kind's fields.  An envelope goes only to the nodes that
need it: a room message to the nodes with members in the room, a private
message to its recipient's node, and whole-cluster news (logins, entries,
moderation) to every peer.  A node reads only its own inbox, so a node with
no member in a room spends nothing on the room's messages, and the
cluster's capacity grows with its nodes.

Order: a node appends on a single Redis connection, so its envelopes enter
each inbox in the order they were published, and the inbox's owner reads
them in that order: everything one sender says in one room arrives in
order everywhere.  The sequence number, counted per sending node and
receiving node, lets a receiver prove it: an envelope at or below the last
one seen from that node is a duplicate and dropped, and a jump means
envelopes were lost (Redis forgot unread entries, a reader fell behind its
inbox's length, or a full queue dropped some).  The receiver then holds
what follows and asks the sender to resend the missing ones, which it
keeps (L{chatd.cluster.replay}); only if it cannot, or not in time, is the
gap reported, so the node can ask for a fresh state
(L{chatd.cluster.receiving}).

Envelopes published in one reactor turn go to Redis together, in one
command (L{BATCH_LIMIT} at most; a busier turn in several, split between
envelopes, so one for several nodes is in all their inboxes at once:
L{batches}), after the turn, as one stream entry per receiving node
(L{chatd.cluster.envelopes.pack}): Redis appends, and the receiver reads
and decodes, one entry per node and turn, and a turn's room messages to
one room are one envelope (L{Bus.publishRun}).  While Redis is
away, envelopes wait in a bounded queue, in order, and go out when the link
is back, before anything newer: a gap delays them.  One whose command
failed with the connection goes back in the queue (sent again, a receiver
drops it as a duplicate by its number).  A private message is not queued:
L{Bus.sendTo} answers at once while Redis is away, and within
L{chatd.cluster.latency.ACK_WAIT} while it is slow, so its sender is told
to try again rather than told it was sent.  The queue's bound (L{QUEUE_LIMIT})
is what L{Bus.hasRoom} reports; the bridge refuses a room message when the
queue is full, and other envelopes beyond it are not sent then (the gap
they leave makes the other nodes ask for them again).
"""

from __future__ import annotations

from bisect import insort
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.envelopes import Entry, batches, dumps, kindJSON, pack
from chatd.cluster.latency import ACK_WAIT, Latency
from chatd.cluster.receiving import Handler, Receiving
from chatd.cluster.replay import Holds, SentLog

#: Envelopes a node keeps while Redis is away (about 200 bytes each; an
#: event for every peer counts once per peer).
QUEUE_LIMIT = 10000

#: Envelopes sent to Redis in one command at most, but for one envelope
#: for more nodes than that, which goes whole (L{batches}).
BATCH_LIMIT = 500

#: Room messages in one run at most (L{Bus.publishRun}).
RUN_LIMIT = 32

#: Nodes gone whose last envelope's number a node keeps, the newest
#: (L{Bus.forget}); about 100 bytes each.
GONE_LIMIT = 10000

#: Adds stream entries to inboxes, in one command: (inbox stream, entry)
#: pairs, each entry one receiving node's envelopes, one per line.
Publish = Callable[[list[tuple[str, str]]], Deferred[Any]]


class Bus(Receiving):
    """
    Publishes this node's events and dispatches other nodes' events.

    C{onPeer(node)} is called for a node's first envelope (or its first
    after L{forget}), C{onHeard(node)} for the first it accepts in each
    stream entry (an entry is one node's turn), C{onGap(node)} when
    envelopes from C{node} went missing and it could not resend them in
    time; C{node} is then sent a C{missed} envelope with the numbers given
    up (above C{f}, up to C{t}), for what must not be lost with them.

    @ivar handlers: kind -> handler.
    @ivar lastSeq: per other node, the last sequence number accepted.
    @ivar goneSeq: per node gone (L{forget}), the last number it had sent
        here, the newest L{GONE_LIMIT}: what its inbox holds of it, read
        again, is not taken for news.
    @ivar dropped: envelopes this node could not publish (the queue was full).
    @ivar up: whether envelopes go to Redis now (else they are queued):
        false from a failed C{XADD} until L{linkUp}.
    @ivar peers: the nodes an event for every peer goes to (presence's
        live peers; set by the bridge).
    """

    log = Logger()

    def __init__(
        self,
        nodeId: str,
        inbox: Callable[[str], str],
        publish: Publish,
        clock: IReactorTime,
        onGap: Callable[[str], None] = lambda node: None,
        onPeer: Callable[[str], None] = lambda node: None,
        onHeard: Callable[[str], None] = lambda node: None,
        queueLimit: int = QUEUE_LIMIT,
    ) -> None:
        """
        @param inbox: a node's id -> the name of the stream it reads.
        @param clock: runs a turn's batch after the turn.
        """
        self.nodeId = nodeId
        self.inbox = inbox
        self._publish = publish
        self.clock = clock
        self.onGap = onGap
        self.onPeer = onPeer
        self.onHeard = onHeard
        self.peers: Callable[[], Iterable[str]] = tuple
        self.handlers: dict[str, Handler] = {}
        self.lastSeq: dict[str, int] = {}
        self.goneSeq: OrderedDict[str, int] = OrderedDict()
        self._heardInEntry: str | None = None
        self.dropped = 0
        self.up = True
        self.queueLimit = queueLimit
        self._order = 0
        self._seqTo: dict[str, int] = {}
        self._head = '{"n":' + dumps(nodeId) + ',"q":'
        self._waiting: list[Entry] = []
        self._batch: list[Entry] = []
        self._acks: dict[int, Deferred[None]] = {}
        self.sent = SentLog()
        #: Per receiving node, the run of room messages still open: (room, messages).
        self._runs: dict[str, tuple[str, list[Any]]] = {}
        self._flushing = False  # a flush is scheduled
        self._holds = Holds(clock, self._giveUp)
        self.latency = Latency(clock)
        nothing: Handler = lambda node, fields: None  # noqa: E731
        self.handlers.update(resume=self._resume, noreplay=nothing, void=nothing, missed=nothing)

    def on(self, kind: str, handler: Handler) -> None:
        """
        Call C{handler(node, fields)} for every C{kind} envelope from another node.
        """
        self.handlers[kind] = handler

    def publishRun(self, node: str, room: str, message: list[Any]) -> None:
        """
        Publish a room message for C{node}, as part of a run: consecutive
        messages for C{node} in one room, in one turn, travel as one
        C{says} envelope (L{RUN_LIMIT} at most), whose C{m} lists them.  A
        busy turn's messages for a room come in runs (a sender's lines are
        read together), and one envelope per run instead of per message
        saves both nodes most of a message's cost outside its fan-out.
        The run is closed, and numbered, before anything else for C{node}
        is, and at the end of the turn, so order is as if each were sent
        on its own.
        """
        if not self.up or self._waiting:  # queued while Redis is away: one each, as counted
            self.publishTo(node, "says", room=room, m=[message])
            return
        run = self._runs.get(node)
        if run is not None:
            if run[0] == room and len(run[1]) < RUN_LIMIT:
                run[1].append(message)
                return
            self._closeRun(node)
        self._runs[node] = (room, [message])
        self._scheduleFlush()

    def _closeRun(self, node: str) -> None:
        room, messages = self._runs.pop(node)
        self.publishTo(node, "says", room=room, m=messages)

    def _numbered(self, node: str, kind: str, body: str, envelope: int = 0) -> Entry:
        """
        The envelope for C{node}: its next sequence number, spliced into
        the fields already encoded once for every receiver (after the run
        still open for C{node}, which comes first); part of C{envelope}
        (the order of its first entry) if it goes to several nodes.
        """
        if node in self._runs:
            self._closeRun(node)
        seq = self._seqTo[node] = self._seqTo.get(node, 0) + 1
        self._order += 1
        fields = "}" if body == "{}" else "," + body[1:]
        text = f'{self._head}{seq},"k":{kindJSON(kind)}{fields}'
        self.sent.record(node, seq, kind, text)
        return (self._order, node, kind, text, envelope or self._order)

    def publish(self, kind: str, /, **fields: Any) -> None:
        """
        Publish one event for every peer (L{peers}).  Never raises and never
        waits: while Redis is away the event waits in the queue; past its
        bound it is not sent (and counted), and the sequence gap makes the
        other nodes ask for it again.
        """
        body = dumps(fields)
        nodes = sorted(self.peers())
        for node in nodes:  # first: the envelope's entries follow one another
            if node in self._runs:
                self._closeRun(node)
        envelope = self._order + 1
        for node in nodes:
            self._enqueue(self._numbered(node, kind, body, envelope))

    def publishTo(self, node: str, kind: str, /, **fields: Any) -> None:
        """
        Publish one event for C{node} alone, as L{publish} does.
        """
        self._enqueue(self._numbered(node, kind, dumps(fields)))

    def _enqueue(self, entry: Entry) -> None:
        if self.up and not self._waiting:
            self._send(entry)
        elif len(self._waiting) < self.queueLimit:
            insort(self._waiting, entry)
        else:
            self.dropped += 1

    def sendTo(self, node: str, kind: str, /, **fields: Any) -> Deferred[None]:
        """
        Publish one event for C{node} now, not queued: fires once Redis has
        it, fails with L{RedisUnavailable} if it cannot take it (at once
        while the link is down, the queue not yet sent, or Redis is known to
        be slow: L{Latency.stalled}), or has not answered within
        L{ACK_WAIT} (it may still take it: the command went).
        """
        if not self.up or self._waiting:
            return fail(RedisUnavailable("Redis is unreachable"))
        if self.latency.stalled():  # it would wait, and its sender's later lines behind it
            return fail(RedisUnavailable("Redis is slow to answer"))
        entry = self._numbered(node, kind, dumps(fields))
        ack = self._acks[entry[0]] = Deferred()
        self._send(entry)
        late = self.clock.callLater(ACK_WAIT, self._ackLate, ack)

        def answered(result: object) -> object:
            if late.active():
                late.cancel()
            return result

        ack.addBoth(answered)
        # If refused, its sender is told so: a resend must not deliver it after all.
        return ack.addErrback(self.sent.voided, node, self._seqTo[node], self._head)

    def _ackLate(self, ack: Deferred[None]) -> None:
        """
        Redis did not answer a private message in time: its sender is
        refused now rather than held longer (its later lines wait behind
        it); the command's own end, later, changes nothing.
        """
        ack.errback(RedisUnavailable(f"Redis did not answer within {ACK_WAIT:g} s"))

    def numbered(self, node: str) -> int:
        """The number of the last envelope numbered for C{node}."""
        return self._seqTo.get(node, 0)

    def hasRoom(self) -> bool:
        """
        Whether one more envelope would be published or queued, not dropped.
        """
        return (self.up and not self._waiting) or len(self._waiting) < self.queueLimit

    def waiting(self, kind: str | None = None) -> int:
        """How many envelopes (of C{kind}, if given) wait for Redis."""
        return sum(1 for entry in self._waiting if kind in (None, entry[2]))

    def linkUp(self) -> None:
        """
        Redis is (back): send what waited, in order, before anything newer.
        """
        self.up = True
        waiting, self._waiting = self._waiting, []
        if waiting:
            self.log.info("sending {count} events queued while Redis was away", count=len(waiting))
        for entry in waiting:
            self._send(entry)

    def linkDown(self) -> None:
        self.up = False

    def _send(self, entry: Entry) -> None:
        self._scheduleFlush()
        self._batch.append(entry)

    def _scheduleFlush(self) -> None:
        if not self._flushing:
            self._flushing = True
            self.clock.callLater(0, self.flush)

    def flush(self) -> None:
        """
        Send this turn's envelopes now, in order (after the turn, or before
        the link closes); after a failed command the link is down, and
        they queue behind what that command carried.
        """
        for node in list(self._runs):
            self._closeRun(node)
        self._flushing = False
        batch, self._batch = self._batch, []
        for chunk in batches(batch, BATCH_LIMIT):
            if not self.up:
                self._unsent(Failure(RedisUnavailable("Redis is unreachable")), chunk)
                continue
            d = self._publish(pack(chunk, self.inbox))
            self.latency.watch(d)
            d.addCallbacks(self._sent, self._unsent, callbackArgs=(chunk,), errbackArgs=(chunk,))

    def _sent(self, _: object, chunk: list[Entry]) -> None:
        for entry in chunk:
            if (ack := self._acks.pop(entry[0], None)) is not None and not ack.called:
                ack.callback(None)

    def _unsent(self, failure: Failure, chunk: list[Entry]) -> None:
        """
        A private message's sender is told (it is not queued); the rest
        queue again if Redis went away, or are counted as dropped.
        """
        lost = failure.check(RedisUnavailable)
        if lost:
            self.up = False  # until the link is back: what follows must queue behind it
        else:
            self.log.failure("publishing {count} events failed", failure, count=len(chunk))
        for entry in chunk:
            if (ack := self._acks.pop(entry[0], None)) is not None:
                if not ack.called:  # (else refused already: L{_ackLate})
                    ack.errback(failure)
            elif lost:
                insort(self._waiting, entry)
            else:
                self.dropped += 1

    def forget(self, node: str) -> None:
        """
        C{node} is gone: its next envelope, if it comes back, starts afresh.
        Its number goes on from the last one it sent (a node's id is its
        process's alone), so the last one seen, or held, is kept
        (L{goneSeq}): its envelopes read again, when the inbox is read
        from its start after Redis went back in time
        (L{chatd.cluster.inboxreader}), are dropped, and a dead node does
        not come back to life.
        """
        last = self.lastSeq.pop(node, None)
        self.sent.forget(node)
        held = self._holds.release(node)
        if held:
            last = max(last or 0, held[-1][0])
        if last is not None:
            self.goneSeq[node] = max(last, self.goneSeq.get(node, 0))
            self.goneSeq.move_to_end(node)
            while len(self.goneSeq) > GONE_LIMIT:
                self.goneSeq.popitem(last=False)

    def resume(self, node: str) -> None:
        """
        Ask C{node} for whatever it sent this node after the last envelope
        seen from it (entries a Redis restart forgot): it resends them, or
        says it no longer has them.
        """
        if (last := self.lastSeq.get(node)) is not None:
            self.publishTo(node, "resume", f=last)

    def _resume(self, node: str, fields: dict[str, Any]) -> None:
        missing = self.sent.after(node, fields["f"], self._seqTo.get(node, 0))
        if missing is None:
            self.publishTo(node, "noreplay", f=fields["f"])
            return
        for kind, text in missing:  # with their own numbers: duplicates are dropped
            self._order += 1
            self._enqueue((self._order, node, kind, text, self._order))
