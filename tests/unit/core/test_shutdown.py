"""
Tests for L{chatd.core.shutdown}: a stopping service tells every connection
why, on every line protocol, and waits a bounded time for them to close.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.admission import Admission
from chatd.core.service import ChatService
from chatd.core.shutdown import DEFAULT_NOTICE
from chatd.irc.factory import IRCFactory
from chatd.options import Options
from chatd.talk.protocol import TalkFactory
from chatd.tap import makeService
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output


class GoodbyeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.service.startService()
        self.tchat = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.talk = TalkFactory(self.service, self.clock, aliveAfter=None)
        self.irc = IRCFactory(self.service, self.clock, aliveAfter=None)

    def open(self, factory: object, *lines: str) -> tuple[object, StringTransport]:
        proto, transport = connect(factory, self.clock)
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        output(transport, self.clock)
        return proto, transport

    def test_everyProtocolTold(self) -> None:
        """
        TCHAT (logged in or not), talk and IRC connections are told the
        notice, then the reason in their own form, and closed; nobody is
        left in the service.
        """
        self.service.goodbye.notice = "Back in 5 minutes."
        _, carol = self.open(self.tchat, "clt: LOGIN carol", "clt: ENTER lobby")
        _, anonymous = self.open(self.tchat)
        _, tom = self.open(self.talk, "tom")
        _, ivan = self.open(self.irc, "NICK ivan", "USER i 0 * :I", "JOIN #lobby")
        for transport in (carol, anonymous, tom, ivan):
            output(transport, self.clock)  # the others' arrivals
        self.service.stopService()
        now = int(self.clock.seconds())
        for transport in (carol, anonymous):
            self.assertEqual(
                output(transport, self.clock).decode(),
                f"srv: NOTICE {now}\nsrv: Back in 5 minutes.\nsrv: .\nsrv: ERROR 03\n",
            )
        self.assertEqual(
            output(tom, self.clock).decode(),
            "*** Server notice: Back in 5 minutes.\r\n"
            "*** You have been disconnected: Server shutting down.\r\n",
        )
        self.assertEqual(
            output(ivan, self.clock).decode(),
            ":chatd NOTICE ivan :Back in 5 minutes.\r\n"
            "ERROR :Closing Link: 127.0.0.1 (Server shutting down)\r\n",
        )
        for transport in (carol, anonymous, tom, ivan):
            self.assertTrue(transport.disconnecting)
        self.assertEqual(self.service.users(), [])
        self.assertEqual(self.service.connections(), [])

    def test_administratorNamed(self) -> None:
        """
        A stop an administrator asked for (L{ChatService.shuttingDown}) is
        one notice on every protocol, naming them, then saying the
        configured notice.
        """
        self.service.goodbye.notice = "Back in 5 minutes."
        _, carol = self.open(self.tchat, "clt: LOGIN carol")
        _, tom = self.open(self.talk, "tom")
        _, ivan = self.open(self.irc, "NICK ivan", "USER i 0 * :I")
        for transport in (carol, tom, ivan):
            output(transport, self.clock)
        self.service.shuttingDown("root")
        self.service.stopService()
        now = int(self.clock.seconds())
        self.assertEqual(
            output(carol, self.clock).decode(),
            f"srv: NOTICE {now}\nsrv: The server is shutting down now (by root)."
            " Back in 5 minutes.\nsrv: .\nsrv: ERROR 03\n",
        )
        self.assertEqual(
            output(tom, self.clock).decode(),
            "*** Server notice: The server is shutting down now (by root). Back in 5 minutes.\r\n"
            "*** You have been disconnected: Server shutting down.\r\n",
        )
        self.assertEqual(
            output(ivan, self.clock).decode(),
            ":chatd NOTICE ivan :The server is shutting down now (by root). Back in 5 minutes.\r\n"
            "ERROR :Closing Link: 127.0.0.1 (Server shutting down)\r\n",
        )

    def test_waitsForConnectionsToClose(self) -> None:
        """
        The stop's L{Deferred} fires once every connection has closed.
        """
        first, _ = self.open(self.tchat, "clt: LOGIN carol")
        second, _ = self.open(self.talk)
        stopped = self.service.stopService()
        self.assertNoResult(stopped)
        first.connectionLost()  # type: ignore[attr-defined]
        self.assertNoResult(stopped)
        second.connectionLost()  # type: ignore[attr-defined]
        self.successResultOf(stopped)

    def test_boundedWait(self) -> None:
        """
        A connection that does not close does not hold the stop up longer
        than C{closeGrace} seconds.
        """
        self.service.goodbye.grace = 3
        self.open(self.tchat, "clt: LOGIN carol")
        stopped = self.service.stopService()
        self.clock.advance(2.9)
        self.assertNoResult(stopped)
        self.clock.advance(0.1)
        self.successResultOf(stopped)

    def test_nobodyConnected(self) -> None:
        """
        With nobody connected, the stop is immediate; the notice has a
        default.
        """
        self.assertEqual(self.service.goodbye.notice, DEFAULT_NOTICE)
        self.successResultOf(self.service.stopService())


class WhenEmptyTests(SynchronousTestCase):
    def test_whenEmpty(self) -> None:
        """
        L{Admission.whenEmpty} fires at once when no connection is open,
        else when the last one is released.
        """
        admission = Admission(Clock())
        self.successResultOf(admission.whenEmpty())
        tickets = [admission.admit("192.0.2.1"), admission.admit("192.0.2.2")]
        waiting = admission.whenEmpty()
        admission.release(tickets[0])
        self.assertNoResult(waiting)
        admission.release(tickets[1])
        self.successResultOf(waiting)


class OptionTests(SynchronousTestCase):
    def test_options(self) -> None:
        """
        C{--shutdown-notice} and C{--close-grace} reach the service and the
        line protocols' factories.
        """
        options = Options()
        options.parseOptions(
            ["--shutdown-notice", "Bye for now.", "--close-grace", "4", "--admin", "off"]
            + ["--data-dir", self.mktemp()]
        )
        memory = MemoryReactorClock()
        top = makeService(options, memory)
        top.startService()
        try:
            factories = [factory for _, factory, _, _ in memory.tcpServers]
            lines = [f for f in factories if isinstance(f, (TchatFactory, TalkFactory, IRCFactory))]
            self.assertEqual(len(lines), 3)
            self.assertEqual({f.closeGrace for f in lines}, {4.0})
            service = lines[0].service
            assert isinstance(service, ChatService)
            self.assertEqual((service.goodbye.notice, service.goodbye.grace), ("Bye for now.", 4.0))
        finally:
            top.stopService()
        with self.assertRaises(UsageError):
            Options().parseOptions(["--close-grace", "0"])
