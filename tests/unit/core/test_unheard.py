"""
What a new connection of a person is given of the private messages its
other connections may have swallowed (L{chatd.core.unheard}): those the
person received since the others were last heard from, within bounds.
"""

from __future__ import annotations

from chatd.core.events import PrivateMessage
from chatd.core.unheard import UNHEARD_WINDOW
from chatd.storage.conversations import Conversation
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class UnheardTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("carol", "password")
        self.ghost = self.login("carol", "password")
        self.ghost.lastHeard = self.clock.seconds()  # type: ignore[attr-defined]
        self.bob = self.login("bob")

    def tell(self, sender: RecordingParticipant, nick: str, *texts: str) -> None:
        for text in texts:
            self.successResultOf(settled(self.service.tell(sender, nick, (text,))))
            self.clock.advance(1)

    def given(self) -> list[PrivateMessage]:
        """
        A new connection of carol's: the private messages it is given on
        joining the person.
        """
        new = self.login("carol", "password")
        self.clock.advance(0)
        messages = [event for event in new.events if isinstance(event, PrivateMessage)]
        self.assertTrue(all(each.waited for each in messages))
        return messages

    def test_withinTheWindow(self) -> None:
        """
        However long the other connection has been silent, what came more
        than L{UNHEARD_WINDOW} seconds ago is not given (it would have
        timed out by then).
        """
        self.tell(self.bob, "carol", "long ago")
        self.clock.advance(UNHEARD_WINDOW)
        self.tell(self.bob, "carol", "lately")
        self.assertEqual([each.lines for each in self.given()], [("lately",)])

    def test_atMostTheHistoryCount(self) -> None:
        """
        At most as many as a history request gets (C{--history-count}): the
        newest, oldest first.
        """
        self.service.historyCount = 2
        self.tell(self.bob, "carol", "one", "two", "three")
        self.assertEqual([each.lines for each in self.given()], [("two",), ("three",)])

    def test_receivedOnly(self) -> None:
        """
        What the person sent (from a connection that was not heard from
        since, as the service counts it) is not given, nor the messages
        others exchanged.
        """
        dave = self.login("dave")
        self.tell(self.ghost, "bob", "mine")
        self.tell(dave, "bob", "theirs")
        self.tell(self.bob, "carol", "for carol")
        self.assertEqual([each.lines for each in self.given()], [("for carol",)])

    def test_storeUntouched(self) -> None:
        """
        The messages given are copies: the stored ones are not marked as
        having waited, and the silent connection got the originals live.
        One sent the very moment it was last heard from is given too.
        """
        self.tell(self.bob, "carol", "hello")
        [given] = self.given()
        [live] = [event for event in self.ghost.events if isinstance(event, PrivateMessage)]
        self.assertFalse(live.waited)
        [stored] = self.successResultOf(
            self.store.window(Conversation.between("carol", "bob"), limit=9)
        )
        self.assertEqual(stored.lines, given.lines)
        assert isinstance(stored, PrivateMessage)
        self.assertFalse(stored.waited)
