# -*- test-case-name: tests.unit.core.test_roomremoval -*-
"""
Deleting a room (L{chatd.core.roomremoval}): its members are taken out and
told, it leaves the room lists, its settings, requests, invitations and
stored history go, it stays gone after a restart, and a room made later
under the name starts fresh; entries and acceptances under way when it
goes leave nothing behind.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.absent import isAbsent
from chatd.core.alwayson import alwaysOnOf
from chatd.core.events import KICK, Administrator, Membership, Notice
from chatd.core.roomremoval import Deleted, RoomDeleted
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class SlowAccess(Deferred[None]):
    """A request's write to the store that has not ended yet."""


class RoomRemovalTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.successResultOf(self.service.configureRoom("Général", autojoin=False))
        self.registered("alice", "sesame")
        self.alice = self.login("alice", "sesame")
        self.settle(self.service.enter(self.alice, "Blabla"))
        self.bob = self.login("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))

    def settle(self, result: object) -> Any:
        value = self.successResultOf(settled(result))
        self.clock.advance(0)
        return value

    def stored(self) -> bool:
        persistence = self.service.persistence
        assert persistence is not None
        stored: bool = self.successResultOf(persistence.writes.settled())
        return stored

    def removals(self, participant: RecordingParticipant) -> list[tuple[str, str, str, str]]:
        return [
            (e.room, e.nick, e.by, e.reason)
            for e in participant.events
            if isinstance(e, Membership) and e.kind == KICK
        ]

    def test_membersRemovedAndTold(self) -> None:
        """
        Each member is taken out and every member is told, as by a kick
        from the administrator with the reason; the room leaves the room
        list and nobody's rooms.
        """
        deleted = self.service.deleteRoom("BLABLA", "root", "spam")
        self.assertEqual(deleted, Deleted("Blabla", 2, ()))
        told = [("Blabla", "alice", "root", "room deleted: spam")]
        told.append(("Blabla", "bob", "root", "room deleted: spam"))
        self.assertEqual(self.removals(self.alice), told[:1])  # out first
        self.assertEqual(self.removals(self.bob), told)
        self.assertEqual(self.deletions(self.bob), ["spam", "spam"])  # a deletion, not a kick
        self.assertNotIn("Blabla", [name for name, _ in self.service.rooms()])
        self.assertEqual(self.service.roomsOf(self.alice), [])
        self.assertEqual(self.service.roomsOf(self.bob), [])
        self.assertRaises(errors.NoSuchGroup, self.service.enter, self.bob, "Blabla")
        self.assertTrue(self.stored())

    def test_waitingTold(self) -> None:
        """
        Someone waiting to enter an approval room that is deleted is told
        their request is over, with who deleted it and why.
        """
        carol = self.login("carol")
        self.assertRaises(errors.PendingApproval, self.service.enter, carol, "Marketing")
        self.service.deleteRoom("Marketing", Administrator("root"), "closed")
        told = [e.text for e in carol.events if isinstance(e, Notice)]
        self.assertIn(
            "Marketing was deleted by the administrator root (closed): your request to enter it"
            " is over",
            told,
        )

    def test_reasonOptional(self) -> None:
        """
        Without a reason, members read only that the room was deleted.
        """
        self.service.deleteRoom("Blabla", "root")
        self.assertEqual(self.removals(self.alice), [("Blabla", "alice", "root", "room deleted")])
        self.assertEqual(self.deletions(self.alice), [""])

    def deletions(self, participant: RecordingParticipant) -> list[str]:
        """The administrator's reasons of the deletions C{participant} was told of."""
        return [e.deletion for e in participant.events if isinstance(e, RoomDeleted)]

    def test_refusals(self) -> None:
        """
        An invalid room name, an unknown room and a reason too long are
        refused, and nothing changes.
        """
        self.assertRaises(errors.InvalidGroup, self.service.deleteRoom, "bad name", "root")
        self.assertRaises(errors.InvalidGroup, self.service.deleteRoom, "x" * 100, "root")
        self.assertRaises(errors.NoSuchGroup, self.service.deleteRoom, "nowhere", "root")
        self.assertRaises(
            errors.InvalidArgument, self.service.deleteRoom, "Blabla", "root", "x" * 400
        )
        self.assertEqual(self.service.roomsOf(self.bob), ["Blabla"])
        self.assertEqual(self.removals(self.bob), [])

    def test_storeForgets(self) -> None:
        """
        The store forgets the room, its memberships and its messages: a
        restart does not bring it back, and alice's stored rooms no longer
        name it.
        """
        self.service.say(self.alice, "Blabla", ("hello",))
        self.service.deleteRoom("Blabla", "root")
        self.assertTrue(self.stored())
        self.assertNotIn("Blabla", self.successResultOf(self.store.memberships("alice")))
        self.assertEqual(self.successResultOf(self.store.history("Blabla", 10)), [])
        self.service.stopService()
        self.service = self.makeService()
        self.assertIsNone(self.service.registry.find("Blabla"))

    def test_recreatedFresh(self) -> None:
        """
        A room made later under the name has none of the deleted one's
        topic, modes, key, masks, founder, operators, invitations, pending
        requests or history, and none of its members are put back in it.
        """
        room = self.service.registry.get("Comptabilité")
        room.settings.founder = "alice"
        room.setTopic("money", "root", 1)
        room.apply("root", True, "k", "secret", 1)
        room.apply("root", True, "b", "eve!*@*", 1)
        room.apply("root", True, "m", "", 1)
        room.invite("carol")
        room.makeOperator("alice")
        self.assertRaises(
            errors.PendingApproval, self.service.enter, self.bob, "Comptabilité", "secret"
        )
        self.assertEqual(self.service.pendingRequests("Comptabilité"), [("Comptabilité", "bob")])
        self.service.say(self.alice, "Blabla", ("hello",))
        self.service.deleteRoom("Comptabilité", "root")
        self.service.deleteRoom("Blabla", "root")
        self.settle(self.service.configureRoom("Comptabilité"))
        self.settle(self.service.configureRoom("Blabla"))
        fresh = self.service.registry.get("Comptabilité")
        self.assertEqual(
            (fresh.settings.topic, fresh.settings.founder, fresh.settings.mode), ("", "", "open")
        )
        self.assertEqual((fresh.modes, fresh.key, fresh.bans.entries), ({"n", "t"}, None, []))
        self.assertEqual((fresh.invited, fresh.ops, fresh.pending), (set(), set(), {}))
        self.assertEqual(self.service.pendingRequests("Comptabilité"), [])
        self.assertEqual(self.successResultOf(self.store.history("Blabla", 10)), [])
        again = self.login("alice", "sesame")
        self.assertEqual(self.service.roomsOf(again), [])

    def test_alwaysOnAccount(self) -> None:
        """
        An always-on account away from every connection is taken out too:
        its stored rooms no longer name the room, and a restart puts it
        back only in its other rooms.
        """
        alwaysOn = alwaysOnOf(self.service)
        assert alwaysOn is not None
        self.settle(self.service.enter(self.alice, "Général"))
        self.successResultOf(alwaysOn.set(self.alice, True))
        self.service.disconnect(self.alice, "closed")
        self.assertTrue(isAbsent(self.service.find("alice")))
        self.assertEqual(self.service.deleteRoom("Blabla", "root").removed, 2)
        absent = self.service.find("alice")
        assert absent is not None
        self.assertEqual(self.service.roomsOf(absent), ["Général"])
        self.assertEqual(self.successResultOf(self.store.memberships("alice")), ["Général"])
        self.service.stopService()
        self.service = self.makeService()
        self.clock.advance(0)
        restored = self.service.find("alice")
        assert restored is not None
        self.assertEqual(self.service.roomsOf(restored), ["Général"])

    def test_entryUnderWay(self) -> None:
        """
        An entry whose recording was still to come when the room went (in
        a cluster it waits for the other nodes) stores no membership: a
        room made later under the name does not take the member back.
        """
        carol = self.login("alice", "sesame")
        self.service.leave(carol, "Blabla")
        room = self.service.registry.get("Blabla")
        self.service.join(carol, "alice", room)
        self.service.deleteRoom("Blabla", "root")
        persistence = self.service.persistence
        assert persistence is not None
        recorded = Deferred.fromCoroutine(persistence.recordEntry(carol, "alice", room))
        self.assertEqual(self.successResultOf(recorded), "Blabla")
        self.settle(self.service.configureRoom("Blabla"))
        self.assertEqual(self.successResultOf(self.store.memberships("alice")), [])

    def test_acceptanceUnderWay(self) -> None:
        """
        An operator's acceptance waiting for the request's write when the
        room goes is refused, and stores no acceptance.
        """
        slow = SlowAccess()
        self.patch(self.store, "setAccess", lambda *args: slow)
        self.assertRaises(errors.PendingApproval, self.service.enter, self.bob, "Comptabilité")
        accepted = self.service.acceptPending("Comptabilité", "bob")
        self.service.deleteRoom("Comptabilité", "root")
        writes: list[tuple[Any, ...]] = []
        self.patch(self.store, "setAccess", lambda *args: writes.append(args))
        slow.callback(None)
        self.failureResultOf(accepted, errors.NoSuchGroup)
        self.assertEqual(writes, [])

    def test_autojoinForgets(self) -> None:
        """
        A room of the C{--autojoin} rooms is forgotten by them (the reply
        says so): a login no longer puts anyone in a room made later under
        the name.
        """
        self.service.stopService()
        self.service = self.makeService(autojoin=["Jeux"])
        deleted = self.service.deleteRoom("jeux", "root")
        self.assertEqual(deleted, Deleted("Jeux", 0, ("autojoin",)))
        self.assertEqual(self.service.autojoin, ())
        self.settle(self.service.configureRoom("Jeux"))
        self.assertEqual(self.service.roomsOf(self.login("dave")), [])

    def test_foundedRoomsCount(self) -> None:
        """
        A guest's room and a registered user's room no longer count among
        the rooms their creator made.
        """
        limits = self.service.roomLimits
        self.settle(self.service.createRoom(self.bob, "Guests"))
        self.settle(self.service.createRoom(self.alice, "Kitchen"))
        self.assertEqual(limits.createdBy(self.bob, "bob"), 1)
        self.assertEqual(limits.createdBy(self.alice, "alice"), 1)
        self.service.deleteRoom("Guests", "root")
        self.service.deleteRoom("Kitchen", "root")
        self.assertEqual(limits.createdBy(self.bob, "bob"), 0)
        self.assertEqual(limits.createdBy(self.alice, "alice"), 0)
        self.assertIsNone(self.service.registry.find("Guests"))
