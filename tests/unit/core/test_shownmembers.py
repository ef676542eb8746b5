"""
Tests for who a room's members are shown to (L{RoomQueries.shownMembers}):
all of them to a member and to a chatd operator; to anyone else, the
members of a public room who are not hidden (user mode C{i}), as IRC
servers show a channel that is not secret; nobody of a secret or an
approval room.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.core.usermodes import changeUserModes
from chatd.storage.interfaces import APPROVAL
from chatd.testing import RecordingParticipant


class ShownMembersTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), operators=["moder"])
        self.alice = self.login("alice")
        self.bob = self.login("bob")
        self.service.createRoom(self.alice, "pub")  # alice runs it
        for member in (self.alice, self.bob):
            self.service.enter(member, "pub")
        self.service.changeRoomModes(self.alice, "pub", [(True, "v", "bob")])
        changeUserModes(self.service.people, self.alice, "i", "", 0)
        self.carol = self.login("carol")

    def login(self, nick: str) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def test_publicRoomToOthers(self) -> None:
        """
        Someone not in a public room sees its members who are not hidden,
        with their status; its members see every member.
        """
        self.assertEqual(self.service.shownMembers(self.carol, "pub"), [("bob", "v")])
        everyone = [("alice", "o"), ("bob", "v")]
        self.assertEqual(self.service.shownMembers(self.bob, "pub"), everyone)

    def test_operatorSeesEveryone(self) -> None:
        """A chatd operator, not in the room, sees every member."""
        moder = self.login("moder")
        self.service.grantOperator(moder)
        everyone = [("alice", "o"), ("bob", "v")]
        self.assertEqual(self.service.shownMembers(moder, "pub"), everyone)

    def test_secretOrApprovalRoom(self) -> None:
        """Nobody of a secret room or of an approval room shows to others."""
        self.service.changeRoomModes(self.alice, "pub", [(True, "s", "")])
        self.assertEqual(self.service.shownMembers(self.carol, "pub"), [])
        self.service.changeRoomModes(self.alice, "pub", [(False, "s", "")])
        self.service.registry.get("pub").settings.mode = APPROVAL
        self.assertEqual(self.service.shownMembers(self.carol, "pub"), [])
        self.assertEqual(len(self.service.shownMembers(self.alice, "pub")), 2)
