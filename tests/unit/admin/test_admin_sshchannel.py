"""
Tests for L{chatd.admin.ssh.ConsoleChannel}, the SSH console's session
channel, driven as Conch's connection drives it: a command on the ssh
command line never reaches the log (it may end with a password), and
what the client sends on its standard input is dropped while the reply,
the exit status and the close go out in that order.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from twisted.conch.interfaces import IConchUser
from twisted.conch.ssh.address import SSHTransportAddress
from twisted.conch.ssh.common import NS
from twisted.internet.address import IPv4Address
from twisted.logger import LogEvent, capturedLogs, formatEvent

from chatd.admin.commands import AdminConsole
from chatd.admin.ssh import ConsoleChannel, ConsoleSSHRealm
from tests.support.admincases import AccountsTestCase

PASSWORD = "Pupil-100-pw"


class PeerTransport:
    """
    The SSH transport under a connection, as far as a session asks it.
    """

    def getPeer(self) -> SSHTransportAddress:
        return SSHTransportAddress(IPv4Address("TCP", "127.0.0.1", 50022))


class RecordingConnection:
    """
    The SSH connection a session channel writes to: what it was asked to
    send, in order.
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.transport = PeerTransport()

    def sendData(self, channel: object, data: bytes) -> None:
        self.sent.append(("data", data))

    def sendExtendedData(self, channel: object, dataType: int, data: bytes) -> None:
        self.sent.append(("stderr", data))

    def sendRequest(
        self, channel: object, requestType: bytes, data: bytes, wantReply: int = 0
    ) -> None:
        self.sent.append((requestType.decode(), data))

    def sendEOF(self, channel: object) -> None:
        self.sent.append(("eof", b""))

    def sendClose(self, channel: object) -> None:
        self.sent.append(("close", b""))


class ConsoleChannelTests(AccountsTestCase):
    def channel(self) -> tuple[ConsoleChannel, RecordingConnection]:
        """
        A session channel of root's, open on a recording connection.
        """

        def makeConsole(name: str) -> AdminConsole:
            return AdminConsole(self.service, name, lambda: None)

        realm = ConsoleSSHRealm(makeConsole, self.clock)
        user = realm.requestAvatar(b"root", None, IConchUser)[1]
        connection = RecordingConnection()
        channel: Any = user.channelLookup[b"session"](
            remoteWindow=1 << 20, remoteMaxPacket=1 << 15, conn=connection, avatar=user
        )
        self.assertIsInstance(channel, ConsoleChannel)
        channel.channelOpen(b"")
        return channel, connection

    def logged(self, events: Sequence[LogEvent]) -> str:
        return "\n".join(f"{formatEvent(e)} {e!r}" for e in events)

    def test_commandNotLogged(self) -> None:
        """
        A command given on the ssh command line, with the password it ends
        with, appears in no log event (text or field), from the request to
        the close; the account is made, and audited without it.
        """
        channel, connection = self.channel()
        with capturedLogs() as events:
            self.assertTrue(channel.request_exec(NS(f"add account pupil100 {PASSWORD}".encode())))
            self.clock.advance(0)
        self.assertIn(("exit-status", struct.pack(">L", 0)), connection.sent)
        logged = self.logged(events)
        self.assertNotIn(PASSWORD, logged)
        self.assertIn("admin root: add account pupil100", logged)  # the audit's line

    def test_inputDropped(self) -> None:
        """
        What the client sends on standard input before the command is done
        and once it is (C{echo x | ssh ... ban bob spam}), and its end of
        input, are dropped: the reply, then exit status 0, then the close.
        """
        channel, connection = self.channel()
        with capturedLogs() as events:
            channel.request_exec(NS(b"rooms"))
            channel.dataReceived(b"x\n")
            channel.eofReceived()
            self.clock.advance(0)
            channel.dataReceived(b"more\n")
        kinds = [kind for kind, data in connection.sent]
        self.assertEqual(kinds, ["data", "exit-status", "close"], connection.sent)
        self.assertIn(b"lobby", connection.sent[0][1])
        self.assertEqual(connection.sent[1][1], struct.pack(">L", 0))
        self.assertEqual([e for e in events if e["log_level"].name in ("error", "critical")], [])

    def test_refusedWithInput(self) -> None:
        """
        A refused command with input on standard input: its reply, then
        exit status 1, then the close.
        """
        channel, connection = self.channel()
        channel.request_exec(NS(b"unban nobody"))
        channel.dataReceived(b"x\n")
        self.clock.advance(0)
        self.assertEqual([kind for kind, data in connection.sent], ["data", "exit-status", "close"])
        self.assertEqual(connection.sent[1][1], struct.pack(">L", 1))
