"""
A registered user's C{ENTER} is answered once the store has the entry:
what the group says meanwhile follows the C{OKAY!}.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class EnterOrderTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(persistence.configureRoom("club", None, None, None, None))
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        self.bob, self.bobT = self.connectAs(b"clt: LOGIN bob\r\nclt: ENTER club\r\n")
        self.pending = self.delayMemberships()

    def connectAs(self, lines: bytes) -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        proto.dataReceived(lines)
        output(transport, self.clock)
        return proto, transport

    def test_okayBeforeTheGroupsLines(self) -> None:
        """
        bob speaks, and carol enters, while alice's entry is being stored:
        alice reads her C{OKAY!} first.
        """
        alice, t = self.connectAs(b"clt: LOGIN alice sesame\r\n")
        alice.dataReceived(b"clt: ENTER club\r\n")
        self.bob.dataReceived(b"clt: SPEAK club\r\nclt: Welcome\r\nclt: .\r\n")
        self.connectAs(b"clt: LOGIN carol\r\nclt: ENTER club\r\n")
        shown = output(t, self.clock)
        self.assertEqual(len(self.pending), 1)
        self.pending[0].callback(None)
        shown += output(t, self.clock)
        self.assertEqual(
            shown,
            b"srv: OKAY!\n"
            b"srv: SPEAK bob club 1700000000\nsrv: Welcome\nsrv: .\n"
            b"srv: ENTER club carol 1700000000\n",
        )

    def test_refusedReleases(self) -> None:
        """
        An ENTER refused (already a member) holds nothing back.
        """
        self.bob.dataReceived(b"clt: ENTER club\r\n")
        self.assertEqual(output(self.bobT, self.clock), b"srv: ERROR 35\n")
        self.connectAs(b"clt: LOGIN carol\r\nclt: ENTER club\r\n")
        self.assertEqual(output(self.bobT, self.clock), b"srv: ENTER club carol 1700000000\n")
