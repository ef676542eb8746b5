# -*- test-case-name: tests.unit.admin.test_admin_sshexec -*-
"""
Tests for one command given on the ssh command line
(L{chatd.admin.ssh.ConsoleSession.execCommand}): run after the exec
request is answered, with an exit status scripts can test.
"""

from __future__ import annotations

from twisted.conch.ssh.address import SSHTransportAddress
from twisted.internet.address import IPv4Address
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.admin.ssh import ConsoleSession
from chatd.core.service import ChatService


class RecordingProcess:
    """
    What conch's session gives C{execCommand}: written output and how the
    "process" ended.
    """

    def __init__(self) -> None:
        self.written = b""
        self.ended: Failure | None = None
        self.input: object = None

    def makeConnection(self, transport: object) -> None:
        self.input = transport

    def write(self, data: bytes) -> None:
        self.written += data

    def processEnded(self, reason: Failure) -> None:
        self.ended = reason

    def getPeer(self) -> SSHTransportAddress:
        return SSHTransportAddress(IPv4Address("TCP", "198.51.100.7", 50022))


class ExecTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        service = ChatService(self.clock, rooms=["lobby"])
        self.session = ConsoleSession(object())
        self.session.console = AdminConsole(service, "root", lambda: None)
        self.session.clock = self.clock

    def run_(self, line: bytes) -> RecordingProcess:
        process = RecordingProcess()
        self.session.execCommand(process, line)
        # Nothing yet: conch answers the exec request when this returns.
        self.assertEqual((process.written, process.ended), (b"", None))
        self.clock.advance(0)
        return process

    def test_done(self) -> None:
        """
        A command that is done: its reply, then exit status 0.
        """
        process = self.run_(b"rooms")
        self.assertIn(b"lobby", process.written)
        assert process.ended is not None
        self.assertIsInstance(process.ended.value, ProcessDone)

    def test_refused(self) -> None:
        """
        An unknown command, a usage line or a refusal: the reply, then
        exit status 1.
        """
        for line, reply in (
            (b"frob", b"unknown command 'frob'; try: help\n"),
            (b"kick", b"usage: kick <username> <timeout> <reason>\n"),
            (b"kick bob 10m", b"usage: kick <username> <timeout> <reason>\n"),
        ):
            process = self.run_(line)
            self.assertEqual(process.written, reply)
            assert process.ended is not None
            ended = process.ended.value
            assert isinstance(ended, ProcessTerminated)
            self.assertEqual(ended.exitCode, 1)

    def test_ownAddress(self) -> None:
        """
        The console knows the SSH client's address: a ban covering it needs
        C{--force}.
        """
        process = self.run_(b"ban ip 198.51.100.0/24 lab")
        self.assertEqual(
            b"refused: 198.51.100.0/24 covers your own address (198.51.100.7): repeat with"
            b" --force to ban it all the same\n",
            process.written,
        )
