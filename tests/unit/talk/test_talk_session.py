"""
Tests for L{chatd.talk.protocol}: sessions ending (quit, kill, drops), robustness
against what users can send, and the C{--talk} options.
"""

from __future__ import annotations

from typing import Any

from twisted.conch import telnet
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.testing import MemoryReactorClock
from twisted.python.failure import Failure
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.options import Options
from chatd.talk.commands import helpText
from chatd.talk.protocol import TalkFactory
from chatd.tap import makeService
from chatd.tchat import TchatFactory
from tests.support.protocolcases import TalkTestCase


class SessionTests(TalkTestCase):
    def test_quit(self) -> None:
        """
        C{/quit} and C{/exit} say goodbye, tell the rooms at once (with the
        message, if any) and close the connection cleanly.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        carol, tc = self.connect("carol")
        self.read(ta)
        self.read(tb)
        self.assertEqual(self.send(bob, tb, "/quit see you"), b"*** Goodbye, bob!\r\n")
        self.assertTrue(tb.disconnecting)
        self.assertEqual(self.read(ta), b"*** bob has left lobby (quit: see you)\r\n")
        self.read(tc)
        self.assertEqual(self.send(carol, tc, "/EXIT", "ignored"), b"*** Goodbye, carol!\r\n")
        self.assertEqual(self.read(ta), b"*** carol has left lobby (quit)\r\n")
        bob.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.read(ta), b"")
        self.assertIsNone(self.service.find("bob"))

    def test_quitWhileMuted(self) -> None:
        """
        A muted person's C{/quit} words reach nobody (as on IRC): the room
        hears only that they quit.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.service.moderation.mute("bob", 600, "spam", "root")
        self.send(bob, tb, "/quit BUY CHEAP STUFF")
        self.assertEqual(self.read(ta), b"*** bob has left lobby (quit)\r\n")

    def test_abruptDisconnect(self) -> None:
        """
        A connection that drops on an error and one the client closes both
        tell the room the connection closed, as on every front-end.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        carol, tc = self.connect("carol")
        self.read(ta)
        bob.connectionLost(Failure(ConnectionLost()))
        self.assertEqual(self.read(ta), b"*** bob has left lobby (connection closed)\r\n")
        carol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.read(ta), b"*** carol has left lobby (connection closed)\r\n")

    def test_kill(self) -> None:
        """
        An operator's C{/kill} disconnects the person with the reason, the
        room is told; anyone else is refused, bad arguments get the usage.
        """
        moder, tr = self.connect("moder")
        self.service.grantOperator(moder)
        bob, tb = self.connect("bob")
        alice, ta = self.connect("alice")
        self.read(tr)
        self.read(tb)
        self.assertEqual(
            self.send(alice, ta, "/kill bob"), b"*** Sorry, only operators may do that.\r\n"
        )
        self.assertEqual(self.send(moder, tr, "/kill"), b"*** Usage: /kill <nick> [reason]\r\n")
        self.assertEqual(
            self.send(moder, tr, "/kill nobody"), b"*** Sorry, no such user is connected.\r\n"
        )
        self.assertEqual(
            self.send(moder, tr, "/kill bob  stop spamming"),
            b"*** bob has left lobby (kicked by moder: stop spamming)\r\n"
            b"*** bob has been disconnected.\r\n",
        )
        self.assertEqual(
            self.read(tb),
            b"*** You have been disconnected: kicked by moder: stop spamming.\r\n",
        )
        self.assertTrue(tb.disconnecting)
        self.assertEqual(
            self.read(ta), b"*** bob has left lobby (kicked by moder: stop spamming)\r\n"
        )
        bob.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.read(ta), b"")

    def test_unknownCommand(self) -> None:
        """
        An unknown command is named back with a pointer to /help.
        """
        alice, ta = self.connect("alice")
        self.assertEqual(
            self.send(alice, ta, "/frobnicate now"),
            b"*** Unknown command /frobnicate; type /help for the list.\r\n",
        )
        self.assertEqual(
            self.send(alice, ta, "/"), b"*** Unknown command /; type /help for the list.\r\n"
        )
        self.assertEqual(self.send(alice, ta, "/HELP"), helpText())

    def test_serverNotice(self) -> None:
        """
        Announcements are marked as coming from the server.
        """
        alice, ta = self.connect("alice")
        self.service.announce("restart at noon\x1b]0;pwned\x07")
        self.assertEqual(self.read(ta), b"*** Server notice: restart at noon]0;pwned\r\n")


class RobustnessTests(TalkTestCase):
    def test_overlongLine(self) -> None:
        """
        A line over the limit is refused with a notice; the connection stays
        usable and the next line works.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.read(tb)
        seen = self.send(alice, ta, "x" * 500, "short")
        self.assertEqual(
            seen,
            b"*** Your line was too long and was ignored: a line is at most 100 bytes of UTF-8"
            b" (100 ASCII characters, 33 Chinese or Japanese ones).\r\n",
        )
        self.assertEqual(self.read(tb), b"[lobby] <alice> short\r\n")

    def test_invalidUTF8(self) -> None:
        """
        Bytes that are not UTF-8 are refused with a hint, and nothing is said.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.read(tb)
        alice.dataReceived(b"caf\xe9\r\n" + telnet.IAC + telnet.IAC + b"\r\n")
        self.assertEqual(
            self.read(ta),
            b"*** Your line was not valid UTF-8 and was ignored; please set your terminal"
            b" to UTF-8.\r\n" * 2,
        )
        self.assertEqual(self.read(tb), b"")

    def test_flood(self) -> None:
        """
        A client that sends far more than the flood limit allows is told and
        disconnected; the room hears why.
        """
        self.factory = TalkFactory(
            self.service, self.clock, floodBurst=5, floodRate=1.0, floodBacklog=200
        )
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        alice.dataReceived(b"spam spam spam\r\n" * 50)
        self.assertIn(b"*** You are sending too fast: disconnecting.\r\n", self.read(ta))
        self.assertTrue(ta.disconnecting)
        alice.connectionLost(Failure(ConnectionDone()))
        self.assertIn(b"*** alice has left lobby (flooding)\r\n", self.read(tb))

    def test_slowReader(self) -> None:
        """
        A reader that lets too much output pile up is cut off without
        affecting anyone else.
        """
        self.factory.maxOutput = 2000
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        bob.outbox.pauseProducing()  # type: ignore[union-attr]
        for n in range(100):
            self.send(alice, ta, f"message number {n}")
        self.assertTrue(tb.disconnected)
        self.assertFalse(ta.disconnecting)
        bob.connectionLost(Failure(ConnectionLost()))
        self.assertIn(b"bob has left lobby (too slow reading", self.read(ta))

    def test_internalError(self) -> None:
        """
        An unexpected exception is logged, the person gets a notice and the
        connection keeps working.
        """
        alice, ta = self.connect("alice")

        def broken() -> None:
            raise RuntimeError("boom")

        self.patch(self.service, "users", broken)
        self.assertEqual(
            self.send(alice, ta, "/list"),
            b"*** Sorry, something went wrong on the server. Please try again.\r\n",
        )
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertEqual(self.send(alice, ta, "/who"), b"*** In lobby (1): alice\r\n")

    def test_pendingServiceCall(self) -> None:
        """
        While the service answers slowly, later lines wait, so replies keep
        the order of the lines.
        """
        alice, ta = self.connect("alice")
        slow: Deferred[None] = Deferred()
        self.service.tell = lambda *args: slow  # type: ignore[method-assign]
        self.assertEqual(self.send(alice, ta, "/pm bob hi", "/who"), b"")
        slow.errback(Failure(errors.NoSuchUser()))
        self.assertEqual(
            self.read(ta),
            b"*** Sorry, no such user is connected.\r\n*** In lobby (1): alice\r\n",
        )

    def test_encodedOnce(self) -> None:
        """
        A room message is encoded once for all its talk-mode recipients.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        carol, tc = self.connect("carol")
        self.read(tb)
        self.read(tc)
        self.send(alice, ta, "hi all")
        self.assertEqual(self.read(tb), self.read(tc))


