"""
A TCP proxy on 127.0.0.1 that can stop forwarding without closing: what a
half-open link (a network partition, a firewall that forgot the connection)
looks like to the daemon, whose kernel still has every byte acknowledged.

It runs in a thread of its own, not in the test's reactor: the daemon under
test (another process) needs its database while the test waits for it to
start.  Every wait in it is bounded, and L{StallProxy.close} ends it all.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Iterator

import pytest

#: Seconds the proxy's thread waits at most in one step (it looks at
#: L{StallProxy.stalled} and whether it is closing that often).
STEP = 0.05


class StallProxy:
    """
    Forwards each connection to 127.0.0.1 C{target} until L{stall}: from
    then on nothing is read from either side (nor forwarded, nor closed),
    while new connections are still accepted and stall too, until L{resume}
    forwards what was held (the link is back) and carries on; or L{forget},
    after which new connections work but those held stay silent for good
    (a firewall that lost their state drops their packets).

    @ivar port: the port the proxy listens on.
    """

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.stalled = False
        self._forgetting = False
        self._forgotten = threading.Event()
        self._closing = False
        self._peers: dict[socket.socket, socket.socket] = {}
        self._silent: dict[socket.socket, socket.socket] = {}
        self._thread = threading.Thread(target=self._run, name="stall proxy", daemon=True)
        self._thread.start()

    def url(self, databaseURL: str) -> str:
        """
        C{databaseURL} (C{postgresql://user@127.0.0.1:PORT/name}) through
        this proxy.
        """
        head, _, rest = databaseURL.partition("@127.0.0.1:")
        return f"{head}@127.0.0.1:{self.port}/{rest.partition('/')[2]}"

    def stall(self) -> None:
        """Stop forwarding; hold every connection open."""
        self.stalled = True

    def resume(self) -> None:
        """Forward again, what was held first."""
        self.stalled = False

    def forget(self) -> None:
        """
        Forward new connections again; those there now stay silent.  Returns
        once the proxy's thread did it (a few steps at most).
        """
        self._forgotten.clear()
        self._forgetting = True
        assert self._forgotten.wait(timeout=5), "the proxy's thread is stuck"

    def close(self) -> None:
        """Stop the proxy and close every connection (bounded: a few steps)."""
        self._closing = True
        self._thread.join(timeout=5)
        for sock in [self.listener, *self._peers, *self._silent]:
            sock.close()
        self._peers.clear()
        self._silent.clear()

    def _run(self) -> None:
        accepting, carrying = selectors.DefaultSelector(), selectors.DefaultSelector()
        accepting.register(self.listener, selectors.EVENT_READ)
        carrying.register(self.listener, selectors.EVENT_READ)
        try:
            while not self._closing:
                # While stalled only new connections are taken: a level-triggered
                # selector would spin on the held data otherwise.
                if self._forgetting:
                    for sock in self._peers:
                        carrying.unregister(sock)  # open, and never read again
                    self._silent.update(self._peers)
                    self._peers = {}
                    self._forgetting = self.stalled = False
                    self._forgotten.set()
                selector = accepting if self.stalled else carrying
                for key, _ in selector.select(timeout=STEP):
                    if key.fileobj is self.listener:
                        self._accept(carrying)
                    elif not self.stalled:
                        self._carry(carrying, key.fileobj)  # type: ignore[arg-type]
        finally:
            accepting.close()
            carrying.close()

    def _accept(self, carrying: selectors.BaseSelector) -> None:
        client, _ = self.listener.accept()
        try:
            server = socket.create_connection(("127.0.0.1", self.target), timeout=5)
        except OSError:
            client.close()
            return
        for one, other in ((client, server), (server, client)):
            self._peers[one] = other
            carrying.register(one, selectors.EVENT_READ)

    def _carry(self, carrying: selectors.BaseSelector, sock: socket.socket) -> None:
        other = self._peers.get(sock)
        if other is None:
            return
        try:
            data = sock.recv(65536)
            if data:
                other.sendall(data)
                return
        except OSError:
            pass
        for one in (sock, other):  # one side closed: so does the other
            carrying.unregister(one)
            self._peers.pop(one, None)
            one.close()


def stallProxyTo(port: int) -> Iterator[StallProxy]:
    """
    A L{StallProxy} to C{port}, closed afterwards (a fixture's body).
    """
    proxy = StallProxy(port)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture
def postgresProxy(postgresServer: str) -> Iterator[StallProxy]:
    """
    A L{StallProxy} to the session's PostgreSQL server (C{postgresServer}).
    """
    yield from stallProxyTo(int(postgresServer.rsplit(":", 1)[1]))
