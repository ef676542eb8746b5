"""
The load generator's machinery for the benchmark (C{scripts/bench}): wire adapters and a
lean epoll client loop (the daemon under test is in C{daemon.py}).

The generator must outrun a daemon that delivers millions of messages per
second, so it never parses lines in Python: each read lands in one shared
buffer (C{recv_into}, no allocation) and the replies that matter are counted
with C{bytearray.count} over the complete lines.  What to count is the wire
adapter's business; everything else is protocol-neutral.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import struct
import time
from collections.abc import Callable

from . import adapters
from .adapters import ADAPTERS, IrcAdapter, TchatAdapter, WebSocketAdapter, WireAdapter

__all__ = ["ADAPTERS", "adapters", "IrcAdapter", "TchatAdapter", "WebSocketAdapter", "WireAdapter"]

SO_TIMESTAMPNS = 35  # Linux: kernel receive time of the data read, as a timespec
_LINGER_RESET = struct.pack("ii", 1, 0)  # close with RST: no TIME_WAIT pile-up
_BUFSIZE = 1 << 20


class Client:
    """
    One generator connection and its counters.

    @ivar inflight: messages sent and not yet acknowledged (senders only).
    @ivar stamped: read with C{recvmsg} to get the kernel's arrival time.
    @ivar watcher: a probe beside the load: its deliveries are its own, not
        the loop's (nor its hook's).
    @ivar stamp: a stamped client's last read's kernel arrival time
        (C{time.time_ns()} scale): when its answer came, however long this
        busy generator took to read it.
    """

    __slots__ = (
        "sock",
        "fd",
        "partial",
        "out",
        "connected",
        "closed",
        "acks",
        "deliveries",
        "inflight",
        "stamped",
        "greeted",
        "watcher",
        "stamp",
    )

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.partial = b""
        self.out = b""
        self.connected = False
        self.closed = False
        self.acks = 0
        self.deliveries = 0
        self.inflight = 0
        self.stamped = False
        self.greeted = False
        self.watcher = False
        self.stamp = 0


AckHook = Callable[[Client, int], None]
DeliveryHook = Callable[[Client, int, int], None]


class Loop:
    """
    Non-blocking client sockets on one epoll, counting markers as they arrive.

    @ivar onAck: called with a client and how many acks one read brought.
    @ivar onDelivery: called with a client, how many deliveries one read
        brought, and their arrival time in ns (kernel time for stamped clients,
        else C{time.time_ns()}).
    @ivar onTick: called after each poll, at least every millisecond or so
        (a paced load's clock).
    """

    def __init__(self, adapter: WireAdapter, port: int) -> None:
        self.adapter = adapter
        self.address = ("127.0.0.1", port)
        self.poller = select.epoll()
        self.clients: dict[int, Client] = {}
        self.acks = self.deliveries = self.errors = self.lost = self.greeted = 0
        self.onAck: AckHook | None = None
        self.onDelivery: DeliveryHook | None = None
        self.onTick: Callable[[], None] | None = None
        self._buffer = bytearray(_BUFSIZE)
        self._view = memoryview(self._buffer)
        self._overlap = 0 if adapter.lineFramed else adapter.overlap
        #: Loopback source addresses to spread connections over, from
        #: 127.0.0.2: one address has ~28,000 ephemeral ports to connect from.
        self.sources = 1
        self._opened = 0

    def open(
        self, count: int, first: Callable[[int], bytes] | None = None, port: int | None = None
    ) -> list[Client]:
        """
        Start C{count} connections (to C{port}, default the loop's);
        C{first(i)} is queued to send on connect.
        """
        address = self.address if port is None else ("127.0.0.1", port)
        opened = []
        for i in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.sources > 1:
                sock.bind((f"127.0.0.{2 + self._opened % self.sources}", 0))
            self._opened += 1
            client = Client(sock)
            if first is not None:
                client.out = first(i)
            err = sock.connect_ex(address)
            if err not in (0, errno.EINPROGRESS):
                sock.close()
                raise OSError(err, os.strerror(err))
            self.clients[client.fd] = client
            self.poller.register(client.fd, select.EPOLLIN | select.EPOLLOUT)
            opened.append(client)
        return opened

    def send(self, client: Client, data: bytes) -> None:
        if client.closed:
            return
        if client.out or not client.connected:
            client.out += data
            return
        try:
            sent = client.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._lose(client)
            return
        if sent < len(data):
            client.out = data[sent:]
            self.poller.modify(client.fd, select.EPOLLIN | select.EPOLLOUT)

    def close(self, clients: list[Client]) -> None:
        for client in clients:
            if not client.closed:
                client.closed = True
                self.poller.unregister(client.fd)
                del self.clients[client.fd]
                client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
                client.sock.close()

    def closeAll(self) -> None:
        self.close(list(self.clients.values()))
        self.poller.close()

    def runUntil(self, done: Callable[[], bool], timeout: float) -> bool:
        """
        Serve sockets until C{done()} or C{timeout} seconds; return C{done()}.
        """
        deadline = time.monotonic() + timeout
        clients, poll, tick = self.clients, self.poller.poll, self.onTick
        wait = 0.05 if tick is None else 0.001
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for fd, events in poll(min(left, wait)):
                client = clients.get(fd)
                if client is None:
                    continue
                if events & select.EPOLLOUT:
                    self._writable(client)
                if events & (select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP):
                    self._read(client)
            if tick is not None:
                tick()
        return True

    def waitAcks(self, goal: int, timeout: float) -> bool:
        """
        Serve sockets until C{goal} acks in all have arrived, or C{timeout}.
        An error reply answers a request too: once acks and errors together
        reach C{goal}, waiting longer is pointless, and the result is false
        if any of them was an error.
        """
        errors = self.errors
        self.runUntil(lambda: self.acks + self.errors - errors >= goal, timeout)
        return self.acks >= goal

    def _writable(self, client: Client) -> None:
        client.connected = True
        if client.out:
            data, client.out = client.out, b""
            self.send(client, data)
        if not client.out and not client.closed:
            self.poller.modify(client.fd, select.EPOLLIN)

    def _read(self, client: Client) -> None:
        view, buffer = self._view, self._buffer
        start = len(client.partial)
        if start:
            buffer[:start] = client.partial
        stamp = 0
        try:
            if client.stamped:
                size, ancillary, _, _ = client.sock.recvmsg_into([view[start:]], 64)
                for _, kind, data in ancillary:
                    if kind == SO_TIMESTAMPNS:
                        seconds, nanoseconds = struct.unpack("qq", data[:16])
                        stamp = seconds * 1_000_000_000 + nanoseconds
            else:
                size = client.sock.recv_into(view[start:])
        except BlockingIOError:
            return
        except OSError:
            size = 0
        if not size:
            self._lose(client)
            return
        if not client.greeted:
            client.greeted = True
            self.greeted += 1
        total = start + size
        adapter = self.adapter
        if adapter.lineFramed:
            end = buffer.rfind(b"\n", 0, total) + 1
            client.partial = bytes(view[end:total]) if end < total else b""
            counted = b""  # the carried partial line was not counted yet
        else:  # count everything, carry over what could start a split marker
            end = total
            counted = client.partial
            client.partial = bytes(view[max(total - self._overlap, 0) : total])
        if len(adapter.acks) == 1:
            acks = buffer.count(adapter.acks[0], 0, end)
        else:
            acks = sum(buffer.count(marker, 0, end) for marker in adapter.acks)
        deliveries = buffer.count(adapter.delivery, 0, end)
        errors = sum(buffer.count(marker, 0, end) for marker in adapter.errors)
        pings = buffer.count(adapter.ping, 0, end) if adapter.ping else 0
        if counted:
            # A marker shorter than the carried bytes may lie wholly inside
            # them: the previous read counted it already.
            acks -= sum(counted.count(marker) for marker in adapter.acks)
            deliveries -= counted.count(adapter.delivery)
            errors -= sum(counted.count(marker) for marker in adapter.errors)
            pings -= counted.count(adapter.ping) if adapter.ping else 0
        self.errors += errors
        if pings:
            self.send(client, adapter.pong * pings)
        if acks:
            client.stamp = stamp
            client.acks += acks
            self.acks += acks
            if self.onAck is not None:
                self.onAck(client, acks)
        if deliveries:
            client.deliveries += deliveries
            if client.watcher:
                return
            self.deliveries += deliveries
            if self.onDelivery is not None:
                self.onDelivery(client, deliveries, stamp or time.time_ns())

    def _lose(self, client: Client) -> None:
        self.lost += 1
        self.close([client])
