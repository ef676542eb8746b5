"""
TCHAT clients of a service with a store (L{PersistenceTestCase}), for the
tests of accounts, of several connections of one account and of their
allowances.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class TchatStoreTestCase(PersistenceTestCase):
    """
    A TCHAT factory on the store's service (no flood limit, no liveness
    probe), and clients that log in on it.

    @ivar loginReply: what the last L{connectAs} login was answered.
    """

    loginReply = b""

    def setUp(self) -> None:
        super().setUp()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)

    def connectAs(self, nick: str, password: str = "") -> tuple[TchatProtocol, StringTransport]:
        """
        A new connection logged in as C{nick} (with C{password}, if any).
        """
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        self.loginReply = self.send(proto, transport, f"clt: LOGIN {nick} {password}".rstrip())
        self.assertTrue(self.loginReply.startswith(b"srv: OKAY!\n"), self.loginReply)
        return proto, transport

    def send(self, proto: TchatProtocol, transport: StringTransport, *lines: str) -> bytes:
        """
        C{lines} from C{proto}'s client; what it was sent in return.
        """
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock)
