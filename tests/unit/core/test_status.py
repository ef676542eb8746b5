# -*- test-case-name: tests.unit.core.test_status -*-
"""
Status changes (L{chatd.core.status}): away, account, real name, told to
everyone sharing a room with the person and to its other connections.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import Invitation
from chatd.core.service import ChatService
from chatd.core.status import AWAY, REALNAME, StatusChange, announce, audience
from chatd.testing import RecordingParticipant
from tests.support.persistencecase import PersistenceTestCase


class Listening(RecordingParticipant):
    """
    A participant that also hears status changes.
    """

    def statusChanged(self, event: StatusChange) -> None:
        self.events.append(event)


class Broken(RecordingParticipant):
    def statusChanged(self, event: StatusChange) -> None:
        raise RuntimeError("boom")


class StatusTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby", "other"])

    def login(self, nick: str, participant: RecordingParticipant, *rooms: str) -> None:
        self.service.login(participant, nick)
        for room in rooms:
            self.service.enter(participant, room)

    def changes(self, participant: RecordingParticipant) -> list[tuple[str, str, str | None]]:
        return [
            (e.nick, e.kind, e.value) for e in participant.events if isinstance(e, StatusChange)
        ]

    def test_sharingARoom(self) -> None:
        """
        Those sharing a room hear of it, once however many rooms they
        share; those sharing none, and the one who changed, do not;
        participants without C{statusChanged} are skipped.
        """
        alice, bob, carol, dave = Listening(), Listening(), Listening(), RecordingParticipant()
        self.login("alice", alice, "lobby", "other")
        self.login("bob", bob, "lobby", "other")
        self.login("carol", carol, "other")
        self.login("dave", dave, "lobby")
        stranger = Listening()
        self.login("erin", stranger)
        event = announce(self.service, alice, AWAY, "lunch", 5)
        assert event is not None
        self.assertEqual((event.when, event.value), (5, "lunch"))
        self.assertEqual(self.changes(bob), [("alice", AWAY, "lunch")])
        self.assertEqual(self.changes(carol), [("alice", AWAY, "lunch")])
        self.assertEqual(self.changes(alice), [])
        self.assertEqual(self.changes(stranger), [])
        self.assertEqual(self.changes(dave), [])

    def test_notLoggedIn(self) -> None:
        """
        Nothing is told of a connection that is not logged in.
        """
        self.assertIsNone(announce(self.service, Listening(), REALNAME, "x", 0))

    def test_brokenListener(self) -> None:
        """
        A listener that raises is logged; the others still hear.
        """
        alice, broken, bob = Listening(), Broken(), Listening()
        self.login("alice", alice, "lobby")
        self.login("broken", broken, "lobby")
        self.login("bob", bob, "lobby")
        with capturedLogs() as logs:
            announce(self.service, alice, REALNAME, "Alice A.", 0)
        self.assertEqual(self.changes(bob), [("alice", REALNAME, "Alice A.")])
        self.assertEqual(len([e for e in logs if "log_failure" in e]), 1)
        self.flushLoggedErrors(RuntimeError)


class SeveralConnectionsTests(PersistenceTestCase):
    def test_otherConnections(self) -> None:
        """
        The person's other connections hear of it, even in no room; the
        connection that changed does not.
        """
        self.registered("alice", "sesame")
        phone = self.login("alice", "sesame")
        self.assertEqual(audience(self.service, phone), [])
        laptop = self.login("alice", "sesame")
        self.assertEqual(audience(self.service, phone), [laptop])
        self.assertEqual(audience(self.service, laptop), [phone])


class WatchedTests(SynchronousTestCase):
    def test_watchers(self) -> None:
        """
        Those watching the name in the presence lists who are not in the
        audience are told with C{watchedStatusChanged}; the audience is not
        told twice, and the one who changed is not told.
        """
        service = ChatService(Clock(), rooms=["lobby"])
        alice, bob = Listening(), Listening()
        service.login(alice, "alice")
        service.login(bob, "bob")
        service.enter(alice, "lobby")
        service.enter(bob, "lobby")
        watched: list[StatusChange] = []

        class Watcher:
            def presenceChanged(self, nick: str, online: bool) -> None:
                pass

            def watchedStatusChanged(self, event: StatusChange) -> None:
                watched.append(event)

        presence = service.people.presence
        watcher = Watcher()
        presence.watch(watcher, ["ALICE"], 0)
        presence.watch(bob, ["alice"], 0)  # type: ignore[arg-type]
        presence.watch(alice, ["alice"], 0)  # type: ignore[arg-type]
        announce(service, alice, AWAY, "afk", 0, presence)
        self.assertEqual([(e.nick, e.value) for e in watched], [("alice", "afk")])
        self.assertEqual(len([e for e in bob.events if isinstance(e, StatusChange)]), 1)
        self.assertEqual([e for e in alice.events if isinstance(e, StatusChange)], [])


class InvitationWitnessTests(SynchronousTestCase):
    def test_witnesses(self) -> None:
        """
        An invitation is shown (C{invitationSeen}) to every member but the
        inviter in an open room, to the operators only in an invite-only
        room; never to the invitee, who has its L{Invitation} notice.
        """
        service = ChatService(Clock(), rooms=["lobby"])
        seen: dict[str, list[Invitation]] = {}

        class Witness(RecordingParticipant):
            def invitationSeen(self, event: Invitation) -> None:
                seen.setdefault(self.nick or "", []).append(event)

        people = {nick: Witness() for nick in ("founder", "member", "inviter", "guest")}
        for nick, participant in people.items():
            service.login(participant, nick)
        service.createRoom(people["founder"], "club")
        for nick in ("founder", "member", "inviter"):
            service.enter(people[nick], "club")
        service.invite(people["inviter"], "guest", "club")
        self.assertEqual(sorted(seen), ["founder", "member"])
        self.assertEqual(seen["member"][0].nick, "guest")
        seen.clear()
        service.changeRoomModes(people["founder"], "club", [(True, "i", ""), (True, "o", "member")])
        service.invite(people["founder"], "guest", "club")
        self.assertEqual(sorted(seen), ["member"])
