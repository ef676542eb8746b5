"""
Tests for L{chatd.core.writes} as the console uses it: a console command
is answered once what it did is in the moderation database, so a ban the
operator was told of survives a crash a moment later; a write that fails
is said in the reply.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.admin.outcome import NOT_STORED
from chatd.admin.shell import ConsoleLineProtocol
from chatd.core.service import ChatService
from chatd.modstore import AuditEntry, MemoryModerationStore, Sanction

PROMPT = "chatd> "


class SlowStore(MemoryModerationStore):
    """
    A moderation store whose writes end when the test says.
    """

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[Deferred[None]] = []

    def _write(self) -> Deferred[None]:
        self.writes.append(Deferred())
        return self.writes[-1]

    def saveSanction(self, sanction: Sanction) -> Deferred[None]:
        super().saveSanction(sanction)
        return self._write()

    def deleteSanction(self, kind: str, target: str) -> Deferred[None]:
        super().deleteSanction(kind, target)
        return self._write()

    def addAudit(self, entry: AuditEntry) -> Deferred[None]:
        super().addAudit(entry)
        return self._write()


class DurableRepliesTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.store = SlowStore()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.service.moderation.store = self.store
        self.protocol = ConsoleLineProtocol(AdminConsole(self.service, "root", lambda: None))
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.transport.clear()

    def typed(self, line: str) -> str:
        self.protocol.dataReceived(line.encode() + b"\n")
        return self.reply()

    def reply(self) -> str:
        text: str = self.transport.value().decode()
        self.transport.clear()
        return text

    def test_answeredOnceStored(self) -> None:
        """
        C{ban}, C{unban}, C{kick}, C{mute} and C{op} are answered only once
        their sanction and their audit line are written.
        """
        for line, answer in [
            ("ban eve troll", "banned eve (not connected now)"),
            ("unban eve", "unbanned eve"),
            ("mute eve 10m shouting", "muted eve for 10m"),
            ("kick eve 10m spam", "kicked eve for 10m"),
            ("op eve", "eve is now an operator"),
        ]:
            self.assertEqual(self.typed(line), "", line)
            while self.store.writes:
                self.assertEqual(self.reply(), "", line)
                self.store.writes.pop(0).callback(None)
            self.assertTrue(self.reply().startswith(answer), line)

    def test_failedWriteSaid(self) -> None:
        """
        A write that fails is logged, and the reply says the change holds
        only until a restart; the console goes on.
        """
        self.typed("ban eve troll")
        self.store.writes.pop(0).errback(Failure(OSError("disk full")))
        self.store.writes.pop(0).callback(None)
        self.assertEqual(self.reply(), f"banned eve (not connected now)\n{NOT_STORED}\n{PROMPT}")
        self.assertEqual(len(self.flushLoggedErrors(OSError)), 1)
        self.assertTrue(self.typed("rooms").startswith("room "))
