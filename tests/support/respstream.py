"""
A scripted Redis for one L{chatd.cluster.redis.RedisLink} on a
L{MemoryReactorClock}: it answers the link's command connection (C{PING})
and its reader (C{XREVRANGE}, C{XRANGE}, C{XREAD}) from a list of stream
entries, over RESP, so the reader's own positioning runs.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IProtocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure


def _bulk(text: str) -> bytes:
    data = text.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _array(*items: bytes) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(items)


def _entry(ident: str, message: str) -> bytes:
    return _array(_bulk(ident), _array(_bulk("m"), _bulk(message)))


def _number(ident: str) -> tuple[int, int]:
    millis, _, n = ident.partition("-")
    return int(millis), int(n or 0)


def _commands(data: bytes) -> list[list[str]]:
    """
    The RESP commands (arrays of bulk strings) in C{data}.
    """
    lines = data.split(b"\r\n")
    commands, at = [], 0
    while at < len(lines) and lines[at].startswith(b"*"):
        count = int(lines[at][1:])
        words = [lines[at + 2 + 2 * i].decode() for i in range(count)]
        commands.append(words)
        at += 1 + 2 * count
    return commands


class StreamRedis:
    """
    Answers every connection the link made on C{reactor}, from C{entries}
    (C{(id, message)}, in id order) for the stream C{stream}.

    @ivar reads: the id each C{XREAD} asked to read after, in order.
    """

    def __init__(self, reactor: MemoryReactorClock, stream: str) -> None:
        self.reactor = reactor
        self.stream = stream
        self.entries: list[tuple[str, str]] = []
        self.reads: list[str] = []
        self._made = 0
        self._open: list[tuple[IProtocol, StringTransport]] = []
        self._readers: list[IProtocol] = []

    def serve(self) -> None:
        """
        Accept the connections asked for, and answer what was sent on
        every open one, until nothing more is asked.
        """
        for _ in range(20):
            for _, _, factory, _, _ in self.reactor.tcpClients[self._made :]:
                self._made += 1
                made = factory.buildProtocol(None)
                assert made is not None
                transport = StringTransport()
                made.makeConnection(transport)
                self._open.append((made, transport))
            answered = False
            for protocol, transport in list(self._open):
                data = transport.value()
                transport.clear()
                for command in _commands(data):
                    answered = True
                    if command[0].upper() != "PING" and protocol not in self._readers:
                        self._readers.append(protocol)
                    protocol.dataReceived(self._answer(command))
            if not answered:
                return

    def _answer(self, command: list[str]) -> bytes:
        name = command[0].upper()
        if name == "PING":
            return b"+PONG\r\n"
        if name == "XREVRANGE":
            found = self.entries[-1:]
        elif name == "XRANGE":
            start, end = _number(command[2]), _number(command[3])
            found = [e for e in self.entries if start <= _number(e[0]) <= end]
        elif name == "XREAD":
            after = command[-1]
            self.reads.append(after)
            found = [e for e in self.entries if _number(e[0]) > _number(after)]
            if not found:
                return b"*-1\r\n"  # a block that timed out
            return _array(_array(_bulk(self.stream), _array(*(_entry(*e) for e in found))))
        else:
            raise AssertionError(f"unexpected command {command}")
        return _array(*(_entry(*e) for e in found))

    def dropReader(self) -> None:
        """
        The reader's connection is lost.
        """
        for protocol, transport in list(self._open):
            if protocol in self._readers:
                self._open.remove((protocol, transport))
                self._readers.remove(protocol)
                protocol.connectionLost(Failure(ConnectionDone("dropped")))
