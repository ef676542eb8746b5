"""
Tests for who is listed as online to whom (L{chatd.core.listing}): everyone,
but someone invisible (user mode C{i}) only to themselves, to those who
share a room with them and to chatd operators.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from chatd.core.peoplelisting import IPeopleListing
from chatd.core.service import ChatService
from chatd.core.usermodes import changeUserModes
from chatd.testing import RecordingParticipant


class ListedPeopleTests(SynchronousTestCase):
    """ivy is invisible, in C{den} with dan; bob is in C{pub}; carol in no room."""

    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["den", "pub"])
        self.ivy, self.dan = self.login("ivy"), self.login("dan")
        self.bob, self.carol = self.login("bob"), self.login("carol")
        for member, room in ((self.ivy, "den"), (self.dan, "den"), (self.bob, "pub")):
            self.service.enter(member, room)
        changeUserModes(self.service.people, self.ivy, "i", "", 0)

    def login(self, nick: str) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def listed(self, asker: RecordingParticipant) -> list[str | None]:
        return [person.nick for person in self.service.listedPeople(asker)]

    def test_interface(self) -> None:
        """The service provides L{IPeopleListing}."""
        self.assertTrue(verifyObject(IPeopleListing, self.service))

    def test_isInvisible(self) -> None:
        """Whether someone set user mode C{i}, asked of them or their person."""
        self.assertTrue(self.service.isInvisible(self.ivy))
        ivy = self.service.find("ivy")
        assert ivy is not None
        self.assertTrue(self.service.isInvisible(ivy))
        self.assertFalse(self.service.isInvisible(self.bob))

    def test_hiddenFromThoseSharingNoRoom(self) -> None:
        """
        Someone in another room (bob), or in none (carol), is not shown the
        invisible; everyone else shows, in the order they signed in.
        """
        self.assertEqual(self.listed(self.bob), ["dan", "bob", "carol"])
        self.assertEqual(self.listed(self.carol), ["dan", "bob", "carol"])

    def test_shownToRoomMatesThemselvesAndOperators(self) -> None:
        """
        A room mate (dan), the invisible themselves and a chatd operator
        are shown everyone.
        """
        everyone = ["ivy", "dan", "bob", "carol"]
        self.assertEqual(self.listed(self.dan), everyone)
        self.assertEqual(self.listed(self.ivy), everyone)
        self.service.grantOperator(self.carol)
        self.assertEqual(self.listed(self.carol), everyone)

    def test_followsRooms(self) -> None:
        """Entering the invisible's room shows them; leaving it hides them."""
        self.service.enter(self.bob, "den")
        self.assertIn("ivy", self.listed(self.bob))
        self.service.leave(self.bob, "den")
        self.assertNotIn("ivy", self.listed(self.bob))
        changeUserModes(self.service.people, self.ivy, "", "i", 0)
        self.assertIn("ivy", self.listed(self.bob))

    def test_notSignedIn(self) -> None:
        """A connection not signed in is shown only the visible."""
        stranger = RecordingParticipant()
        self.service.connect(stranger)
        self.assertEqual(self.listed(stranger), ["dan", "bob", "carol"])
        self.assertFalse(self.service.isListed(stranger, self.ivy))
