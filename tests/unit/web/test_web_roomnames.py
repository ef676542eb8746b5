"""
Tests for the web page's replies that name a room: each names it as
stored (C{Général}), whatever case or accents the request used
(C{general}), as the room's events do, so the page keeps one conversation.
"""

from __future__ import annotations

from tests.support.webclient import JSONClient, StoredWebTestCase


class RoomNameTests(StoredWebTestCase):
    """
    The account C{alice} in the room C{Général}, entered as C{general}.
    """

    roomsAtStart = ("lobby", "Général")

    def setUp(self) -> None:
        super().setUp()
        self.page = self.signIn()
        self.assertEqual(self.request(self.page, type="join", room="general")["room"], "Général")

    def ask(self, **request: object) -> dict[str, object]:
        reply = self.request(self.page, **request)
        self.assertEqual(reply["type"], request["type"], reply)
        return reply

    def test_members(self) -> None:
        """
        C{members} names the room as stored.
        """
        self.assertEqual(self.ask(type="members", room="GENERAL")["room"], "Général")

    def test_say(self) -> None:
        """
        C{say}'s reply names the room as stored, as the message others get.
        """
        self.assertEqual(self.ask(type="say", room="général", text="hi")["room"], "Général")

    def test_topic(self) -> None:
        """
        C{topic} names the room as stored.
        """
        self.assertEqual(self.ask(type="topic", room="GÉNÉRAL")["room"], "Général")

    def test_history(self) -> None:
        """
        C{history} names the room as stored.
        """
        self.assertEqual(self.ask(type="history", room="general")["room"], "Général")

    def test_redact(self) -> None:
        """
        C{redact} of one's message names the room as stored.
        """
        said = self.ask(type="say", room="Général", text="oops")
        redacted = self.ask(type="redact", room="general", msgid=said["msgid"])
        self.assertEqual(redacted["room"], "Général")

    def test_markread(self) -> None:
        """
        C{markread} names the room as stored, to this page and to the
        account's other pages.
        """
        other: JSONClient = self.signIn()
        self.request(other, type="markers")
        marked = self.ask(type="markread", room="general", time=1000)
        self.assertEqual(marked["room"], "Général")
        self.web.flush()
        told = [frame for frame in other.take() if frame["type"] == "markread"]
        self.assertEqual([frame["room"] for frame in told], ["Général"])

    def test_kick(self) -> None:
        """
        A room operator's C{kick} names the room as stored.
        """
        self.ask(type="create", room="Café")
        self.ask(type="join", room="Café")
        bob = self.web.connect()
        self.request(bob, type="login", nick="bob")
        self.request(bob, type="join", room="Café")
        self.assertEqual(self.ask(type="kick", room="CAFE", nick="bob")["room"], "Café")
