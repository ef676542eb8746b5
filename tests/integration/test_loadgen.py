"""
Tests for the benchmark's load generator (C{scripts/bench/loadgen.py}): it counts
replies without parsing lines, so a marker split between reads must still be
counted exactly once.  Plain sockets on 127.0.0.1, no reactor.
"""

from __future__ import annotations

import json
import socket

from twisted.trial.unittest import SynchronousTestCase

from scripts.bench import loadgen


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

    def test_spreadOverSources(self) -> None:
        """
        With C{sources}, connections come from 127.0.0.2, 127.0.0.3... in
        turn, so more than one address's ephemeral ports can be used.
        """
        self.loop.sources = 2
        self.loop.open(3)
        peers = []
        for _ in range(3):
            peer, address = self.server.accept()
            self.addCleanup(peer.close)
            peers.append(address[0])
        self.assertEqual(set(peers), {"127.0.0.2", "127.0.0.3"})

    def test_probeTimesEachAnswer(self) -> None:
        """
        C{probe} sends each client its probe in turn and times the answer;
        a client never answered is left out.
        """
        from scripts.bench.harness import probe

        [other] = self.loop.open(1)
        silent, _ = self.server.accept()
        self.addCleanup(silent.close)
        self.peer.settimeout(5)
        self.assertTrue(self.loop.runUntil(lambda: self.client.connected, 5))
        self.peer.recv(100)  # the login
        self.peer.sendall(b"srv: OKAY!\n")  # answered before it is asked: not counted
        self.assertTrue(self.loop.runUntil(lambda: self.client.acks == 1, 5))
        self.loop.close([other])
        seen: list[bytes] = []

        def answer() -> bool:
            data = self.peer.recv(100)
            seen.append(data)
            self.peer.sendall(b"srv: OKAY!\n")
            return True

        self.peer.setblocking(False)
        original = self.loop.send

        def sendThenAnswer(client: loadgen.Client, data: bytes) -> None:
            original(client, data)
            self.peer.setblocking(True)
            answer()

        self.loop.send = sendThenAnswer  # type: ignore[method-assign]
        answers = probe(self.loop, [self.client, other], "a")
        self.assertEqual(len(answers), 1)
        self.assertGreater(answers[0], 0)
        self.assertEqual(seen, [b"clt: MSGPV a0\nclt: p\nclt: .\n"])

    def test_tickAfterEachPoll(self) -> None:
        """
        C{onTick} is called after each poll, even when nothing arrives (a
        paced load's clock), until the loop is done.
        """
        ticks: list[int] = []
        self.loop.onTick = lambda: ticks.append(len(ticks))
        self.assertTrue(self.loop.runUntil(lambda: len(ticks) >= 3, 5))
        self.assertEqual(ticks, [0, 1, 2])

    def test_watcherCountsApart(self) -> None:
        """
        A watcher's deliveries are its own: the loop's total, and its hook,
        count only the load's.
        """
        self.client.watcher = True
        heard: list[int] = []
        self.loop.onDelivery = lambda client, count, stamp: heard.append(count)
        self.feed(b"srv: OKAY!\nsrv: MSGPV a 1\nsrv: p\nsrv: .\nsrv: ")
        self.assertEqual((self.client.deliveries, self.loop.deliveries), (1, 0))
        self.assertEqual((self.client.acks, heard), (1, []))

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


class WebSocketFramingTests(SynchronousTestCase):
    """
    The WebSocket adapter's client frames are masked and decode to the
    JSON requests of docs/WEB.md, and its markers are counted in unframed
    reads.
    """

    def test_maskedFrameRoundTrip(self) -> None:
        """
        Short, 16-bit and 64-bit lengths all mask and unmask to the payload.
        """
        for size in (0, 5, 125, 126, 70000):
            payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
            frame = loadgen.adapters.maskedFrame(payload, key=b"\x01\x02\x03\x04")
            self.assertEqual(frame[0], 0x81)
            self.assertTrue(frame[1] & 0x80, "client frames must be masked")
            self.assertEqual(loadgen.adapters.unmaskFrame(frame), (1, payload))
            if size:
                self.assertNotIn(payload, frame)

    def test_requests(self) -> None:
        """
        Login, join and say are text frames whose JSON carries the shared id
        (so each reply holds the ack marker); the pong answers a ping.
        """
        adapter = loadgen.WebSocketAdapter()
        opcode, payload = loadgen.adapters.unmaskFrame(adapter.message("lobby", ["ab", "cd"]))
        self.assertEqual(opcode, 1)
        self.assertEqual(
            json.loads(payload), {"type": "say", "room": "lobby", "text": "ab\ncd", "id": "k"}
        )
        self.assertEqual(
            json.loads(loadgen.adapters.unmaskFrame(adapter.login("al"))[1]),
            {"type": "login", "nick": "al", "id": "k"},
        )
        self.assertEqual(loadgen.adapters.unmaskFrame(adapter.pong), (0xA, b"chatd"))
        self.assertIn(b"Upgrade: websocket\r\n", adapter.handshake())
        self.assertNotIn(b"Origin", adapter.handshake())


def serverFrame(payload: bytes) -> bytes:
    """
    An unmasked server text frame, as chatd.web.wire writes it.
    """
    from chatd.web.wire import frame

    return frame(payload)


class WebSocketLoopTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = socket.socket()
        self.addCleanup(self.server.close)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.loop = loadgen.Loop(loadgen.WebSocketAdapter(), self.server.getsockname()[1])
        self.addCleanup(self.loop.closeAll)
        [self.client] = self.loop.open(1)
        self.peer, _ = self.server.accept()
        self.addCleanup(self.peer.close)
        self.peer.settimeout(5)

    def feed(self, stream: bytes, cuts: list[int]) -> None:
        """
        Send C{stream} in pieces cut at C{cuts}, letting the loop read each.
        """
        edges = [0, *cuts, len(stream)]
        for start, end in zip(edges, edges[1:], strict=False):
            before = self.loop.greeted, self.client.partial
            self.peer.sendall(stream[start:end])

            def read(before: tuple[int, bytes] = before) -> bool:
                return (self.loop.greeted, self.client.partial) != before

            self.loop.runUntil(read, 0.2)

    def test_markersSplitAcrossReads(self) -> None:
        """
        Wherever the reads split the frames, each reply, message and error
        is counted once, a ping is answered with the masked pong, and the
        handshake's response counts as the client's greeting.
        """
        stream = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
            + serverFrame(b'{"type":"hello","server":"chatd"}')
            + serverFrame(b'{"type":"login","id":"k","nick":"a"}')
            + serverFrame(b'{"type":"message","room":"lobby","from":"b","text":"x"}')
            + b"\x89\x05chatd"
            + serverFrame(b'{"type":"message","room":"lobby","from":"b","text":"y"}')
            + serverFrame(b'{"type":"error","id":"k","code":34,"text":"no"}')
        )
        first = stream.index(b'"type":"message"') + 5
        second = stream.index(b"\x89") + 3
        third = stream.rindex(b'"id":"k"') + 2
        self.feed(stream, [first, second, third])
        self.assertTrue(self.loop.runUntil(lambda: self.loop.acks >= 2, 5))
        self.assertEqual(self.loop.greeted, 1)
        self.assertEqual((self.loop.acks, self.loop.deliveries, self.loop.errors), (2, 2, 1))
        pong = loadgen.WebSocketAdapter.pong
        self.assertEqual(self.peer.recv(100), pong)

    def test_shortMarkerEndsRead(self) -> None:
        """
        A marker shorter than the bytes carried over to the next read, lying
        wholly in those bytes (a read that ends just after a reply's
        C{"id":"k"} or after a ping), is counted once, not again with the
        next read.
        """
        reply = serverFrame(b'{"type":"say","id":"k"}')
        stream = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
            + reply
            + b"\x89\x05chatd"
            + serverFrame(b'{"type":"message","room":"lobby","from":"b","text":"x"}')
            + reply
        )
        afterReply = stream.index(reply) + len(reply)
        afterPing = afterReply + len(b"\x89\x05chatd")
        self.feed(stream, [afterReply, afterPing, afterPing + 5])
        self.assertTrue(self.loop.runUntil(lambda: self.loop.deliveries >= 1, 5))
        self.loop.runUntil(lambda: False, 0.1)
        self.assertEqual((self.loop.acks, self.loop.deliveries), (2, 1))
        pong = loadgen.WebSocketAdapter.pong
        self.assertEqual(self.peer.recv(100), pong)


class IrcCountingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.server = socket.socket()
        self.addCleanup(self.server.close)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.loop = loadgen.Loop(loadgen.IrcAdapter(), self.server.getsockname()[1])
        self.addCleanup(self.loop.closeAll)
        [self.client] = self.loop.open(1)
        self.peer, _ = self.server.accept()
        self.addCleanup(self.peer.close)
        self.peer.settimeout(5)

    def test_linesCounted(self) -> None:
        """
        C{001}, C{366} and C{PONG} are acks, each C{PRIVMSG} to a channel a
        delivery (a private one is not), C{ERROR} an error (a number in a
        reply is not); the server's
        C{PING} is answered.
        """
        lines = (
            b":s 001 a :Welcome\r\n:s 353 a = #lobby :a b\r\n:s 366 a #lobby :End\r\n"
            b":b!b@h PRIVMSG #lobby :xx\r\n:b!b@h PRIVMSG a :xx\r\nPING :s\r\n"
            b":b!b@h PRIVMSG #lobby :xx\r\n:s PONG s :k\r\n:s 251 a :There are 404 users\r\n"
            b"ERROR :Closing link\r\n"
        )
        cut = lines.index(b"PRIVMSG #lobby") + 4
        self.peer.sendall(lines[:cut])
        self.assertTrue(self.loop.runUntil(lambda: self.loop.acks == 2, 5))
        self.peer.sendall(lines[cut:])
        self.assertTrue(self.loop.runUntil(lambda: self.loop.acks == 3, 5))
        self.assertEqual((self.loop.deliveries, self.loop.errors), (2, 1))
        self.assertEqual(self.peer.recv(100), b"PONG :k\r\n")

    def test_messageAsksForPong(self) -> None:
        """
        Each message ends with a C{PING}, whose C{PONG} acknowledges it, and
        makes one delivery per body line.
        """
        adapter = loadgen.IrcAdapter()
        self.assertEqual(
            adapter.message("lobby", ["a", "b"]),
            b"PRIVMSG #lobby :a\r\nPRIVMSG #lobby :b\r\nPING :k\r\n",
        )
        self.assertEqual(adapter.deliveriesPerMessage(2), 2)
        self.assertFalse(adapter.pipelined)
