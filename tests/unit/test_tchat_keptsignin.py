"""
Registered users sign in over TCHAT while the database is unavailable:
their password is checked against the credentials the node kept of the
accounts it read lately (L{chatd.core.keptcredentials}), never letting in
what the database would refuse.
"""

from __future__ import annotations

from typing import cast

from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, LogEvent, globalLogPublisher

from chatd.core.service import ChatService
from chatd.core.storeretry import LONGEST
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.keptsignin import leave, loginReply
from tests.support.persistencecase import DATABASE_DOWN, OutageStoreCase
from tests.support.tchatstorecase import TchatStoreTestCase


class KeptSignInTests(OutageStoreCase, TchatStoreTestCase):
    """
    The account C{alice} (password C{sesame}) signed in once before the
    database goes away (L{down}).
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.signInAndLeave("alice", "sesame")
        self.logged: list[LogEvent] = []
        observer = cast(ILogObserver, self.logged.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)

    def signInAndLeave(self, nick: str, password: str) -> None:
        proto, transport = self.connectAs(nick, password)
        self.leave(proto, transport)

    def leave(self, proto: TchatProtocol, transport: StringTransport) -> None:
        leave(proto, transport, self.clock)

    def down(self) -> None:
        """The database becomes unreachable: every query fails."""
        self.outage.down |= DATABASE_DOWN

    def tchatLogin(self, nick: str, password: str, factory: TchatFactory | None = None) -> bytes:
        return loginReply(factory or self.factory, self.clock, nick, password)

    def test_rightPassword(self) -> None:
        """
        While the database is unavailable, the right password of an
        account read lately signs in (OKAY!), and what the login does
        after the check that needs the database does not fail it (no
        C{00}); that sign-ins use the kept credentials is logged once for
        the outage, not once per login.
        """
        self.down()
        for _ in range(2):
            reply = self.tchatLogin("alice", "sesame")
            self.assertTrue(reply.startswith(b"srv: OKAY!\n"), reply)
            self.assertNotIn(b"ERROR 00", reply)
        said = [e["log_format"] for e in self.logged if "kept in memory" in e.get("log_format", "")]
        self.assertEqual(len(said), 1)

    def test_wrongPassword(self) -> None:
        """
        A wrong password is refused as wrong (C{22}), not as "try again
        later", and the password gate counts it: the name's back-off grows.
        """
        self.down()
        assert self.service.persistence is not None
        gate = self.service.persistence.accounts.gate
        for _ in range(gate.nameFree + 1):
            self.clock.advance(gate.backoff("alice"))
            self.assertEqual(self.tchatLogin("alice", "wrong-one"), b"srv: ERROR 22\n")
        self.assertGreater(gate.backoff("alice"), 0)

    def test_notKept(self) -> None:
        """
        An account this node has not read (a node started since, a name
        nobody registered) is "try again later" (C{03}), as before.
        """
        fresh: ChatService = self.makeService()
        factory = TchatFactory(fresh, self.clock, floodBurst=None, aliveAfter=None)
        self.down()
        self.assertEqual(self.tchatLogin("alice", "sesame", factory), b"srv: ERROR 03\n")
        self.assertEqual(self.tchatLogin("nobody", "sesame"), b"srv: ERROR 03\n")
        fresh.stopService()

    def test_passwordChanged(self) -> None:
        """
        A password changed before the outage: only the new one signs in.
        """
        proto, transport = self.connectAs("alice", "sesame")
        self.assertEqual(self.send(proto, transport, "clt: REGIS open-sesame"), b"srv: OKAY!\n")
        self.leave(proto, transport)
        self.down()
        self.assertEqual(self.tchatLogin("alice", "sesame"), b"srv: ERROR 22\n")
        self.assertTrue(self.tchatLogin("alice", "open-sesame").startswith(b"srv: OKAY!\n"))

    def test_passwordSetFromConsole(self) -> None:
        """
        A password an administrator set before the outage: only the new
        one signs in.
        """
        self.successResultOf(self.service.setAccountPassword("alice", "console-pw", "admin"))
        self.down()
        self.assertEqual(self.tchatLogin("alice", "sesame"), b"srv: ERROR 22\n")
        self.assertTrue(self.tchatLogin("alice", "console-pw").startswith(b"srv: OKAY!\n"))

    def test_deleted(self) -> None:
        """
        An account deleted before the outage is never let in.
        """
        self.successResultOf(self.service.deleteAccount("alice", "admin"))
        self.down()
        self.assertEqual(self.tchatLogin("alice", "sesame"), b"srv: ERROR 03\n")

    def test_deletedElsewhere(self) -> None:
        """
        An account the database no longer holds (deleted by another
        process) is forgotten at the next sign-in's read: refused then,
        and not let in once the database is away.
        """
        self.successResultOf(self.outage.deleteAccount("alice"))
        self.assertEqual(self.tchatLogin("alice", "sesame"), b"srv: ERROR 22\n")
        self.down()
        self.assertEqual(self.tchatLogin("alice", "sesame"), b"srv: ERROR 03\n")

    def test_registerRefused(self) -> None:
        """
        Registering a new account during the outage is still refused with
        C{03}.
        """
        self.down()
        proto, transport = self.connectAs("bob")
        self.assertEqual(self.send(proto, transport, "clt: REGIS bob-pw"), b"srv: ERROR 03\n")
        self.leave(proto, transport)

    def test_changeRefused(self) -> None:
        """
        A change of password that the outage refused (C{03}) may have
        reached the database or not: neither password signs in from the
        kept credentials.
        """
        proto, transport = self.connectAs("alice", "sesame")
        self.down()
        self.assertEqual(self.send(proto, transport, "clt: REGIS open-sesame"), b"srv: ERROR 03\n")
        self.leave(proto, transport)
        self.assertEqual(self.tchatLogin("alice", "sesame"), b"srv: ERROR 03\n")
        self.assertEqual(self.tchatLogin("alice", "open-sesame"), b"srv: ERROR 03\n")

    def test_keptMessagesLater(self) -> None:
        """
        A private message kept for alice while she was away waits through
        her sign-in during the outage, and is handed to that connection
        once the database answers again.
        """
        bob, tb = self.connectAs("bob")
        said = self.send(bob, tb, "clt: MSGPV alice", "clt: kept for you", "clt: .")
        self.assertEqual(said, b"srv: OKAY!\n")
        self.down()
        alice, ta = connect(self.factory, self.clock)
        output(ta, self.clock)
        reply = self.send(alice, ta, "clt: LOGIN alice sesame")
        self.assertTrue(reply.startswith(b"srv: OKAY!\n"), reply)
        self.clock.advance(10)
        self.assertNotIn(b"kept for you", output(ta, self.clock))
        self.outage.down.clear()
        for _ in range(int(LONGEST) + 1):
            self.clock.advance(1)
        self.assertIn(b"kept for you", output(ta, self.clock))
        self.assertFalse(ta.disconnecting)
        self.leave(alice, ta)
        self.leave(bob, tb)
