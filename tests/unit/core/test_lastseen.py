"""
Tests for L{chatd.core.lastseen}: when an account's last connection
closes, here, the store keeps when (a stand-in's end, another node's
connection and a connection that stays write nothing; a stopping daemon
writes it for those connected, and every interval those connected are
written at once); an always-on account back is told what came
in a room it never marked read since then, across a restart too, or since
it entered the room if later, and nothing when when it left is not known;
after a daemon killed, since the last interval's write.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.absent import isAbsent
from chatd.core.alwayson import AlwaysOn, alwaysOnOf
from chatd.core.delivery import connectionsOf
from chatd.core.events import Notice
from chatd.core.lastseen import SEEN_EVERY
from chatd.testing import RecordingParticipant, settled
from tests.support.inlinesqlite import inlineSQLiteStore
from tests.support.persistencecase import PersistenceTestCase

NOW = 1_700_000_000_000


class LastSeenTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.successResultOf(self.service.configureRoom("Général", autojoin=False))
        self.registered("alice", "sesame")
        self.clock.advance(10)
        self.alice = self.login("alice", "sesame")
        self.settle(self.service.enter(self.alice, "Blabla"))
        self.bob = self.login("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))
        alwaysOn = alwaysOnOf(self.service)
        assert alwaysOn is not None
        self.alwaysOn: AlwaysOn = alwaysOn

    def settle(self, result: object) -> Any:
        value = self.successResultOf(settled(result))
        self.clock.advance(0)
        return value

    def seen(self, nick: str = "alice") -> int | None:
        value: int | None = self.successResultOf(self.store.lastSeen(nick))
        return value

    def goAway(self) -> None:
        """alice chooses always on, then closes her only connection."""
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))
        self.service.disconnect(self.alice, "closed")

    def notices(self, participant: RecordingParticipant) -> list[str]:
        return [event.text for event in participant.events if isinstance(event, Notice)]

    def restart(self) -> None:
        """A new service on the same store; bob is back in Blabla."""
        self.service.disconnect(self.bob, "restart")
        self.service.stopService()
        self.service = self.makeService()
        self.clock.advance(0)
        self.bob = self.login("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))

    def test_writtenWhenLastConnectionCloses(self) -> None:
        """
        The registration's connection closing wrote when; a connection
        closing while another stays writes nothing; the last one's does.
        """
        self.assertEqual(self.seen(), NOW)
        phone = self.login("alice", "sesame")
        self.clock.advance(5)
        self.service.disconnect(phone, "closed")
        self.assertEqual(self.seen(), NOW)
        self.clock.advance(2.5)
        self.service.disconnect(self.alice, "closed")
        self.assertEqual(self.seen(), NOW + 17_500)

    def test_standInEndWritesNothing(self) -> None:
        """
        The end of an always-on account's stand-in (an operator's kill) is
        not a connection leaving: when it was last connected stays.
        """
        self.goAway()
        self.clock.advance(60)
        [standIn] = connectionsOf(self.service.find("alice"))
        self.service.disconnect(standIn, "killed")
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.seen(), NOW + 10_000)

    def test_otherNodesConnectionWritesNothing(self) -> None:
        """
        In a cluster, the node that served the connection writes it: a
        connection of another node's leaving writes nothing here.
        """
        persistence = self.service.persistence
        assert persistence is not None
        persistence.isLocal = lambda participant: participant is not self.alice
        self.clock.advance(5)
        self.service.disconnect(self.alice, "closed")
        self.assertEqual(self.seen(), NOW)

    def test_writtenAtShutdown(self) -> None:
        """
        A stopping daemon closes every connection: those connected were
        last connected then.
        """
        self.clock.advance(3)
        self.service.stopService()
        self.assertEqual(self.seen(), NOW + 13_000)
        self.assertEqual(self.seen("bob"), None)  # a guest has no account

    def test_countedAcrossRestart(self) -> None:
        """
        What came while alice was away is counted from when she left, what
        came before a restart that put her back included.
        """
        self.service.say(self.bob, "Blabla", ("while there",))
        self.goAway()
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("one",))
        self.restart()
        self.assertTrue(isAbsent(self.service.find("alice")))
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("two",))
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.assertIn(
            "while you were away: 2 in Blabla new since you last read", self.notices(back)
        )

    def accept(self, nick: str) -> None:
        """An operator lets C{nick}, who asked, into the approval room Marketing."""
        persistence = self.service.persistence
        assert persistence is not None
        self.settle(Deferred.fromCoroutine(persistence.approvals.acceptPending("Marketing", nick)))

    def test_roomEnteredSinceCountedFromThere(self) -> None:
        """
        A room alice's account entered while she was away (an operator let
        her in) is counted from then, after a restart too: nothing said
        there before she entered.
        """
        for asking in (self.alice, self.bob):
            self.assertRaises(errors.PendingApproval, self.service.enter, asking, "Marketing")
            self.clock.advance(0)
        self.accept("bob")
        self.goAway()
        self.clock.advance(1)
        self.service.say(self.bob, "Marketing", ("before you were let in",))
        self.service.say(self.bob, "Blabla", ("one",))
        self.clock.advance(1)
        self.accept("alice")
        self.restart()
        self.assertRaises(errors.PendingApproval, self.service.enter, self.bob, "Marketing")
        self.accept("bob")  # (a guest's approval ends with it)
        self.clock.advance(1)
        self.service.say(self.bob, "Marketing", ("after",))
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.assertEqual(self.service.roomsOf(back), ["Blabla", "Marketing"])
        self.assertIn(
            "while you were away: 1 in Blabla, 1 in Marketing new since you last read",
            self.notices(back),
        )

    def test_acceptedWhileOfflineEnteredThen(self) -> None:
        """
        An account let into a room while none of its connections is open
        (not always on) is a member from then: the store keeps when, which
        its next login's entry does not move.
        """
        self.assertRaises(errors.PendingApproval, self.service.enter, self.alice, "Marketing")
        self.clock.advance(0)
        self.service.disconnect(self.alice, "closed")
        self.clock.advance(5)
        self.accept("alice")
        self.clock.advance(5)
        back = self.login("alice", "sesame")
        self.assertIn("Marketing", self.service.roomsOf(back))
        entered = self.successResultOf(self.store.enteredRooms("alice"))
        self.assertEqual(entered["rnarketlng"], NOW + 15_000)  # (the key of Marketing)

    def test_notKnownCountsNothing(self) -> None:
        """
        An always-on account never connected since it was made (here, made
        by an administrator; as any after the upgrade that keeps when)
        counts nothing in a room it never marked read.
        """
        self.successResultOf(self.service.createAccount("carol", "carolpw"))
        self.successResultOf(self.store.setAlwaysOn("carol", True))
        self.successResultOf(self.store.setMembership("carol", "Blabla", True))
        self.restart()
        self.assertTrue(isAbsent(self.service.find("carol")))
        self.service.say(self.bob, "Blabla", ("one",))
        back = self.login("carol", "carolpw")
        self.clock.advance(0)
        self.assertEqual(self.service.roomsOf(back), ["Blabla"])
        self.assertEqual(
            [text for text in self.notices(back) if text.startswith("while you were away")], []
        )


class WrittenWhileConnectedTests(LastSeenTests):
    """
    On the daemon's SQL store, every L{SEEN_EVERY} seconds the accounts
    connected here are written as seen then, in one write, so a daemon
    killed without its goodbyes counts as missed only what came after the
    last write.
    """

    def makeStore(self) -> Any:
        return inlineSQLiteStore(self.clock)

    def written(self) -> list[list[str]]:
        """The accounts of each write of last connections, from now on."""
        writes: list[list[str]] = []
        setLastSeen = self.store.setLastSeen

        def recording(nicks: list[str], millis: int) -> Deferred[None]:
            writes.append(list(nicks))
            return setLastSeen(nicks, millis)

        self.patch(self.store, "setLastSeen", recording)
        return writes

    def test_writtenEveryInterval(self) -> None:
        """
        The accounts connected here are written together once each
        interval; a guest has none, an account gone writes no more.
        """
        self.registered("carol", "carolpw")
        carol = self.login("carol", "carolpw")
        writes = self.written()
        self.clock.advance(SEEN_EVERY)
        self.assertEqual(writes, [["alice", "carol"]])
        self.assertEqual(self.seen(), self.clock.seconds() * 1000)
        self.service.disconnect(carol, "closed")
        self.clock.advance(SEEN_EVERY)
        self.assertEqual(writes[1:], [["carol"], ["alice"]])
        self.assertEqual(self.seen(), self.clock.seconds() * 1000)
        self.assertIsNone(self.seen("bob"))

    def test_countedAfterKilled(self) -> None:
        """
        A daemon killed while alice was connected says no goodbye: back
        after a restart, she is told of what came since the last write
        only, not since she last left.
        """
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("seen live",))
        self.clock.advance(SEEN_EVERY)
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("one",))
        persistence = self.service.persistence
        assert persistence is not None
        persistence.lastSeen.stop()  # killed: its connections never close
        self.service = self.makeService()
        self.clock.advance(0)
        self.assertTrue(isAbsent(self.service.find("alice")))
        self.bob = self.login("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("two",))
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.assertIn(
            "while you were away: 2 in Blabla new since you last read", self.notices(back)
        )
