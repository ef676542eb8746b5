"""
A WebSocket client of the page's JSON protocol on the real reactor, for the
tests that talk to a real daemon over loopback: frames arrive in a queue and
L{Client.next} waits (with a timeout) for one of the kinds asked for.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet import reactor
from twisted.internet.defer import Deferred, DeferredQueue
from twisted.python.failure import Failure

from tests.support.webclient import JSONClient

TIMEOUT = 10


class Client(JSONClient):
    """
    A L{JSONClient} for the real reactor: frames arrive in a queue and
    L{next} waits for one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.frames: DeferredQueue[dict[str, Any]] = DeferredQueue()
        self.closed: Deferred[None] = Deferred()
        self.skipped: list[dict[str, Any]] = []

    def textMessageReceived(self, message: str) -> None:
        self.frames.put(json.loads(message))

    def connectionLost(self, reason: Failure) -> None:
        self.closed.callback(None)

    async def next(self, *types: str) -> dict[str, Any]:
        """
        The next frame of one of C{types}; others (a server notice, say) are
        kept in C{skipped}.
        """
        while True:
            d = self.frames.get()
            d.addTimeout(TIMEOUT, reactor)
            frame = await d
            if frame["type"] in types:
                return frame
            self.skipped.append(frame)

    async def request(self, **request: Any) -> dict[str, Any]:
        self.transport.sendTextMessage(json.dumps(request))
        return await self.next(request["type"], "error")

    def buildProtocol(self, url: str) -> Client:
        return self
