"""
TCHAT's C{HISTO} larger than C{--max-output}: a slow reader gets it all, a
page at a time, and stays connected; a live message said meanwhile comes
after the reply's C{OKAY!}, never inside it.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address

from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import SlowTransport, connect, output, readAll
from tests.support.persistencecase import PersistenceTestCase

MAX_OUTPUT = 64 * 1024


class PacedHistoTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = TchatFactory(
            self.service, self.clock, floodBurst=None, aliveAfter=None, maxOutput=MAX_OUTPUT
        )
        self.service.createRoom(self.login("owner"), "busy")
        for i in range(100):  # 100 messages of 2 KiB: three times the limit
            self.store.addMessage(
                "busy", "owner", None, (f"{i:04}" + "x" * 2044,), int(self.clock.seconds()) + i
            )

    def test_slowReaderGetsTheWholeReply(self) -> None:
        """
        C{HISTO busy 1000} reaches a reader whose transport takes 16 KiB at
        a time: every SPEAK in order, then C{OKAY!}, then what was said
        live meanwhile; the outbox never nears the limit.
        """
        slow = SlowTransport(bufferSize=16 * 1024)
        alice = self.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 4000))
        assert isinstance(alice, TchatProtocol)
        alice.makeConnection(slow)
        alice.dataReceived(b"clt: LOGIN alice\r\nclt: ENTER busy\r\n")
        self.assertEqual(readAll(slow, self.clock, b"OKAY!\nsrv: OKAY!\n", 3).count(b"OKAY!"), 2)
        bob, tb = connect(self.factory, self.clock)
        bob.dataReceived(b"clt: LOGIN bob\r\nclt: ENTER busy\r\n")
        output(tb, self.clock)
        alice.dataReceived(b"clt: HISTO busy 1000\r\n")
        self.clock.advance(0)
        bob.dataReceived(b"clt: SPEAK busy\r\nclt: live\r\nclt: .\r\n")

        def bounded() -> None:
            assert alice.outbox is not None
            self.assertLess(alice.outbox.pending, MAX_OUTPUT // 2)

        got = readAll(slow, self.clock, b"srv: live\n", check=bounded).decode()
        self.assertFalse(slow.disconnecting)
        reply, _, after = got.partition("srv: OKAY!\n")
        numbers = [line[5:9] for line in reply.splitlines() if line.endswith("xxx")]
        self.assertEqual(numbers, [f"{i:04}" for i in range(100)])
        self.assertNotIn("live", reply)
        self.assertTrue(after.startswith("srv: SPEAK bob busy "), after)
