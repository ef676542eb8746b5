# -*- test-case-name: tests.integration.test_outbox,tests.unit.lines.test_turnbudget -*-
"""
A connection's output, and the slow-reader cap.

Fan-out writes one pre-encoded message to many connections.  Calling
C{transport.write} for each is the expensive part, so each connection appends
to its own L{Outbox} and one L{chatd.lines.flusher.FlushScheduler} hands every
dirty outbox to its transport once per reactor turn, as one joined C{write}.

The outbox is also the transport's push producer: when the kernel stops taking
a reader's bytes, Twisted pauses it and output accumulates here instead, and a
reader that lets more than C{limit} bytes pile up is cut off rather than
growing the daemon's memory without bound.  Output that is sent in pieces
(the private messages that waited for a user) asks L{Outbox.whenDrained}
before each piece, so that it never piles up towards that limit; a reply in
pieces (a history replay, L{chatd.lines.paced}) asks L{Outbox.whenPieceTaken},
and what else is written meanwhile waits behind it, counted in the limit.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IPushProducer, ITransport
from zope.interface import implementer

from chatd.lines.direct import directTransport, sendable
from chatd.lines.flusher import FlushScheduler
from chatd.lines.paced import Reply

__all__ = ["NOTHING", "FlushScheduler", "Outbox"]


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
        "_reply",
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
        self._direct = directTransport(transport)
        self._drainWaiters: list[Deferred[bool]] | None = None
        self._registered = register
        self.tally: Callable[[int], None] | None = None  # see countWrites
        self._reply: Reply | None = None  # a reply in pieces under way (startReply)
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
            self._overflow()

    def _overflow(self) -> None:
        self._shut()
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
        Hand queued data to the transport, unless it asked us to wait; while
        a reply in pieces is under way, only its pieces.
        """
        reply = self._reply
        if reply is not None:
            self._flushReply(reply)
            return
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
        self._hand(b"".join(chunks))
        if self._drainWaiters is not None and not self._paused:
            self._drained(True)

    def _hand(self, data: bytes) -> None:
        direct = self._direct
        if direct is not None and sendable(direct):
            # socket.send itself: Twisted's writeSomeData adds a memoryview,
            # a retry wrapper and an exception translation per call.
            try:
                sent = direct.socket.send(data)
            except OSError:  # EAGAIN, or an error transport.write will meet
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]
        self.transport.write(data)  # may pause us: the transport's buffer is full

    def whenDrained(self) -> Deferred[bool]:
        """
        Fires with C{True} once everything written so far was handed to the
        transport and the transport is not asking us to wait (the reader is
        keeping up); with C{False} if the connection closed or overflowed
        first (what was queued may never have reached the transport).  What
        waits behind a reply in pieces counts: it is handed after the reply.
        """
        if self._chunks is None:
            return succeed(False)
        if not self._paused and not self._chunks and self._reply is None:
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

    def _shut(self, reply: Reply | None = None) -> None:
        """
        Accept no more output: whoever waits for the transport is told it
        was not handed (C{reply}'s waiters too: default, the one under way).
        """
        self._chunks = None
        self._drained(False)
        if reply is not None or (reply := self._reply) is not None:
            reply.giveUp()

    # A reply in pieces (chatd.lines.paced)

    def startReply(self) -> Deferred[bool]:
        """
        Begin a reply sent in pieces (L{replyPiece}): until L{endReply},
        whatever else is written waits behind it (and counts towards the
        limit).  Fires with C{True} once it may begin (after the one under
        way, if any), with C{False} if the connection closed first.
        """
        if self._chunks is None:
            return succeed(False)
        if self._reply is not None:
            return self._reply.nextTurn()
        if self.scheduler.fanout.pending:
            self.scheduler.fanout.catchUp(self)
        reply = self._reply = Reply()
        for data in self._chunks:  # written before it: handed before it
            reply.add(data)
        self._chunks = NOTHING
        return succeed(True)

    def replyPiece(self, data: bytes) -> None:
        """
        Queue C{data}, the next piece of the reply under way, ahead of what
        waits behind it.
        """
        reply = self._reply
        if reply is None or self._chunks is None:
            return
        if not reply.chunks and not self._paused:
            self.scheduler.schedule(self)
        reply.add(data)
        self.pending += len(data)
        if self.pending > self.limit:
            self._overflow()

    def whenPieceTaken(self) -> Deferred[bool]:
        """
        Fires with C{True} once the reply's pieces so far were handed to the
        transport and it takes more, with C{False} if the connection closed
        first.
        """
        reply = self._reply
        if self._chunks is None or reply is None:
            return succeed(False)
        if not self._paused and not reply.chunks:
            return succeed(True)
        return reply.whenTaken()

    def makingPiece(self, due: Deferred[None] | None) -> None:
        """
        The piece of the reply under way being made may be handed only
        once C{due} fires (C{None}: at once).
        """
        if self._reply is not None:
            self._reply.due = due

    def pieceDue(self) -> Deferred[None] | None:
        """
        What the piece just made waits for (L{makingPiece}), if anything.
        """
        reply = self._reply
        if reply is None:
            return None
        due, reply.due = reply.due, None
        return due

    def endReply(self) -> None:
        """
        The reply under way is over (complete or given up): what waited
        behind it follows its last pieces, then the next reply begins.
        """
        reply, chunks = self._reply, self._chunks
        if reply is None:
            return
        if chunks is None:  # closed: its waiters were told
            self._reply = None
            return
        held = reply.take() + list(chunks)
        self._chunks = NOTHING
        if reply.queued:  # the next one's first pieces: what waited behind this one
            for data in held:
                reply.add(data)
        else:
            self._reply = None
            self._chunks = held or NOTHING
        if held and not self._paused:
            self.scheduler.schedule(self)
        if reply.queued:
            reply.queued.pop(0).callback(True)
        elif not held and not self._paused and self._drainWaiters is not None:
            self._drained(True)

    def _flushReply(self, reply: Reply) -> None:
        if self._paused or self._chunks is None:
            return
        if reply.chunks:
            self.pending -= reply.size
            chunks = reply.take()
            if self.tally is not None:
                self.tally(len(chunks))
            self._hand(b"".join(chunks))
        if not self._paused:
            reply.taken()

    def close(self) -> None:
        """
        Flush what is queued and accept no more.  The outbox stops being the
        transport's producer: a TLS transport sends its close alert, and so
        closes, only once it has no producer.
        """
        self._paused = False
        if self._chunks is not None and self.scheduler.fanout.pending:
            self.scheduler.fanout.catchUp(self)  # the room's messages before the close
        reply, self._reply = self._reply, None
        if reply is not None and self._chunks is not None:  # its pieces, then what waited
            self._chunks = reply.take() + list(self._chunks)
        self.flush()
        self._shut(reply)
        if self._registered:
            self._registered = False
            self.transport.unregisterProducer()  # type: ignore[attr-defined]

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self.flush()

    def stopProducing(self) -> None:
        self._shut()
