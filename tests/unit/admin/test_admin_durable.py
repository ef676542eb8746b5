"""
Tests for L{chatd.core.writes} as the console uses it: a console command
is answered once what it did is in the moderation database, so a ban the
operator was told of survives a crash a moment later; a write that fails
is said in the reply.
"""

from __future__ import annotations

from typing import cast

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred, fail, maybeDeferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import LogLevel, capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.admin.outcome import NOT_STORED, STORED_LATER
from chatd.admin.shell import ConsoleLineProtocol
from chatd.core.errors import PendingApproval, StoreUnavailable
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.modstore import AuditEntry, MemoryModerationStore, Sanction
from chatd.storage.modsql import SQLModerationStore
from chatd.storage.sql import SQLChatStore
from tests.support.persistencecase import OutageStore, PersistenceTestCase

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


class OperationalError(Exception):
    """
    What psycopg raises while PostgreSQL is down.
    """


class DownPool:
    """
    A connection pool whose PostgreSQL server is stopped.
    """

    def runInteraction(self, *args: object) -> Deferred[None]:
        return fail(OperationalError("connection failed: connection refused"))


class OutageLogTests(SynchronousTestCase):
    """
    The console's writes while the database is down are logged as the
    store logs an outage: its first error with its traceback, then at
    most one line every C{--store-log-every}.
    """

    def test_consoleWritesLoggedAtBoundedRate(self) -> None:
        clock = Clock()
        pool = cast(adbapi.ConnectionPool, DownPool())
        service = ChatService(clock, rooms=["lobby"])
        service.moderation.store = SQLModerationStore(SQLChatStore(pool, clock, logEvery=60))
        console = AdminConsole(service, "root", lambda: None)
        with capturedLogs() as events:
            for n in range(8):  # 30 s, as a tester saw eight tracebacks
                reply = self.successResultOf(console.execute(f"ban eve{n} troll"))
                self.assertEqual(reply, f"banned eve{n} (not connected now)\n{NOT_STORED}")
                clock.advance(30 / 8)
            clock.advance(30)
            console.execute("ban late troll")  # a minute on: one line
        self.assertEqual(len(self.flushLoggedErrors(OperationalError)), 1)
        critical = [formatEvent(e) for e in events if e["log_level"] == LogLevel.critical]
        self.assertEqual(len(critical), 1, critical)
        self.assertIn("the chat database is unavailable: cannot save changes", critical[0])
        [later] = [formatEvent(e) for e in events if e["log_level"] == LogLevel.error]
        self.assertIn("still unavailable: cannot save changes: OperationalError: connection", later)
        self.assertNotIn("moderation store failed", "\n".join(map(formatEvent, events)))


class RoomWritesDuringOutageTests(PersistenceTestCase):
    """
    While the chat database cannot store rooms, a room made from the console
    or a topic set takes effect, and the console's reply says it is not
    stored yet, rather than "refused" for a change made anyway: it is
    stored once the database answers again.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.store = self.outage = OutageStore()
        self.store.startService()
        self.service = self.makeService(rooms=["lobby"])
        self.outage.down = {"saveRoom"}
        self.console = AdminConsole(self.service, "root", lambda: None)

    def run_(self, line: str) -> str:
        reply: str = self.successResultOf(self.console.execute(line))
        self.flushLoggedErrors(StoreUnavailable)
        return reply

    def test_consoleAddRoomAndTopic(self) -> None:
        self.assertEqual(f"created outroom\n{STORED_LATER}", self.run_("add room outroom"))
        self.assertIn("outroom", [name for name, _ in self.service.rooms()])
        self.assertEqual(f"topic of lobby set\n{STORED_LATER}", self.run_("topic lobby X"))
        self.assertEqual("X", self.service.registry.get("lobby").settings.topic)
        self.outage.down = set()
        self.assertEqual("topic of lobby set", self.run_("topic lobby Y"))

    def test_consoleRoomAndTopicStoredLater(self) -> None:
        """
        The room and the topic are stored once the database answers: a
        restart keeps both.
        """
        self.run_("add room outroom")
        self.run_("topic outroom made in the outage")
        self.outage.answersAgain()
        self.clock.advance(0)
        restarted = self.makeService()
        self.assertEqual("made in the outage", restarted.registry.get("outroom").settings.topic)

    def test_userTopicAndRoom(self) -> None:
        """
        A user's topic holds live too (their reply is not "try again later"
        for a change everyone already sees); a room they create is not
        made, and they are told to try again later: it would be gone after
        a restart, and nobody has seen it.
        """
        self.outage.down = set()
        self.registered("alice", "sesame-pw")
        alice = self.login("alice", "sesame-pw")
        self.assertEqual(
            "mine", self.successResultOf(maybeDeferred(self.service.createRoom, alice, "mine"))
        )
        self.outage.down = {"saveRoom"}
        self.failureResultOf(
            maybeDeferred(self.service.createRoom, alice, "other"), StoreUnavailable
        )
        self.assertIsNone(self.service.registry.find("other"))
        self.service.enter(alice, "mine")
        self.successResultOf(maybeDeferred(self.service.setTopic, alice, "mine", "hello"))
        self.flushLoggedErrors(StoreUnavailable)
        self.assertEqual("hello", self.service.registry.get("mine").settings.topic)

    def test_acceptPending(self) -> None:
        """
        C{accept pending} while the database cannot store it lets the user
        in all the same, and says it holds until a restart, rather than
        "try again later" for an acceptance that took effect.
        """
        self.outage.down = set()
        self.registered("alice", "sesame-pw")
        alice = self.login("alice", "sesame-pw")
        self.assertRaises(PendingApproval, self.service.enter, alice, "Marketing")
        self.outage.down = {"setAccess", "setMembership"}
        self.assertEqual(
            f"accepted alice in Marketing\n{NOT_STORED}",
            self.run_("accept pending alice Marketing"),
        )
        self.assertIn("Marketing", self.service.roomsOf(alice))
        self.service.disconnect(alice)
        self.assertRaises(PendingApproval, self.service.enter, self.login("bob"), "Marketing")
        self.assertEqual(
            f"accepted bob in Marketing (a guest: until they leave)\n{NOT_STORED}",
            self.run_("accept pending bob Marketing"),
        )

    def test_answerToARequestNotWritten(self) -> None:
        """
        A request made while the database could not store it, answered
        once it answers again: only this node lists it, so the answer is
        written as it is (not refused as a request the database no longer
        holds), and holds after a restart.
        """
        self.registered("alice", "sesame-pw")
        self.registered("carol", "sesame-pw")
        alice, carol = self.login("alice", "sesame-pw"), self.login("carol", "sesame-pw")
        self.outage.down = {"setAccess"}
        for who in (alice, carol):
            self.assertRaises(PendingApproval, self.service.enter, who, "Marketing")
        self.flushLoggedErrors(StoreUnavailable)
        self.outage.answersAgain()
        self.assertEqual("accepted alice in Marketing", self.run_("accept pending alice Marketing"))
        self.assertEqual(
            "refused carol's request to enter Marketing",
            self.run_("refuse pending carol Marketing no"),
        )
        self.assertIn("Marketing", self.service.roomsOf(alice))
        snapshot = self.successResultOf(self.store.load())
        self.assertEqual({key("alice"): ("alice", True)}, snapshot.access[key("marketing")])