class TapTests(SynchronousTestCase):
    def listeners(self, *args: str) -> dict[type, tuple[int, Any, int, str]]:
        options = Options()
        options.parseOptions([*args, "--data-dir", self.mktemp()])
        memory = MemoryReactorClock()
        top = makeService(options, memory)
        top.startService()
        self.addCleanup(top.stopService)
        return {
            type(factory): (port, factory, backlog, interface)
            for port, factory, backlog, interface in memory.tcpServers
        }

    def test_defaultListener(self) -> None:
        """
        Talk mode listens on port 2323 by default, with the same service as
        TCHAT, the shared limits, the default room C{lobby} and its own
        liveness probe every 60 s (C{--talk-alive-after}; 0: off).
        """
        servers = self.listeners("--max-line-length", "200")
        port, talk, _, interface = servers[TalkFactory]
        self.assertEqual((port, interface), (2323, ""))
        self.assertIs(talk.service, servers[TchatFactory][1].service)
        self.assertEqual(
            (talk.defaultRoom, talk.maxLineLength, talk.aliveAfter), ("lobby", 200, 60.0)
        )
        servers = self.listeners("--talk-alive-after", "0")
        self.assertIsNone(servers[TalkFactory][1].aliveAfter)

    def test_endpointAndRoom(self) -> None:
        """
        C{--talk} takes an endpoint string or a bare port; C{--default-room}
        names the landing room; an empty C{--talk} switches talk mode off.
        """
        servers = self.listeners(
            "--talk", "tcp:4000:interface=127.0.0.1", "--default-room", "Accueil"
        )
        port, talk, _, interface = servers[TalkFactory]
        self.assertEqual((port, interface, talk.defaultRoom), (4000, "127.0.0.1", "Accueil"))
        self.assertEqual(self.listeners("--talk", "4001")[TalkFactory][0], 4001)
        self.assertNotIn(TalkFactory, self.listeners("--talk", ""))

    def test_badDefaultRoom(self) -> None:
        """
        An invalid C{--default-room} is refused when the daemon starts.
        """
        with self.assertRaises(UsageError) as caught:
            Options().parseOptions(["--default-room", "my room"])
        self.assertIn("a room name is 1 to 49 letters", str(caught.exception))
