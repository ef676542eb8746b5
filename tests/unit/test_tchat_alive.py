"""
Tests for L{chatd.tchatalive}: TCHAT's C{ALIVE} probe closes only clients
that answer it; the others (telnet, clients written from the seed) are
watched with TCP keepalive.
"""

from __future__ import annotations

from chatd.tchat import TchatProtocol
from tests.support.helpers import SocketTransport, connectSocket, output
from tests.support.protocolcases import TchatTestCase

CLOSING = (
    b"srv: NOTICE 1700000030\nsrv: no answer to ALIVE for 15 s: closing the connection\nsrv: .\n"
)


class AliveTests(TchatTestCase):
    def reader(self, nick: str) -> tuple[TchatProtocol, SocketTransport]:
        """
        A client logged in as C{nick} on a transport with a real socket.
        """
        proto, transport = connectSocket(self.factory, self.clock)
        self.addCleanup(transport.socket.close)
        proto.dataReceived(f"clt: LOGIN {nick}\r\n".encode())
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\nsrv: OKAY!\n")
        return proto, transport

    def test_readerNotCut(self) -> None:
        """
        A client that never sent C{clt: ALIVE} and only reads gets one
        C{srv: ALIVE}; left unanswered, it is neither closed nor probed
        again, TCP keepalive watches it (a check after 15 s, every 5 s, 3
        unanswered, 30 s for data unacknowledged), and it goes on reading.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.reader("bob")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        bob.dataReceived(b"clt: ENTER g\r\n")
        self.assertEqual(self.read(tb), b"srv: OKAY!\n")
        self.assertEqual(tb.keepAlive()[0], 0)
        self.clock.advance(15)
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")
        self.clock.advance(15)
        self.assertFalse(tb.disconnecting)
        self.assertEqual(self.read(tb), b"")
        self.assertEqual(tb.keepAlive(), (1, 15, 5, 3, 30_000))
        for _ in range(20):
            self.clock.advance(30)
        self.assertFalse(tb.disconnecting)
        self.send(alice, ta, "clt: SPEAK g", "clt: still there?", "clt: .")
        self.assertEqual(
            self.read(tb), b"srv: SPEAK alice g 1700000630\nsrv: still there?\nsrv: .\n"
        )

    def test_firstAliveWatches(self) -> None:
        """
        A client that lets a probe go unanswered and later sends C{clt:
        ALIVE} answers probes: from then on, silence gets C{srv: ALIVE}
        again, and one left unanswered closes it, after a notice.
        """
        bob, tb = self.reader("bob")
        self.clock.advance(15)
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")
        for _ in range(4):
            self.clock.advance(15)
        self.assertEqual(self.read(tb), b"")
        self.assertEqual(self.send(bob, tb, "clt: ALIVE"), b"")
        self.clock.advance(15)
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")
        self.clock.advance(14)
        self.assertFalse(tb.disconnecting)
        self.clock.advance(1)
        self.assertTrue(tb.disconnecting)
        self.assertEqual(self.read(tb), CLOSING.replace(b"1700000030", b"1700000105"))

    def test_answeredOnceKeepsRule(self) -> None:
        """
        A client that answered a probe once is closed when it leaves a later
        one unanswered, as the protocol says.
        """
        bob, tb = self.connect("bob")
        self.clock.advance(15)
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")
        self.send(bob, tb, "clt: ALIVE")
        self.clock.advance(15)
        self.assertEqual(self.read(tb), b"srv: ALIVE\n")
        self.clock.advance(15)
        self.assertTrue(tb.disconnecting)
        self.assertEqual(self.read(tb), CLOSING.replace(b"1700000030", b"1700000045"))

    def test_silentBodyOfReader(self) -> None:
        """
        A body left open by a client that never sent C{clt: ALIVE} (a person
        typing a message through telnet) is not given up for its silence;
        its end is read as ever.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g", "clt: SPEAK g", "clt: first")
        for _ in range(40):
            self.clock.advance(15)
        self.assertFalse(ta.disconnecting)
        self.assertEqual(self.send(alice, ta, "clt: second", "clt: ."), b"srv: OKAY!\n")

    def test_answerCrossingBody(self) -> None:
        """
        The answer to a probe that crossed a C{SPEAK} (read inside its body)
        counts: the client answers probes, and is closed when it leaves one
        unanswered.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "clt: CREAT g", "clt: ENTER g")
        self.clock.advance(15)
        self.assertEqual(self.read(ta), b"srv: ALIVE\n")
        self.send(alice, ta, "clt: SPEAK g", "clt: ALIVE", "clt: hi", "clt: .")
        self.clock.advance(15)
        self.assertEqual(self.read(ta), b"srv: ALIVE\n")
        self.clock.advance(15)
        self.assertTrue(ta.disconnecting)

    def test_aliveWithFieldRefused(self) -> None:
        """
        C{ALIVE} takes no field: with one, or an empty one (a trailing
        space), it is a malformed command, answered C{ERROR 10} as any
        other's extra field, before LOGIN too; C{clt: ALIVE} alone is
        never answered.
        """
        stranger, ts = self.connect()
        self.assertEqual(self.send(stranger, ts, "clt: ALIVE x"), b"srv: ERROR 10\n")
        bob, tb = self.connect("bob")
        self.assertEqual(self.send(bob, tb, "clt: ALIVE x", "clt: ALIVE "), b"srv: ERROR 10\n" * 2)
        self.assertEqual(self.send(bob, tb, "clt: ALIVE"), b"")
