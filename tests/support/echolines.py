"""
L{EchoProtocol}: the smallest protocol on chatd's line layer
(L{chatd.lines.lineproto}), for the tests of that layer and of the turn
budget.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from chatd.core.errors import ChatError
from chatd.core.interfaces import IChatService
from chatd.lines.factory import ChatFactory
from chatd.lines.lineproto import ChatLineReceiver


class EchoProtocol(ChatLineReceiver):
    """
    Answers C{got <line>}, C{refused <why>}, C{internal error}, C{probe} and
    C{go away <why>}; the start of each line the layer refused is recorded in
    the factory's C{refusedStarts}.  Each line handled is recorded in the factory's
    C{handled} and costs it a second of C{elapsed}; the line C{wait} returns
    the factory's next Deferred, C{boom} raises, C{quit} closes the
    connection.
    """

    protocolName = "echo"
    factory: EchoFactory

    def textReceived(self, text: str) -> Any:
        factory = self.factory
        factory.handled.append(text)
        factory.elapsed += 1
        if text == "wait":
            return factory.waiting.pop(0)
        if text.startswith("boom"):
            raise RuntimeError("boom")
        if text == "quit":
            self.closeWith("quit")
            return None
        self.sendLine(f"got {text}".encode())
        return None

    def inputRefused(self, error: ChatError) -> None:
        self.sendLine(f"refused {error.text}".encode())

    def lineRefused(self, error: ChatError, start: bytes) -> None:
        self.factory.refusedStarts.append(start)
        super().lineRefused(error, start)

    def internalError(self) -> None:
        self.sendLine(b"internal error")

    def refuseConnection(self, error: ChatError) -> None:
        self.sendLine(f"go away {error.text}".encode())

    def probeIdle(self) -> None:
        self.sendLine(b"probe")


class EchoFactory(ChatFactory):
    protocol = EchoProtocol

    def __init__(self, service: IChatService, clock: IReactorTime, **limits: Any) -> None:
        super().__init__(service, clock, **limits)
        self.handled: list[str] = []
        self.refusedStarts: list[bytes] = []
        self.waiting: list[Deferred[None]] = []
        self.elapsed = 0.0
