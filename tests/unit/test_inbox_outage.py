"""
Waiting private messages handed over while the store goes away
(L{chatd.core.inbox}, L{chatd.core.storeretry}): over TCHAT, in memory
with a L{Clock}, the store failing on demand (L{OutageStore}).
"""

from __future__ import annotations

import re

from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from chatd.core.inbox import LINE_OVERHEAD
from chatd.core.storeretry import LONGEST
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import output
from tests.support.persistencecase import OutageStoreCase, PersistenceTestCase

#: Messages kept for bob, two to a page.
COUNT = 8


class MarkOutageTests(OutageStoreCase, PersistenceTestCase):
    """
    Bob, registered, signs in over TCHAT to eight messages alice left him,
    handed over two to a page, while marking them delivered fails.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        assert self.service.persistence is not None
        self.inbox = self.service.persistence.inbox
        self.inbox.pageBytes = 2 * (2 + LINE_OVERHEAD)
        self.registered("bob", "sesame")
        self.alice, self.ta = self.tchat("alice")
        output(self.ta, self.clock)
        for i in range(COUNT):
            self.tell(f"m{i}")

    def tchat(self, nick: str) -> tuple[TchatProtocol, StringTransport]:
        address = IPv4Address("TCP", "127.0.0.1", 4321)
        transport = StringTransport()
        proto = self.factory.buildProtocol(address)
        assert isinstance(proto, TchatProtocol)
        proto.makeConnection(transport)
        password = " sesame" if nick == "bob" else ""
        proto.dataReceived(f"clt: LOGIN {nick}{password}\r\n".encode())
        return proto, transport

    def tell(self, text: str) -> bytes:
        self.alice.dataReceived(f"clt: MSGPV bob\r\nclt: {text}\r\nclt: .\r\n".encode())
        return output(self.ta, self.clock)

    def received(self, transport: StringTransport) -> list[str]:
        """The kept messages C{transport} was given since last asked."""
        return re.findall(r"^srv: (m\d)$", output(transport, self.clock).decode(), re.M)

    def waiting(self) -> int:
        return int(self.successResultOf(self.outage.waitingCount("bob")))

    def wait(self, seconds: float) -> None:
        """Let C{seconds} pass, a second at a time."""
        for _ in range(int(seconds)):
            self.clock.advance(1)

    def test_restHandedOnceTheStoreIsBack(self) -> None:
        """
        A page whose mark fails is not followed by the next while the store
        is away, however long; once it is back (within L{LONGEST} seconds)
        the page is marked and the rest handed over, each message once.
        """
        self.outage.down.add("markDelivered")
        bob, tb = self.tchat("bob")
        self.assertEqual(self.received(tb), ["m0", "m1"])
        self.wait(3600)  # an hour away: tried again, but not every second
        self.assertEqual(self.received(tb), [])
        self.assertLess(self.outage.calls.count("markDelivered"), 3600 / LONGEST + 10)
        self.assertEqual(self.waiting(), COUNT)
        self.outage.down.clear()
        self.wait(LONGEST)
        self.assertEqual(self.received(tb), [f"m{i}" for i in range(2, COUNT)])
        self.assertEqual(self.waiting(), 0)
        self.assertFalse(tb.disconnecting)
        self.assertEqual(self.flushLoggedErrors(), [])
        self.assertEqual(self.inbox.retries.waiting(), 0)

    def test_readFailsAtSignIn(self) -> None:
        """
        The store away when bob signs in: what waits is read, and handed
        over, once it is back.
        """
        self.outage.down.add("undelivered")
        bob, tb = self.tchat("bob")
        self.wait(10)
        self.assertEqual(self.received(tb), [])
        self.outage.down.clear()
        self.wait(LONGEST)
        self.assertEqual(self.received(tb), [f"m{i}" for i in range(COUNT)])
        self.assertEqual(self.waiting(), 0)

    def test_stopsWhenTheyLeave(self) -> None:
        """
        Bob leaving while his mark waits for the store ends it: nothing is
        tried again for him, a message to him meanwhile is kept at once,
        and his next sign-in hands him the page not marked again with the
        rest: at least once, never lost.
        """
        self.outage.down.add("markDelivered")
        bob, tb = self.tchat("bob")
        self.assertEqual(self.received(tb), ["m0", "m1"])
        self.wait(20)
        self.assertGreater(self.outage.calls.count("markDelivered"), 1)  # tried again
        bob.connectionLost(Failure(ConnectionError("gone")))
        self.assertEqual(self.tell("later"), b"srv: OKAY!\n")  # not held for the retry
        tries = self.outage.calls.count("markDelivered")
        self.wait(LONGEST * 3)
        self.assertEqual(self.outage.calls.count("markDelivered"), tries)
        self.assertEqual(self.inbox.retries.waiting(), 0)
        self.outage.down.clear()
        again, tb2 = self.tchat("bob")
        self.clock.advance(0)
        self.assertEqual(self.received(tb2), [f"m{i}" for i in range(COUNT)])
        self.assertEqual(self.waiting(), 0)

    def test_signInAgainDuringTheOutage(self) -> None:
        """
        Bob signing in again while his last connection's mark waits for the
        store: that delivery ends at once, and the new connection is handed
        the page again (it was never marked), then the rest once the store
        is back.
        """
        self.outage.down.add("markDelivered")
        bob, tb = self.tchat("bob")
        self.assertEqual(self.received(tb), ["m0", "m1"])
        self.wait(20)
        bob.connectionLost(Failure(ConnectionError("gone")))
        again, tb2 = self.tchat("bob")
        self.clock.advance(0)
        self.assertEqual(self.received(tb2), ["m0", "m1"])
        self.outage.down.clear()
        self.wait(LONGEST)
        self.assertEqual(self.received(tb2), [f"m{i}" for i in range(2, COUNT)])
        self.assertEqual(self.waiting(), 0)


class KeepRefusedTests(OutageStoreCase, PersistenceTestCase):
    """
    Alice tells bob, registered and away, private messages over TCHAT
    while the store refuses them (its journal's disk full).
    """

    def test_refusedTakesNoPlace(self) -> None:
        """
        A message refused with ERROR 03 takes no place in bob's inbox nor
        in alice's share of it: once the store writes again, as many are
        kept as before the outage, then ERROR 28.
        """
        assert self.service.persistence is not None
        self.service.persistence.inbox.maxWaiting = 2
        self.registered("bob", "sesame")
        factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        alice = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 4321))
        assert isinstance(alice, TchatProtocol)
        transport = StringTransport()
        alice.makeConnection(transport)
        alice.dataReceived(b"clt: LOGIN alice\r\n")
        output(transport, self.clock)

        def tell(text: str) -> bytes:
            alice.dataReceived(f"clt: MSGPV bob\r\nclt: {text}\r\nclt: .\r\n".encode())
            return output(transport, self.clock)

        self.outage.down.add("addMessage")
        for i in range(3):
            self.assertEqual(tell(f"lost{i}"), b"srv: ERROR 03\n")
        self.outage.down.clear()
        self.assertEqual([tell("m0"), tell("m1")], [b"srv: OKAY!\n"] * 2)
        self.assertTrue(tell("m2").startswith(b"srv: ERROR 28"))
        self.assertEqual(self.successResultOf(self.outage.waitingCount("bob")), 2)
