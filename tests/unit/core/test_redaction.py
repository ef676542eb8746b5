# -*- test-case-name: tests.unit.core.test_redaction -*-
"""
Deleting a message (L{chatd.core.redaction}): who may (its author for a
day, a room's operators and chatd operators in a room), what is gone (the
stored history, search, waiting private messages) and who is told (every
connection that may show it); in memory with a L{Clock}.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock

from chatd.core import errors
from chatd.core.events import PrivateMessage, Redaction, RoomMessage
from chatd.core.limits import REDACT_WINDOW
from chatd.core.redaction import redact
from chatd.core.search import search
from chatd.core.service import ChatService
from chatd.core.text import InvalidText
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


def redactions(participant: RecordingParticipant) -> list[Redaction]:
    return [event for event in participant.events if isinstance(event, Redaction)]


class RoomRedactionTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.bob, self.carol = (self.login(n) for n in ("alice", "bob", "carol"))
        for user in (self.alice, self.bob, self.carol):
            self.successResultOf(settled(self.service.enter(user, "Blabla")))
        self.said = self.service.say(self.alice, "Blabla", ("picnic on Sunday",))

    def redact(self, who: RecordingParticipant, *args: Any) -> Any:
        return redact(self.service, who, *args)

    def stored(self, msgid: str) -> RoomMessage | PrivateMessage | None:
        found: RoomMessage | PrivateMessage | None = self.successResultOf(
            self.store.findMessage(msgid)
        )
        return found

    def test_authorDeletes(self) -> None:
        """
        The author deletes their message: it is gone from the store, the
        room's history and search, and every other member is told once,
        with who, which and why (the author's connection has the answer).
        """
        msgid = self.said.msgid
        event = self.successResultOf(self.redact(self.alice, "blabla", True, msgid, "typo"))
        self.assertEqual(
            (event.msgid, event.by, event.reason, event.room, event.sender, event.recipient),
            (msgid, "alice", "typo", "Blabla", "alice", None),
        )
        self.assertIsNone(self.stored(msgid))
        history = self.successResultOf(self.service.history(self.bob, "Blabla"))
        self.assertNotIn(msgid, [m.msgid for m in history])
        self.assertEqual(self.successResultOf(search(self.service, self.bob, "picnic")), [])
        for user in (self.bob, self.carol):
            self.assertEqual(redactions(user), [event])
        self.assertEqual(redactions(self.alice), [])

    def test_twice(self) -> None:
        """
        A message deleted is unknown: deleting it again is refused and
        tells nobody anything more.
        """
        self.successResultOf(self.redact(self.alice, "Blabla", True, self.said.msgid))
        self.failureResultOf(
            self.redact(self.alice, "Blabla", True, self.said.msgid), errors.NoSuchMessage
        )
        self.assertEqual(len(redactions(self.bob)), 1)

    def test_strangerRefused(self) -> None:
        """
        Another member who runs nothing may not delete it: the message
        stays and nobody is told.
        """
        failure = self.failureResultOf(
            self.redact(self.bob, "Blabla", True, self.said.msgid), errors.RedactForbidden
        )
        self.assertEqual(failure.value.code, 12)
        self.assertIsNotNone(self.stored(self.said.msgid))
        self.assertEqual(redactions(self.alice) + redactions(self.bob), [])

    def test_roomOperator(self) -> None:
        """
        A room operator deletes anyone's message of their room, however
        old.
        """
        self.assertTrue(self.service.giveRoomOperator("Blabla", "carol", "root"))
        self.clock.advance(REDACT_WINDOW * 10)
        event = self.successResultOf(self.redact(self.carol, "Blabla", True, self.said.msgid))
        self.assertEqual((event.by, event.sender), ("carol", "alice"))
        self.assertIsNone(self.stored(self.said.msgid))

    def test_roomOperatorElsewhere(self) -> None:
        """
        Running another room gives no right here.
        """
        self.successResultOf(settled(self.service.createRoom(self.bob, "Jeux")))
        self.assertTrue(self.service.isRoomOperator(self.bob, "Jeux"))
        self.failureResultOf(
            self.redact(self.bob, "Blabla", True, self.said.msgid), errors.RedactForbidden
        )

    def test_chatdOperatorNotMember(self) -> None:
        """
        A chatd operator deletes a room's message without being in it;
        the members are told, the operator's connection is not a member.
        """
        root = self.login("moder")
        self.service.grantOperator(root)
        event = self.successResultOf(self.redact(root, "Blabla", True, self.said.msgid))
        self.assertEqual(event.by, "moder")
        self.assertEqual(redactions(self.bob), [event])
        self.assertEqual(redactions(root), [])

    def test_notMember(self) -> None:
        """
        Someone not in the room (and no chatd operator) cannot even ask,
        whatever the message.
        """
        dave = self.login("dave")
        self.assertRaises(errors.NotMember, self.redact, dave, "Blabla", True, self.said.msgid)
        self.assertRaises(errors.NoSuchGroup, self.redact, dave, "Nowhere", True, "x")

    def test_unknownMessage(self) -> None:
        """
        An unknown msgid, an empty one, another room's message or a
        private message named as the room's are all unknown here, and
        none of them is deleted.
        """
        self.successResultOf(settled(self.service.createRoom(self.alice, "Jeux")))
        self.successResultOf(settled(self.service.enter(self.alice, "Jeux")))
        elsewhere = self.service.say(self.alice, "Jeux", ("in Jeux",))
        for msgid in ("nope", "", elsewhere.msgid):
            self.failureResultOf(
                self.redact(self.alice, "Blabla", True, msgid), errors.NoSuchMessage
            )
        self.assertIsNotNone(self.stored(elsewhere.msgid))
        # The room's message named as a private conversation's.
        self.failureResultOf(
            self.redact(self.alice, "Blabla", False, self.said.msgid), errors.NoSuchMessage
        )
        self.failureResultOf(
            self.redact(self.alice, "bob", False, self.said.msgid), errors.NoSuchMessage
        )
        self.assertIsNotNone(self.stored(self.said.msgid))
        self.assertEqual(redactions(self.bob), [])

    def test_window(self) -> None:
        """
        The author has a day: just before it ends they may, after it they
        may not (a room operator still may).
        """
        self.clock.advance(REDACT_WINDOW + 1)
        failure = self.failureResultOf(
            self.redact(self.alice, "Blabla", True, self.said.msgid), errors.RedactForbidden
        )
        self.assertIn("24 hours", failure.value.text)
        self.assertIsNotNone(self.stored(self.said.msgid))
        newer = self.service.say(self.alice, "Blabla", ("again",))
        self.clock.advance(REDACT_WINDOW)
        self.successResultOf(self.redact(self.alice, "Blabla", True, newer.msgid))

    def test_guestNameReused(self) -> None:
        """
        A guest's nickname is anyone's once free: the next guest called
        alice may not delete the first one's message, though the text is
        under the same name; what the new alice says, she may.
        """
        self.service.disconnect(self.alice)
        self.clock.advance(5)
        again = self.login("alice")
        self.successResultOf(settled(self.service.enter(again, "Blabla")))
        failure = self.failureResultOf(
            self.redact(again, "Blabla", True, self.said.msgid), errors.RedactForbidden
        )
        self.assertIn("earlier user", failure.value.text)
        self.assertIsNotNone(self.stored(self.said.msgid))
        newer = self.service.say(again, "Blabla", ("me again",))
        self.successResultOf(self.redact(again, "Blabla", True, newer.msgid))

    def test_guestRenamedBack(self) -> None:
        """
        A guest who renamed and took the name back is still its author, in
        the same session: their own renames are no earlier user.  Someone
        else who used the name meanwhile is, and a guest who came after
        may not delete what they said, even if nobody left the name since.
        """
        self.clock.advance(1)
        self.service.rename(self.alice, "alice2")
        self.clock.advance(1)
        self.service.rename(self.alice, "alice")
        self.successResultOf(self.redact(self.alice, "Blabla", True, self.said.msgid))
        said = self.service.say(self.alice, "Blabla", ("mine",))
        self.clock.advance(1)
        self.service.rename(self.alice, "alice3")
        other = self.login("alice")
        self.clock.advance(1)
        self.service.rename(other, "dave")
        self.service.rename(self.alice, "alice")
        self.failureResultOf(
            self.redact(self.alice, "Blabla", True, said.msgid), errors.RedactForbidden
        )

    def test_laterGuestWithoutRecord(self) -> None:
        """
        A message sent before a guest's session connected is never theirs,
        even with no departure of the name remembered (the daemon restarted).
        """
        self.clock.advance(5)
        erin = self.login("erin")
        self.successResultOf(settled(self.service.enter(erin, "Blabla")))
        self.said = self.service.say(erin, "Blabla", ("old",))
        self.service.disconnect(erin)
        self.service.people.nickHistory = type(self.service.people.nickHistory)(self.service.hostOf)
        self.clock.advance(5)
        erin = self.login("erin")
        self.successResultOf(settled(self.service.enter(erin, "Blabla")))
        self.failureResultOf(
            self.redact(erin, "Blabla", True, self.said.msgid), errors.RedactForbidden
        )

    def test_accountComesBack(self) -> None:
        """
        A registered account is one author across sessions: back with its
        password, it deletes what it said before.
        """
        self.registered("dave", "secret")
        dave = self.login("dave", "secret")
        self.successResultOf(settled(self.service.enter(dave, "Blabla")))
        said = self.service.say(dave, "Blabla", ("before",))
        self.service.disconnect(dave)
        self.clock.advance(5)
        dave = self.login("dave", "secret")  # put back in Blabla, as an account is
        self.assertIn("Blabla", self.service.roomsOf(dave))
        self.successResultOf(self.redact(dave, "Blabla", True, said.msgid))

    def test_reason(self) -> None:
        """
        The reason follows the text rule and is at most 379 bytes of UTF-8,
        as a kick's.
        """
        msgid = self.said.msgid
        self.assertRaises(InvalidText, self.redact, self.alice, "Blabla", True, msgid, "a\nb")
        self.assertRaises(
            errors.InvalidArgument, self.redact, self.alice, "Blabla", True, msgid, "x" * 380
        )
        self.assertIsNotNone(self.stored(msgid))

    def test_notLoggedIn(self) -> None:
        stranger = RecordingParticipant()
        self.service.connect(stranger)
        self.assertRaises(
            errors.NotLoggedIn, self.redact, stranger, "Blabla", True, self.said.msgid
        )


class PrivateRedactionTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.registered("bob", "secret")
        self.alice = self.login("alice", "sesame")
        self.alicePhone = self.login("alice", "sesame")
        self.bob = self.login("bob", "secret")
        self.carol = self.login("carol")
        told = self.service.tell(self.alice, "bob", ("secret picnic plan",))
        assert isinstance(told, PrivateMessage)
        self.told = told

    def test_authorDeletes(self) -> None:
        """
        The sender deletes their private message: both people are told on
        every connection but the one that asked (it has the answer),
        nobody else; it is gone from both people's history and search.
        """
        event = self.successResultOf(
            redact(self.service, self.alice, "BOB", False, self.told.msgid)
        )
        self.assertEqual(
            (event.room, event.sender, event.recipient, event.by), (None, "alice", "bob", "alice")
        )
        for user in (self.alicePhone, self.bob):
            self.assertEqual(redactions(user), [event])
        self.assertEqual(redactions(self.alice), [])
        self.assertEqual(redactions(self.carol), [])
        self.assertIsNone(self.successResultOf(self.store.findMessage(self.told.msgid)))
        self.assertEqual(self.successResultOf(search(self.service, self.bob, "picnic")), [])

    def test_recipientRefused(self) -> None:
        """
        The recipient may not delete what they were told.
        """
        self.failureResultOf(
            redact(self.service, self.bob, "alice", False, self.told.msgid),
            errors.RedactForbidden,
        )
        self.assertIsNotNone(self.successResultOf(self.store.findMessage(self.told.msgid)))

    def test_operatorRefused(self) -> None:
        """
        A chatd operator has no right over others' private messages: the
        conversation is not theirs, so the message is unknown to them.
        """
        root = self.login("moder")
        self.service.grantOperator(root)
        for target in ("alice", "bob"):
            self.failureResultOf(
                redact(self.service, root, target, False, self.told.msgid),
                errors.NoSuchMessage,
            )

    def test_thirdParty(self) -> None:
        """
        carol naming alice or bob does not reach their conversation.
        """
        for target in ("alice", "bob"):
            self.failureResultOf(
                redact(self.service, self.carol, target, False, self.told.msgid),
                errors.NoSuchMessage,
            )

    def test_waitingMessage(self) -> None:
        """
        A private message kept for its registered recipient while away is
        no longer delivered once its sender deleted it.
        """
        self.service.disconnect(self.bob)
        self.service.tell(self.alice, "bob", ("are you there?",))
        waiting = self.successResultOf(self.store.undelivered("bob"))
        self.assertEqual(len(waiting), 1)
        msgid = waiting[0][1].msgid
        self.successResultOf(redact(self.service, self.alice, "bob", False, msgid))
        self.assertEqual(self.successResultOf(self.store.undelivered("bob")), [])
        bob = self.login("bob", "secret")
        self.clock.advance(1)
        texts = [e.lines for e in bob.events if isinstance(e, PrivateMessage)]
        self.assertNotIn(("are you there?",), texts)


class NoStoreTests(PersistenceTestCase):
    def test_noStore(self) -> None:
        """
        A server that keeps no messages has none to delete.
        """
        service = ChatService(Clock())
        alice = RecordingParticipant()
        service.connect(alice)
        service.login(alice, "alice")
        self.assertRaises(errors.NotPermitted, redact, service, alice, "bob", False, "m1")
