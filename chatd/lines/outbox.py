# -*- test-case-name: tests.integration.test_outbox,tests.unit.lines.test_turnbudget -*-
"""
Output batching and the slow-reader cap.

Fan-out writes one pre-encoded message to many connections.  Calling
C{transport.write} for each is the expensive part, so each connection appends
to its own L{Outbox} and one L{FlushScheduler} hands every dirty outbox to its
transport once per reactor turn, as one joined C{write}.  While connections
wait for a later turn (L{chatd.lines.turnbudget.TurnBudget}: the daemon is
saturated and its turns are cut short), the scheduler hands on each turn the
output of connections that handled all their input (their answers) and the
longest held part of the rest, so that each connection is flushed about once
every C{holdTurns} turns: short turns then do not cost one C{send} per
connection each, and no turn flushes every connection at once.

The outbox is also the transport's push producer: when the kernel stops taking
a reader's bytes, Twisted pauses it and output accumulates here instead, and a
reader that lets more than C{limit} bytes pile up is cut off rather than
growing the daemon's memory without bound.  Output that is sent in pieces
(the private messages that waited for a user) asks L{Outbox.whenDrained}
before each piece, so that it never piles up towards that limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IPushProducer, IReactorTime, ITransport
from twisted.internet.tcp import Connection
from zope.interface import implementer

from chatd.lines.fanout import RoomFanout
from chatd.proxied import ProxiedConnection

if TYPE_CHECKING:
    from chatd.lines.turnbudget import TurnBudget


class FlushScheduler:
    """
    Flushes every outbox with pending output, once per reactor turn; while
    C{turns} has connections waiting, those L{hurry} names and the longest
    held C{1 / turns.holdTurns} of the others.
    """

    def __init__(self, clock: IReactorTime, turns: TurnBudget | None = None) -> None:
        self.clock = clock
        self.turns = turns
        self._dirty: list[Outbox] = []
        self._call: IDelayedCall | None = None
        self._urgent: list[Outbox] = []
        # Held by earlier flushes, longest held first.
        self._held: list[Outbox] = []
        #: A room's messages to this front-end's connections, a turn's run
        #: at a time (L{chatd.lines.fanout}): settled as the flush begins.
        self.fanout = RoomFanout(self.wake)

    def wake(self) -> None:
        """
        Flush at the end of this reactor turn, though no outbox asked yet.
        """
        if self._call is None:
            self._call = self.clock.callLater(0, self.flush)

    def schedule(self, outbox: Outbox) -> None:
        """
        Flush C{outbox} at the end of this reactor turn.
        """
        self._dirty.append(outbox)
        if self._call is None:
            self._call = self.clock.callLater(0, self.flush)

    def hurry(self, outbox: Outbox) -> None:
        """
        Flush C{outbox} (which holds output: a flush is due) at the end of
        this turn even while others are held: its connection handled input,
        and waits for the answer.
        """
        self._urgent.append(outbox)

    def flush(self) -> None:
        """
        Hand every pending outbox's data to its transport now (while
        connections wait for a later turn, see the class).
        """
        turns = self.turns
        if turns is None:
            self._flush()
            return
        began = self.clock.seconds()
        try:
            self._flush()
        finally:
            turns.charge(self.clock.seconds() - began)

    def _flush(self) -> None:
        self.fanout.settle()  # first: the outboxes it fills join this flush
        call, self._call = self._call, None
        if call is not None and call.active():  # called directly (shutting down)
            call.cancel()
        dirty, self._dirty = self._dirty, []
        urgent, self._urgent = self._urgent, []
        turns = self.turns
        if turns is not None and turns.busy():
            for outbox in urgent:
                outbox.flush()
            held = self._held
            due = -(-len(held) // turns.holdTurns)
            for outbox in held[:due]:
                outbox.flush()
            del held[:due]
            held.extend(dirty)  # an outbox flushed early is only in it twice
            if held and self._call is None:
                self._call = self.clock.callLater(0, self.flush)
            return
        if self._held:  # what is urgent is in one list or the other
            dirty, self._held = self._held + dirty, []
        for outbox in dirty:
            outbox.flush()

    def cancel(self) -> None:
        """
        Drop the pending flush (for shutting down cleanly: L{flush} first);
        held output is handed on now.
        """
        held, self._held = self._held, []
        for outbox in held:
            outbox.flush()
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None


def _directTransport(transport: ITransport) -> Connection | None:
    """
    The TCP connection whose socket L{Outbox.flush} may send to itself,
    skipping Twisted's buffer, or C{None} to always go through
    C{transport.write}.

    C{transport.write} only queues: the socket is written on the reactor's
    next turn, after registering for and dispatching a writable event, which
    at light load costs about as much CPU as the whole fan-out (see
    docs/dev/decisions/outbox-direct-send.md).  Only plain TCP transports qualify, and only while
    this Twisted keeps the buffer attributes L{_sendable} reads: should a
    release drop them, chatd falls back to plain writes rather than fail.
    The PROXY layer of a listener behind a load balancer
    (L{chatd.proxied}) passes writes straight on, so its connection
    qualifies too.
    """
    if isinstance(transport, ProxiedConnection):
        transport = transport.transport  # type: ignore[assignment]
    if isinstance(transport, Connection) and hasattr(transport, "_tempDataLen"):
        return transport
    return None


def _sendable(transport: Connection) -> bool:
    """
    Whether output may go to the socket now: Twisted holds nothing queued
    (order), the connection is open, and no TLS layer must see the bytes
    first.  (Twisted resets C{dataBuffer} to C{b""} once it is all sent.)
    """
    return bool(
        transport.connected
        and not transport.disconnecting
        and not transport.TLS
        and not transport._tempDataLen
        and not transport.dataBuffer
    )


NOTHING: tuple[()] = ()


@implementer(IPushProducer)
class Outbox:
    """
    One connection's pending output.

    @ivar pending: bytes waiting to be handed to the transport.
    @ivar tally: called with how many writes each flush hands on (the
        front-end's count of frames sent; L{countWrites}), or C{None}: once
        per flush, not once per frame, as writes are the fan-out's hot path.
    """

    __slots__ = (
        "transport",
        "scheduler",
        "limit",
        "overflowed",
        "_chunks",
        "pending",
        "_paused",
        "_direct",
        "_drainWaiters",
        "_registered",
        "tally",
    )

    def __init__(
        self,
        transport: ITransport,
        scheduler: FlushScheduler,
        limit: int,
        overflowed: Callable[[], None],
        register: bool = True,
    ) -> None:
        """
        @param register: register with C{transport} as its producer.  Pass
            C{False} when something else already is its producer and forwards
            the pause and resume calls here (the web front-end's guard, which
            also tells the HTTP channel).
        """
        self.transport = transport
        self.scheduler = scheduler
        self.limit = limit
        self.overflowed = overflowed
        # NOTHING (shared) until the first write of a turn, then a list;
        # None once closed.  An idle connection holds no list of its own.
        self._chunks: list[bytes] | tuple[()] | None = NOTHING
        self.pending = 0
        self._paused = False
        self._direct = _directTransport(transport)
        self._drainWaiters: list[Deferred[bool]] | None = None
        self._registered = register
        self.tally: Callable[[int], None] | None = None  # see countWrites
        if register:
            transport.registerProducer(self, True)  # type: ignore[attr-defined]

    def write(self, data: bytes) -> None:
        """
        Queue C{data}; it reaches the transport at the end of this turn,
        after the room messages this connection was sent before it.
        """
        fanout = self.scheduler.fanout
        if fanout.pending:
            fanout.catchUp(self)
        self.queue(data)

    def queue(self, data: bytes) -> None:
        """
        Queue C{data} as it comes: the fan-out's own writes
        (L{chatd.lines.fanout.RoomFanout}), which need no catching up.
        """
        chunks = self._chunks
        if not chunks:  # the first write this turn (or closed: None)
            if chunks is None:
                return
            if not self._paused:
                self.scheduler.schedule(self)
            chunks = self._chunks = []
        chunks.append(data)
        pending = self.pending = self.pending + len(data)
        if pending > self.limit:
            self._chunks = None
            self._drained(False)
            self.overflowed()

    def countWrites(self, tally: Callable[[int], None]) -> None:
        """
        From now on, tell C{tally} how many writes each flush hands on; what
        is queued already (a handshake's answer) is not counted.
        """
        self.tally = tally
        if self._chunks:
            tally(-len(self._chunks))  # the next flush counts them: net nothing

    def flush(self) -> None:
        """
        Hand queued data to the transport, unless it asked us to wait.
        """
        chunks = self._chunks
        if self._paused or not chunks:
            if self._drainWaiters is not None and not self._paused and chunks is not None:
                self._drained(True)
            return
        self._chunks = NOTHING
        self.pending = 0
        if self.tally is not None:
            self.tally(len(chunks))
        # One C-level join instead of writeSequence: Twisted's writeSequence
        # type-checks every chunk in Python, which costs more than the copy.
        data = b"".join(chunks)
        direct = self._direct
        if direct is not None and _sendable(direct):
            # socket.send itself: Twisted's writeSomeData adds a memoryview,
            # a retry wrapper and an exception translation per call.
            try:
                sent = direct.socket.send(data)
            except OSError:  # EAGAIN, or an error transport.write will meet
                sent = 0
            if sent == len(data):
                if self._drainWaiters is not None:
                    self._drained(True)
                return
            data = data[sent:]
        self.transport.write(data)  # may pause us: the transport's buffer is full
        if self._drainWaiters is not None and not self._paused:
            self._drained(True)

    def whenDrained(self) -> Deferred[bool]:
        """
        Fires with C{True} once everything written so far was handed to the
        transport and the transport is not asking us to wait (the reader is
        keeping up); with C{False} if the connection closed or overflowed
        first (what was queued may never have reached the transport).
        """
        if self._chunks is None:
            return succeed(False)
        if not self._paused and not self._chunks:
            return succeed(True)
        waiter: Deferred[bool] = Deferred()
        if self._drainWaiters is None:
            self._drainWaiters = []
        self._drainWaiters.append(waiter)
        return waiter

    def _drained(self, handed: bool) -> None:
        waiters, self._drainWaiters = self._drainWaiters, None
        for waiter in waiters or ():
            waiter.callback(handed)

    def close(self) -> None:
        """
        Flush what is queued and accept no more.  The outbox stops being the
        transport's producer: a TLS transport sends its close alert, and so
        closes, only once it has no producer.
        """
        self._paused = False
        if self._chunks is not None and self.scheduler.fanout.pending:
            self.scheduler.fanout.catchUp(self)  # the room's messages before the close
        self.flush()
        self._chunks = None
        self._drained(False)
        if self._registered:
            self._registered = False
            self.transport.unregisterProducer()  # type: ignore[attr-defined]

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self.flush()

    def stopProducing(self) -> None:
        self._chunks = None
        self._drained(False)
