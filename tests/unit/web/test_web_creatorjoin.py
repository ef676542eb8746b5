"""
Tests for the web page's C{join} request with C{create} (the service's
C{enterOrCreate}): a room that does not exist is made with the page's user
in it, so nobody who joins while a registered user's new room is being
stored finds it without its creator.
"""

from __future__ import annotations

from tests.support.slowrooms import SlowRoomsCase
from tests.support.webclient import StoredWebTestCase


class JoinCreatesTests(SlowRoomsCase, StoredWebTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.slow.store()  # the rooms configured, stored at start
        self.web.flush()

    def test_joinerFindsTheCreator(self) -> None:
        """
        alice's page joins C{fresh} with C{create}; while the store keeps
        the room waiting, bob's join waits too; once it is stored, bob's
        reply shows alice in it as its operator, and alice's her running it.
        """
        alice = self.signIn()
        asked = alice.send(type="join", room="fresh", create=True)
        self.web.flush()
        self.assertEqual([f for f in alice.take() if f.get("id") == asked], [])
        self.assertEqual(len(self.slow.waiting), 1)
        bob = self.web.connect("bob")
        joined = bob.send(type="join", room="fresh")
        self.web.flush()
        self.assertEqual([f for f in bob.take() if f.get("id") == joined], [])
        self.slow.store()
        self.web.flush()
        reply = next(f for f in bob.take() if f.get("id") == joined)
        self.assertEqual((reply["members"], reply["status"]), (["alice", "bob"], {"alice": "o"}))
        answer = [f for f in alice.take() if f.get("id") == asked]
        self.assertEqual(len(answer), 1, answer)
        self.assertEqual((answer[0]["room"], answer[0]["operator"]), ("fresh", True))

    def test_existingRoomEntered(self) -> None:
        """
        With C{create}, a room that exists is entered, as without it.
        """
        page = self.web.connect("bob")
        reply = self.request(page, type="join", room="lobby", create=True)
        self.assertEqual((reply["type"], reply["room"]), ("join", "lobby"))

    def test_withoutCreate(self) -> None:
        """
        Without C{create}, a room that does not exist is error 31, and
        nothing is made; a C{create} that is not a boolean is error 10.
        """
        page = self.web.connect("bob")
        self.assertEqual(self.request(page, type="join", room="nowhere")["code"], 31)
        self.assertIsNone(self.service.registry.find("nowhere"))
        self.assertEqual(self.request(page, type="join", room="x", create="yes")["code"], 10)
