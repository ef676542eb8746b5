# -*- test-case-name: tests.unit.cluster.test_cluster_redaction -*-
"""
A message deleted on one node (L{chatd.core.redaction}) over a shared
store: the deletion is checked and made there, relayed once (C{redact}),
and every other node tells its own connections that may show the message,
a room's members or the two people of a private conversation; nothing is
relayed for a refused deletion.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.events import Administrator, PrivateMessage, Redaction
from chatd.core.redaction import redact
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis


def redactions(person: RecordingParticipant) -> list[tuple[str, str, str | None]]:
    return [(e.msgid, e.by, e.room) for e in person.events if isinstance(e, Redaction)]


class RelayedRedactionTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()  # the shared database
        self.store.startService()
        checker = PasswordChecker(
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), runInThread=maybeDeferred
        )
        accounts = Accounts(self.store, self.clock, checker)
        self.a, self.b, self.c = (
            FakeNode(self, self.redis, name, True, store=self.store, accounts=accounts)
            for name in "abc"
        )
        for node in (self.a, self.b, self.c):
            node.start()
        self.settle()
        self.alice = self.a.user("alice", "lobby")
        self.bob = self.b.user("bob", "lobby")
        self.carol = self.c.user("carol")  # in no room
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def test_roomMessage(self) -> None:
        """
        alice (node A) deletes her room message: bob, on B, is told by B;
        carol, in no room, is not; the shared store has it no more.
        """
        said = self.a.service.say(self.alice, "lobby", ("oops",))
        self.settle()
        before = len(self.redis.kinds())
        self.successResultOf(redact(self.a.service, self.alice, "lobby", True, said.msgid))
        self.settle()
        self.assertEqual(self.redis.kinds()[before:], ["redact"] * 2)  # for B and for C
        self.assertEqual(redactions(self.alice), [])  # she has the answer
        self.assertEqual(redactions(self.bob), [(said.msgid, "alice", "lobby")])
        self.assertEqual(redactions(self.carol), [])
        self.assertIsNone(self.successResultOf(self.store.findMessage(said.msgid)))

    def test_administratorsPurge(self) -> None:
        """
        An administrator's C{purge} on node A deletes from the shared store,
        and bob on B is told of each deletion as the administrator's.
        """
        said = self.a.service.say(self.alice, "lobby", ("spam",))
        self.settle()
        purged = self.a.service.purgeMessages("alice", None, 0, "root")
        self.settle()
        self.assertEqual(1, self.successResultOf(purged).count)
        [event] = [e for e in self.bob.events if isinstance(e, Redaction)]
        self.assertEqual((said.msgid, "root"), (event.msgid, event.by))
        self.assertIsInstance(event.by, Administrator)
        self.assertIsNone(self.successResultOf(self.store.findMessage(said.msgid)))

    def test_timeToTheMillisecond(self) -> None:
        """
        The other nodes tell the deletion with its moment to the
        millisecond (IRC's C{server-time}), as the node where it was made.
        """
        said = self.a.service.say(self.alice, "lobby", ("oops",))
        self.clock.advance(0.25)
        self.successResultOf(redact(self.a.service, self.alice, "lobby", True, said.msgid))
        self.settle()
        [told] = [e for e in self.bob.events if isinstance(e, Redaction)]
        self.assertEqual(told.moment, self.clock.seconds())

    def test_refusedNotRelayed(self) -> None:
        """
        bob (node B) may not delete alice's message: nothing is relayed,
        nobody told.
        """
        said = self.a.service.say(self.alice, "lobby", ("mine",))
        self.settle()
        before = len(self.redis.kinds())
        self.failureResultOf(
            redact(self.b.service, self.bob, "lobby", True, said.msgid), errors.RedactForbidden
        )
        self.settle()
        self.assertEqual(self.redis.kinds()[before:], [])
        self.assertEqual(redactions(self.alice) + redactions(self.bob), [])

    def test_privateMessage(self) -> None:
        """
        alice (A) deletes what she told carol (C): carol is told by C; bob,
        on B and no party to it, is not.
        """
        relayed = self.a.service.tell(self.alice, "carol", ("psst",))
        assert not isinstance(relayed, PrivateMessage)  # carol is elsewhere: relayed
        self.settle()
        told = self.successResultOf(relayed)
        assert isinstance(told, PrivateMessage)
        self.assertIn(
            ("psst",), [e.lines for e in self.carol.events if isinstance(e, PrivateMessage)]
        )
        self.successResultOf(redact(self.a.service, self.alice, "carol", False, told.msgid))
        self.settle()
        self.assertEqual(redactions(self.carol), [(told.msgid, "alice", None)])
        self.assertEqual(redactions(self.alice), [])
        self.assertEqual(redactions(self.bob), [])
