"""
Tests for the benchmark's load generator (C{scripts/loadgen.py}): it counts
replies without parsing lines, so a marker split between reads must still be
counted exactly once.  Plain sockets on 127.0.0.1, no reactor.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import loadgen  # noqa: E402


class LoopTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = socket.socket()
        self.addCleanup(self.server.close)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.loop = loadgen.Loop(loadgen.TchatAdapter(), self.server.getsockname()[1])
        self.addCleanup(self.loop.closeAll)
        [self.client] = self.loop.open(1, lambda i: b"clt: LOGIN a\n")
        self.peer, _ = self.server.accept()
        self.addCleanup(self.peer.close)

    def feed(self, *pieces: bytes) -> None:
        """
        Send C{pieces} one at a time, letting the loop read each before the
        next (each piece must leave a different unfinished line behind).
        """
        for piece in pieces:
            self.peer.sendall(piece)
            tail = (self.client.partial + piece).rpartition(b"\n")[2]

            def done(tail: bytes = tail) -> bool:
                return self.client.partial == tail

            self.assertTrue(self.loop.runUntil(done, 5))

    def test_firstBytesSentOnConnect(self) -> None:
        """
        What C{open} was given to send goes out once the connection is up.
        """
        self.assertTrue(self.loop.runUntil(lambda: self.client.connected, 5))
        self.peer.settimeout(5)
        self.assertEqual(self.peer.recv(100), b"clt: LOGIN a\n")

    def test_markersSplitBetweenReads(self) -> None:
        """
        Acks, deliveries and errors are counted once each, wherever the reads
        split them, and body lines that only resemble them do not count.
        """
        delivered: list[int] = []
        self.loop.onDelivery = lambda client, count, stamp: delivered.append(count)
        self.feed(
            b"srv: TCHAT 1\nsrv: OK",
            b"AY!\nsrv: SPEAK b lobby 1\nsrv: OKAY! later\nsrv: ..\nsrv: ",
            b".\nsrv: SPEAK b lobby 1\nsrv: x\nsrv: .\nsrv: ERR",
            b"OR 10\n",
        )
        self.assertEqual((self.loop.acks, self.loop.deliveries, self.loop.errors), (1, 2, 1))
        self.assertEqual((self.client.acks, self.client.deliveries), (1, 2))
        self.assertEqual(sum(delivered), 2)

    def test_closedByServer(self) -> None:
        """
        A connection the server closes is counted as lost and forgotten.
        """
        self.peer.close()
        self.assertTrue(self.loop.runUntil(lambda: self.loop.lost == 1, 5))
        self.assertTrue(self.client.closed)
        self.assertEqual(self.loop.clients, {})
