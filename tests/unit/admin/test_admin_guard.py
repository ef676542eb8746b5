"""
The admin consoles before login: a connection that does not log in within
C{--admin-login-timeout} is closed (telnet and SSH), and a stray C{IAC}
from a telnet client is dropped without a traceback, and an SSH client's
normal close is no error in the log; in memory, with a L{Clock} and
L{StringTransport}.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from twisted.conch.ssh.common import NS
from twisted.conch.ssh.connection import SSHConnection
from twisted.conch.ssh.keys import Key
from twisted.conch.ssh.transport import MSG_DISCONNECT
from twisted.conch.telnet import DO, DONT, ECHO, IAC, SB, SE
from twisted.cred.portal import Portal
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import Consoles
from chatd.admin.credentials import AdminChecker
from chatd.admin.ssh import consoleSSHFactory, withLoginDeadline
from chatd.admin.telnet import AdminTelnetFactory, ConsoleTelnetRealm
from chatd.core.service import ChatService
from tests.support.admincases import fakeVerify

ADDRESS = IPv4Address("TCP", "127.0.0.1", 5000)


class TelnetLoginTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.connect(fakeVerify)

    def connect(self, verifier: Callable[[Path, str, str], Any]) -> None:
        service = ChatService(self.clock, rooms=["lobby"])
        checker = AdminChecker(Path("unused"), self.clock, verifier=verifier)
        portal = Portal(ConsoleTelnetRealm(Consoles(service)), [checker])
        self.protocol = AdminTelnetFactory(portal, self.clock, 60).buildProtocol(ADDRESS)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def read(self) -> bytes:
        data: bytes = self.transport.value()
        self.transport.clear()
        return data

    def logIn(self) -> None:
        self.protocol.dataReceived(b"root\r\n")
        self.protocol.dataReceived(IAC + DO + ECHO)
        self.protocol.dataReceived(b"sesame\r\n")
        self.protocol.dataReceived(IAC + DONT + ECHO)

    def test_loginTimeout(self) -> None:
        """
        A connection still at the prompt after the timeout is told and
        closed, even while typing.
        """
        self.assertEqual(self.read(), b"Username: ")
        self.clock.advance(59)
        self.protocol.dataReceived(b"root\r\n")
        self.assertFalse(self.transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(self.read().endswith(b"Password: \r\nLogin timed out.\r\n"))  # one CRLF
        self.assertTrue(self.transport.disconnecting)

    def test_lateLogin(self) -> None:
        """
        A password whose check ends after the timeout (the checker's
        back-off) opens no console on the closed connection.
        """
        pending: Deferred[bool] = Deferred()
        self.connect(lambda path, name, password: pending)
        self.protocol.dataReceived(b"root\r\n")
        self.protocol.dataReceived(IAC + DO + ECHO)
        self.protocol.dataReceived(b"sesame\r\n")
        self.protocol.dataReceived(IAC + DONT + ECHO)
        self.clock.advance(60)
        self.assertTrue(self.transport.disconnecting)
        self.read()
        pending.callback(True)
        self.assertNotIn(b"You are root", self.read())
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_loggedInStays(self) -> None:
        """
        Once logged in, the console is not closed by the login timeout, and
        no timer is left when it closes.
        """
        self.logIn()
        self.clock.advance(3600)
        self.assertFalse(self.transport.disconnecting)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_quitKeepsTheScreen(self) -> None:
        """
        C{quit} closes the console without resetting the operator's
        terminal (C{ESC c} would clear what they just read), but turns its
        insert mode off again.
        """
        self.logIn()
        self.read()
        self.protocol.dataReceived(b"quit\r\n")
        self.assertTrue(self.transport.disconnecting)
        left = self.read()
        self.assertNotIn(b"\x1bc", left)
        self.assertIn(b"\x1b[4l", left)  # the insert mode set at the start, off again

    def test_closedBeforeLogin(self) -> None:
        """
        A connection closed at the prompt leaves no timer behind.
        """
        self.protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_strayIAC(self) -> None:
        """
        C{IAC} followed by a byte that is no telnet command (twisted.conch
        raises C{ValueError("Stumped")} for it) is dropped: nothing is
        logged as a failure (trial fails a test that logs one) and the
        prompt goes on.
        """
        self.read()
        self.protocol.dataReceived(b"ro" + IAC + b"A" + b"ot\r\n")
        self.protocol.dataReceived(IAC)
        self.protocol.dataReceived(b"\x07")
        self.assertIn(b"Password: ", self.read())
        self.assertFalse(self.transport.disconnecting)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_strayIACAfterLogin(self) -> None:
        """
        The same in the console, once logged in.
        """
        self.logIn()
        self.read()
        self.protocol.dataReceived(IAC + b"\x01" + b"help\r\n")
        self.assertFalse(self.transport.disconnecting)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_endlessSubnegotiation(self) -> None:
        """
        A subnegotiation without end (C{IAC SB} past 4 KiB without C{IAC SE})
        at the prompt is told before the connection closes; nothing after
        it is read.
        """
        self.read()
        self.protocol.dataReceived(IAC + SB + b"x" * 3000)
        self.protocol.dataReceived(b"y" * 3000 + b"root\r\n")
        self.assertEqual(
            self.read(), b"\r\nYou sent telnet commands without end: disconnecting.\r\n"
        )
        self.assertTrue(self.transport.disconnecting)
        self.protocol.dataReceived(IAC + SE + b"root\r\n")
        self.assertEqual(self.read(), b"")

    def test_endlessSubnegotiationAfterLogin(self) -> None:
        """
        The same in the console, once logged in.
        """
        self.logIn()
        self.read()
        self.protocol.dataReceived(IAC + SB + b"x" * 5000)
        self.assertIn(b"You sent telnet commands without end: disconnecting.\r\n", self.read())
        self.assertTrue(self.transport.disconnecting)


class SSHLoginTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        service = ChatService(self.clock, rooms=["lobby"])
        checker = AdminChecker(Path("unused"), self.clock, verifier=fakeVerify)
        key = Key(Ed25519PrivateKey.generate())
        factory = consoleSSHFactory(Consoles(service), [checker], key, self.clock)
        withLoginDeadline(factory, self.clock, 60)
        factory.startFactory()
        self.addCleanup(factory.stopFactory)
        self.protocol = factory.buildProtocol(ADDRESS)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def test_loginTimeout(self) -> None:
        """
        A client that has not logged in after the timeout (here: not even
        exchanged keys) is disconnected with a message.
        """
        self.assertTrue(self.transport.value().startswith(b"SSH-2.0-"))
        self.clock.advance(59)
        self.assertFalse(self.transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(self.transport.disconnecting)
        self.protocol.connectionLost(None)

    def disconnect(self, code: int, why: bytes) -> list[dict[str, Any]]:
        """
        The client says it closes the connection (C{SSH_MSG_DISCONNECT} with
        C{code}, after its version line, before any key exchange); the
        events logged.
        """
        payload = bytes([MSG_DISCONNECT]) + struct.pack(">L", code) + NS(why) + NS(b"")
        padding = 8 - (len(payload) + 5) % 8 + 8
        packet = struct.pack(">LB", len(payload) + padding + 1, padding) + payload
        with capturedLogs() as events:
            self.protocol.dataReceived(b"SSH-2.0-client\r\n" + packet + b"\0" * padding)
        self.assertTrue(self.transport.disconnecting)
        return list(events)

    def test_clientClosesNormally(self) -> None:
        """
        A client's ordinary close (C{DISCONNECT_BY_APPLICATION}, 11) is
        logged at info level, not as an error.
        """
        events = self.disconnect(11, b"disconnected by user")
        self.assertEqual([e for e in events if e["log_level"] > LogLevel.info], [])
        self.assertIn("SSH client closed the connection", "\n".join(map(formatEvent, events)))

    def test_clientProtocolError(self) -> None:
        """
        Any other reason a client gives (here a protocol error, 2) is
        logged as an error.
        """
        events = self.disconnect(2, b"bad packet")
        [error] = [e for e in events if e["log_level"] == LogLevel.error]
        self.assertIn("code 2", formatEvent(error))

    def test_authenticatedStays(self) -> None:
        """
        Once authenticated (the connection service started), the deadline
        is gone.
        """
        self.protocol.setService(SSHConnection())
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(3600)
        self.assertFalse(self.transport.disconnecting)
