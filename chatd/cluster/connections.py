# -*- test-case-name: tests.integration.test_cluster_redis -*-
"""
The two kinds of connection of a L{chatd.cluster.redis.RedisLink}, as
txredisapi protocols, and the factory that builds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import txredisapi
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.cluster.resp import encodeCommand

if TYPE_CHECKING:
    from chatd.cluster.redis import RedisLink

#: Seconds a command may wait for its reply before the connection is
#: declared dead and re-made: a hung Redis must not hang the chat.
REPLY_TIMEOUT = 5.0


class CommandConnection(txredisapi.RedisProtocol):  # type: ignore[misc]
    """
    The command connection; tells its link when it is lost.
    """

    link: RedisLink

    def unwrapped(self) -> CommandConnection:
        """
        This protocol itself: C{ClientService} hands C{prepareConnection} a
        proxy, and the link must compare the real protocol in L{RedisLink.protocolLost}.
        """
        return self

    def connectionLost(self, why: Failure) -> None:
        super().connectionLost(why)
        self.link.protocolLost(self, why)

    def _build_command(self, *args: object, **kwargs: object) -> bytes:
        """txredisapi's hook for a command's bytes, built in one pass."""
        return encodeCommand(args)


class ReaderConnection(CommandConnection):
    """
    The connection that reads the stream: one C{XREAD BLOCK} at a time.
    """


class ConnectionFactory(Factory):
    """
    Builds txredisapi protocols and answers the few factory calls they make.
    """

    isLazy = True
    noisy = False  # no "Starting factory" line per reconnection attempt
    log = Logger()

    def __init__(self, link: RedisLink, protocol: type[CommandConnection]) -> None:
        self.link, self.protocolClass = link, protocol

    def buildProtocol(self, addr: object) -> Any:
        address = self.link.address
        reader = self.protocolClass is ReaderConnection
        proto = self.protocolClass(
            charset="utf-8",
            replyTimeout=REPLY_TIMEOUT,
            password=address.password,
            dbid=address.db or None,
            convertNumbers=not reader,
        )
        proto.factory, proto.link = self, self.link
        proto.callLater = self.link.clock.callLater
        return proto

    def stopTrying(self) -> None:
        """
        txredisapi gives up on a bad password or database; we keep retrying
        (the operator may fix Redis) and the failure is logged.
        """

    def connectionError(self, message: str) -> None:
        self.log.error("{address}: {message}", address=self.link.address, message=message)
