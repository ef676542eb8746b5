# -*- test-case-name: tests.test_web -*-
"""
Byte-level limits under the HTTP/WebSocket stack.

Twisted's WebSocket implementation reassembles a whole message before handing
it over and writes whatever it is given, so neither an endless incoming
message nor a client that never reads is bounded by it.  L{GuardedSite} wraps
the L{Site} factory; each connection gets a L{GuardProtocol} between the TCP
transport and the HTTP channel (and, after the upgrade, the WebSocket
machinery), which:

  - counts bytes received since the WebSocket participant last got a complete
    message (or pong) and, past C{maxPendingInput}, tells it so (close 1009);
  - watches the transport's write buffer: once the kernel and Twisted's buffer
    are full the transport pauses us, and if more than C{maxPendingOutput}
    bytes are written while paused, the client is not reading: the
    connection is aborted.
"""

from __future__ import annotations

from typing import Any, Protocol

from twisted.internet.interfaces import IConsumer, IProtocol, IPushProducer
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.web.server import Site
from zope.interface import implementer


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


@implementer(IPushProducer)
class _WriteBackpressure:
    """
    The producer a L{GuardProtocol} registers with the real transport, so that
    it learns when the transport's write buffer is full.  It forwards the
    calls to the producer the HTTP channel registered, keeping that
    channel's own flow control intact.
    """

    def __init__(self, guard: GuardProtocol) -> None:
        self.guard = guard

    def pauseProducing(self) -> None:
        self.guard.writePaused = True
        if self.guard.channelProducer is not None:
            self.guard.channelProducer.pauseProducing()

    def resumeProducing(self) -> None:
        self.guard.writePaused = False
        self.guard.writtenWhilePaused = 0
        if self.guard.channelProducer is not None:
            self.guard.channelProducer.resumeProducing()

    def stopProducing(self) -> None:
        if self.guard.channelProducer is not None:
            self.guard.channelProducer.stopProducing()


class GuardProtocol(ProtocolWrapper):
    """
    A connection's byte counters; see the module docstring.

    @ivar listener: told when a limit is crossed; the WebSocket participant
        attaches itself once the upgrade happens (before that, plain HTTP
        requests are bounded by Twisted's own header and body limits).
    """

    factory: GuardedSite

    def __init__(self, factory: GuardedSite, wrappedProtocol: IProtocol) -> None:
        super().__init__(factory, wrappedProtocol)
        self.listener: GuardListener | None = None
        self.pendingInput = 0
        self.writePaused = False
        self.writtenWhilePaused = 0
        self.channelProducer: IPushProducer | None = None
        self._stalled = False
        self._discarding = False

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

    def messageComplete(self) -> None:
        """
        The participant got a whole message: start counting afresh.
        """
        self.pendingInput = 0

    def write(self, data: bytes) -> None:
        if self.writePaused:
            self.writtenWhilePaused += len(data)
            if self.writtenWhilePaused > self.factory.maxPendingOutput:
                self._stall()
                return
        super().write(data)

    def writeSequence(self, data: Any) -> None:
        for chunk in data:
            self.write(chunk)

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
        IConsumer(self.transport).registerProducer(_WriteBackpressure(self), True)

    def unregisterProducer(self) -> None:
        self.channelProducer = None
        IConsumer(self.transport).unregisterProducer()


class GuardedSite(WrappingFactory[GuardProtocol]):
    """
    A L{Site} whose connections are bounded by L{GuardProtocol}.

    @ivar site: the wrapped site.
    """

    protocol = GuardProtocol

    def __init__(
        self, site: Site, maxPendingInput: int = 1 << 20, maxPendingOutput: int = 1 << 20
    ) -> None:
        super().__init__(site)
        self.site = site
        self.maxPendingInput = maxPendingInput
        self.maxPendingOutput = maxPendingOutput

    def logPrefix(self) -> str:
        """
        One word, so the log says C{GuardedSite starting on 8080}.
        """
        return self.__class__.__name__
