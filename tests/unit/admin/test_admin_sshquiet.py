"""
Tests for L{chatd.admin.sshquiet}: a one-shot command on the SSH console,
driven through the console's own connection service and transport as a
client's packets drive them, logs the audit line of what it did and none
of Conch's lines about the session (its channel opened and closed, its
exit code, the connection's end); the client still gets the exit status
and the close.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from twisted.conch.interfaces import IConchUser
from twisted.conch.ssh import connection
from twisted.conch.ssh.address import SSHTransportAddress
from twisted.conch.ssh.common import NS
from twisted.conch.ssh.transport import DISCONNECT_BY_APPLICATION
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.logger import LogEvent, LogLevel, capturedLogs, formatEvent
from twisted.python.failure import Failure

from chatd.admin.commands import AdminConsole
from chatd.admin.ssh import ConsoleSSHRealm, ConsoleTransport, DeadlineTransport
from chatd.admin.sshquiet import ConsoleConnection
from tests.support.admincases import AccountsTestCase


def informative(events: Sequence[LogEvent]) -> list[str]:
    """
    The text of C{events} the daemon logs at its default level (info).
    """
    return [formatEvent(e) for e in events if e["log_level"] != LogLevel.debug]


class PacketTransport:
    """
    The SSH transport under the connection service: the packets it was
    asked to send, the avatar logged in, the client's address.
    """

    def __init__(self, avatar: Any) -> None:
        self.avatar = avatar
        self.packets: list[int] = []
        self.data = b""
        self.transport = self

    def sendPacket(self, kind: int, payload: bytes) -> None:
        self.packets.append(kind)
        if kind == connection.MSG_CHANNEL_DATA:
            self.data += payload

    def getPeer(self) -> SSHTransportAddress:
        return SSHTransportAddress(IPv4Address("TCP", "127.0.0.1", 50022))


class OneShotLogTests(AccountsTestCase):
    def oneShot(self, *lines: bytes) -> tuple[list[str], PacketTransport]:
        """
        What running C{lines} as root through the console's SSH connection
        service logs at info level and above (the daemon's default), and
        the packets it sends: the client opens a session channel, asks to
        exec each of C{lines}, and closes the channel once it is done.
        """
        service = ConsoleConnection()

        def makeConsole(name: str) -> AdminConsole:
            return AdminConsole(self.service, name, lambda: None)

        user = ConsoleSSHRealm(makeConsole, self.clock).requestAvatar(b"root", None, IConchUser)[1]
        transport = PacketTransport(user)
        service.transport = transport  # type: ignore[assignment]
        with capturedLogs() as events:
            service.ssh_CHANNEL_OPEN(NS(b"session") + struct.pack(">3L", 0, 1 << 20, 1 << 15))
            [channel] = service.channels.values()
            for line in lines:
                request = struct.pack(">L", channel.id) + NS(b"exec") + b"\1" + NS(line)
                service.ssh_CHANNEL_REQUEST(request)
            self.clock.advance(0)
            service.ssh_CHANNEL_CLOSE(struct.pack(">L", channel.id))
        return informative(events), transport

    def ended(self, transport: DeadlineTransport) -> list[str]:
        """
        What an SSH connection logs when its client closes it as it should.
        """
        with capturedLogs() as events:
            transport.receiveError(DISCONNECT_BY_APPLICATION, b"disconnected by user")
            transport.connectionLost(Failure(ConnectionDone()))
        return informative(events)

    def test_oneShotCommand(self) -> None:
        """
        C{add account pupil100 Pw}: the audit line alone; the client gets the
        open's confirmation, the exec's success, the reply, the exit
        status and the close.
        """
        logged, sent = self.oneShot(b"add account pupil100 Pupil-100-pw")
        self.assertEqual(logged, ["admin root: add account pupil100"])
        self.assertIn(b"account pupil100 created", sent.data)
        self.assertEqual(
            sent.packets,
            [
                connection.MSG_CHANNEL_OPEN_CONFIRMATION,
                connection.MSG_CHANNEL_SUCCESS,
                connection.MSG_CHANNEL_DATA,
                connection.MSG_CHANNEL_REQUEST,  # exit-status
                connection.MSG_CHANNEL_CLOSE,
            ],
        )

    def test_refusedCommand(self) -> None:
        """
        A refused command: its reply and exit status 1, and no line.
        """
        logged, sent = self.oneShot(b"unban nobody")
        self.assertEqual(logged, [])
        self.assertIn(b"nobody is not banned", sent.data)
        self.assertIn(connection.MSG_CHANNEL_CLOSE, sent.packets)

    def test_connectionEnd(self) -> None:
        """
        The console's connection ending as it should logs nothing; the
        manhole's still logs Conch's lines.
        """
        self.assertEqual(self.ended(ConsoleTransport()), [])
        self.assertEqual(
            self.ended(DeadlineTransport()), ["SSH client closed the connection", "connection lost"]
        )

    def test_otherLinesKept(self) -> None:
        """
        Lines other than the session's chatter still reach the log: a
        second command asked on one session is refused with an error.
        """
        logged, _ = self.oneShot(b"rooms", b"stats")
        self.assertEqual(logged, ["a second shell or command asked on one SSH session: refused"])
