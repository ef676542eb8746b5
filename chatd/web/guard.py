# -*- test-case-name: tests.unit.web.test_web -*-
"""
Byte-level limits under the HTTP/WebSocket stack.

Twisted's WebSocket implementation reassembles a whole message before handing
it over and writes whatever it is given, so neither an endless incoming
message nor a client that never reads is bounded by it.  L{GuardedSite} wraps
the L{Site} factory; each connection gets a L{GuardProtocol} between the TCP
transport and the HTTP channel (and, after the upgrade, the WebSocket
machinery), which:

  - holds the place the admission policy gave the connection once it
    became a chat connection (L{chatd.web.admit}: plain HTTP is not
    counted), and gives it back on close;
  - counts bytes received since the WebSocket participant last got a complete
    message (or pong) and, past C{maxPendingInput}, tells it so (close 1009);
  - watches the transport's write buffer: once the kernel and Twisted's buffer
    are full the transport pauses us, and if more than C{maxPendingOutput}
    bytes are written while paused, the client is not reading: the
    connection is aborted;
  - once a WebSocket is accepted (L{GuardProtocol.startBatching}), sends its
    output through an L{Outbox}, as the line protocols do: a fan-out appends
    each frame to a list, and the connection gets one joined write per
    reactor turn, straight to the socket when Twisted holds nothing queued.
    Writing each frame with C{transport.write} instead cost several
    microseconds per frame (and, once Twisted's buffer passed 64 KiB, a
    C{pauseProducing} call per frame): a turn that read 50 senders' requests
    then spent seconds on one fan-out without sending a byte
    (docs/dev/BENCHMARKING.md, "A fan-out that runs as one turn").
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet.interfaces import (
    IAddress,
    IConsumer,
    IDelayedCall,
    IProtocol,
    IPushProducer,
    IReactorTime,
)
from twisted.internet.protocol import connectionDone
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure
from twisted.web.server import Site
from zope.interface import implementer

from chatd.core.admission import Admission
from chatd.core.errors import ChatError
from chatd.lines.outbox import FlushScheduler, Outbox
from chatd.web.channel import ChatChannel
from chatd.web.eventlist import lighterEvents
from chatd.web.httpcap import HTTPConnections

if TYPE_CHECKING:
    from chatd.lines.turnbudget import TurnBudget


class GuardListener(Protocol):
    """
    What a L{GuardProtocol} tells about limits being crossed.
    """

    def inputTooLarge(self) -> None:
        """
        More than C{maxPendingInput} bytes arrived without completing a
        message.
        """

    def outputStalled(self) -> None:
        """
        The client stopped reading; the connection is being aborted.
        """

    def closing(self) -> None:
        """
        The connection is being closed (the client's close frame answered,
        or the server's own close sent): the session ends now, not when TCP
        closes, which a TLS client may delay.
        """


@implementer(IPushProducer)
class _WriteBackpressure:
    """
    The producer a L{GuardProtocol} registers with the real transport, so that
    it learns when the transport's write buffer is full.  It forwards the
    calls to the producer the HTTP channel registered, keeping that
    channel's own flow control intact.
    """

    __slots__ = ("guard",)  # one per connection

    def __init__(self, guard: GuardProtocol) -> None:
        self.guard = guard

    def pauseProducing(self) -> None:
        guard = self.guard
        guard.writePaused = True
        if guard.channelProducer is not None:
            guard.channelProducer.pauseProducing()
        if guard.outbox is not None:
            guard.outbox.pauseProducing()
        if guard.upstream is not None:
            guard.upstream.pauseProducing()

    def resumeProducing(self) -> None:
        guard = self.guard
        guard.writePaused = False
        guard.writtenWhilePaused = 0
        if guard.channelProducer is not None:
            guard.channelProducer.resumeProducing()
        if guard.outbox is not None:
            guard.outbox.resumeProducing()
        if guard.upstream is not None:
            guard.upstream.resumeProducing()

    def stopProducing(self) -> None:
        if self.guard.channelProducer is not None:
            self.guard.channelProducer.stopProducing()
        if self.guard.outbox is not None:
            self.guard.outbox.stopProducing()


class GuardProtocol(ProtocolWrapper):
    """
    A connection's byte counters; see the module docstring.

    @ivar listener: told when a limit is crossed; the WebSocket participant
        attaches itself once the upgrade happens (before that, plain HTTP
        requests are bounded by L{chatd.web.channel.ChatChannel}).
    @ivar outbox: where every write goes once L{startBatching} was called.
    @ivar upstream: a producer writing to this connection through its own
        buffer (IRC over WebSocket's outbox), paused and resumed with it.
    @ivar ticket: what the site's admission counted this connection under
        once its WebSocket handshake was admitted (C{None}: not counted).
    @ivar client: the client's address a trusted proxy named at the
        WebSocket's handshake (L{chatd.web.forwarded}); C{None}: the peer's.
    @ivar refusal: why the admission turned the WebSocket away
        (L{chatd.web.admit}): its protocol says so and closes.
    """

    factory: GuardedSite

    def __init__(self, factory: GuardedSite, wrappedProtocol: IProtocol) -> None:
        super().__init__(factory, wrappedProtocol)
        self.listener: GuardListener | None = None
        self.pendingInput = 0
        self.writePaused = False
        self.writtenWhilePaused = 0
        self.channelProducer: IPushProducer | None = None
        self.outbox: Outbox | None = None
        self.upstream: IPushProducer | None = None
        self._stalled = False
        self._discarding = False
        self.ticket: str | None = None
        self._registered = False
        self._cutCall: IDelayedCall | None = None
        self.client: IAddress | None = None
        self.refusal: ChatError | None = None

    def dataReceived(self, data: bytes) -> None:
        if self._discarding:
            return
        if self.listener is not None:
            self.pendingInput += len(data)
            if self.pendingInput > self.factory.maxPendingInput:
                # What follows is the rest of a frame we will not read: the
                # stream cannot be parsed any more, only closed.
                self._discarding = True
                self.listener.inputTooLarge()
                return
        super().dataReceived(data)

    def upgraded(self, protocol: Any) -> None:
        """
        The HTTP channel handed the connection to C{protocol} (Twisted's
        WebSocket machinery), and now only forwards bytes to it: send them
        there directly and let the channel go (~1 KiB per connection).  Its
        producer goes too: its request never ends, so it paused nothing.
        """
        channel: Any = self.wrappedProtocol
        # Only if the channel was patched to forward (Twisted's upgrade does).
        if getattr(channel, "dataReceived", None) == protocol.dataReceived:
            self.wrappedProtocol = protocol
            self.channelProducer = None
        lighterEvents(protocol)
        self.factory.connections.upgraded(self)

    def evict(self) -> None:
        """
        Close at once: a plain HTTP connection waiting for a request, whose
        place a new one takes (L{chatd.web.httpcap}).
        """
        transport: Any = self.transport
        if transport is not None:
            transport.abortConnection()

    def pauseReading(self) -> None:
        """
        Leave what the client sends in the kernel (its WebSocket is behind).
        """
        transport: Any = self.transport
        if transport is not None and not self.disconnecting:
            transport.pauseProducing()

    def resumeReading(self) -> None:
        transport: Any = self.transport
        if transport is not None and not self.disconnecting:
            transport.resumeProducing()

    def messageComplete(self) -> None:
        """
        The participant got a whole message: start counting afresh.
        """
        self.pendingInput = 0

    def startBatching(self) -> Outbox:
        """
        From now on, queue every write in an L{Outbox} flushed once per
        reactor turn (see the module docstring).  Everything written to this
        connection goes through it, the WebSocket library's own frames
        (handshake, pong, close) included, so the order of the bytes is kept;
        the outbox's limit then takes over from C{writtenWhilePaused}.
        """
        if self.outbox is not None:
            return self.outbox
        noDelay = getattr(self.transport, "setTcpNoDelay", None)
        if noDelay is not None:
            noDelay(True)  # as the line protocols: frames must not wait for Nagle's 40 ms
        outbox = self.outbox = Outbox(
            self.transport,  # type: ignore[arg-type]
            self.factory.flusher,
            self.factory.maxPendingOutput,
            self._stall,
            register=False,
        )
        if self.writePaused:
            outbox.pauseProducing()
        return outbox

    def hurry(self) -> None:
        """
        This connection waits for what was just written to it (answers to
        its requests): send it at the end of this turn even while the
        flusher holds others' output (L{FlushScheduler.hurry}).
        """
        outbox = self.outbox
        if outbox is not None and outbox.pending:
            self.factory.flusher.hurry(outbox)

    def write(self, data: bytes) -> None:
        outbox = self.outbox
        if outbox is not None:
            outbox.write(data)
            return
        if self.writePaused:
            self.writtenWhilePaused += len(data)
            if self.writtenWhilePaused > self.factory.maxPendingOutput:
                self._stall()
                return
        super().write(data)

    def writeSequence(self, data: Any) -> None:
        for chunk in data:
            self.write(chunk)

    def loseConnection(self) -> None:
        """
        Send what the outbox holds (even if the client is slow: it is bounded
        by the outbox's limit), then close.  The WebSocket participant ends
        its session now; the watcher stops being the transport's producer (a
        TLS transport sends its close alert only without one); a connection
        still open C{closeGrace} seconds later is cut.
        """
        if self.listener is not None:
            self.listener.closing()
        if self.outbox is not None:
            self.outbox.close()
        if self._registered:
            self.unregisterProducer()
        super().loseConnection()
        if self._cutCall is None:
            self._cutCall = self.factory.flusher.clock.callLater(self.factory.closeGrace, self._cut)

    def _cut(self) -> None:
        self._cutCall = None
        transport: Any = self.transport
        transport.abortConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self._cutCall is not None and self._cutCall.active():
            self._cutCall.cancel()
        self._cutCall = None
        admission = self.factory.admission
        if self.ticket is not None and admission is not None:
            admission.release(self.ticket)
            self.ticket = None
        self.factory.connections.closed(self)
        if self.outbox is not None:
            self.outbox.stopProducing()
        super().connectionLost(reason)

    def _stall(self) -> None:
        if self._stalled:
            return
        self._stalled = True
        if self.listener is not None:
            self.listener.outputStalled()
        transport: Any = self.transport
        transport.abortConnection()

    def registerProducer(self, producer: IPushProducer, streaming: bool) -> None:
        """
        Keep the HTTP channel's producer for ourselves and register our own
        watcher with the transport in its place.
        """
        self.channelProducer = producer
        self._registered = True
        IConsumer(self.transport).registerProducer(_WriteBackpressure(self), True)

    def unregisterProducer(self) -> None:
        self.channelProducer = None
        if self._registered:
            self._registered = False
            IConsumer(self.transport).unregisterProducer()


class GuardedSite(WrappingFactory[GuardProtocol]):
    """
    A L{Site} whose connections are bounded by L{GuardProtocol}.

    @ivar site: the wrapped site.
    """

    protocol = GuardProtocol

    def __init__(
        self,
        site: Site,
        maxPendingInput: int = 1 << 20,
        maxPendingOutput: int = 1 << 20,
        clock: IReactorTime | None = None,
        admission: Admission | None = None,
        turns: TurnBudget | None = None,
    ) -> None:
        """
        @param clock: schedules the outboxes' flushes (default: the site's
            reactor).
        @param admission: asked for each WebSocket chat connection
            (L{chatd.web.admit}; C{None}: all admitted).
        @param turns: the daemon's turn budget: while connections wait for a
            later turn, the outboxes' flushes are spread over turns as the
            line front-ends' are, except those L{GuardProtocol.hurry} names.
        """
        super().__init__(site)
        self.site = site
        self.admission = admission
        self.connections = HTTPConnections(admission)
        self.maxPendingInput = maxPendingInput
        self.maxPendingOutput = maxPendingOutput
        self.flusher = FlushScheduler(clock if clock is not None else site.reactor, turns)
        #: Seconds a closing connection has to close before it is cut.
        self.closeGrace = 10.0

    def buildProtocol(self, addr: IAddress) -> GuardProtocol | None:  # type: ignore[override]
        """
        A connection for C{addr}, unless its address, or all, hold too many
        open (L{chatd.web.httpcap}): then none, and Twisted closes it.
        """
        protocol = super().buildProtocol(addr)
        if not self.connections.opened(getattr(addr, "host", None) or str(addr), protocol):
            return None
        channel = protocol.wrappedProtocol
        if isinstance(channel, ChatChannel):
            channel.waiting = partial(self.connections.waiting, protocol)
            channel.readBehind = protocol.dataReceived  # (counted as each read is)
        return protocol

    def stopFactory(self) -> None:
        """
        Hand the last queued output to the transports, and leave no flush
        scheduled behind.
        """
        self.flusher.cancel()
        self.flusher.flush()
        super().stopFactory()

    def logPrefix(self) -> str:
        """
        One word, so the log says C{GuardedSite starting on 8080}.
        """
        return self.__class__.__name__
