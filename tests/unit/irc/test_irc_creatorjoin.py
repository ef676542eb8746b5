"""
Tests for joining a room that does not exist (the service's
C{enterOrCreate}): the room is made with its creator in it, opped, so
nobody who joins while a registered user's new room is being stored sees
the channel without its creator.
"""

from __future__ import annotations

from chatd.core.errors import StoreUnavailable
from chatd.core.names import key
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.slowrooms import SlowRoomsCase


class CreatorFirstTests(SlowRoomsCase, IRCStoreTestCase):
    """
    alice (registered) joins C{#fresh}, which does not exist; the store
    keeps the new room waiting while bob (a guest) joins it too.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.aliceWire = self.client()
        login = ("PASS sesame", "NICK alice", "USER a 0 * :A")
        welcome = self.send(self.alice, self.aliceWire, *login)
        self.assertIn("001", self.codes(welcome))
        self.bob, self.bobWire = self.client()
        welcome = self.send(self.bob, self.bobWire, "NICK bob", "USER b 0 * :B")
        self.assertIn("001", self.codes(welcome))
        self.aliceSide = (self.alice, self.aliceWire)
        self.send(self.alice, self.aliceWire, "JOIN #fresh")
        self.assertEqual(len(self.slow.waiting), 1)  # the room is being stored

    def test_joinerSeesTheCreator(self) -> None:
        """
        bob, joining meanwhile, is answered once the room is made, shown
        alice in the channel as its operator (C{353 ... :@alice bob}), and
        no C{JOIN} of hers.
        """
        self.assertEqual(self.send(self.bob, self.bobWire, "JOIN #fresh"), [])
        self.slow.store()
        self.clock.advance(0)
        shown = self.send(self.bob, self.bobWire)
        self.assertIn(("353", "@alice bob"), [(m.command, m.params[-1]) for m in shown])
        joins = [(m.prefix or "").split("!")[0] for m in shown if m.command == "JOIN"]
        self.assertEqual(joins, ["bob"])

    def test_creatorShownOpped(self) -> None:
        """
        alice is shown the channel with her opped in it, then bob's
        C{JOIN}; the room is stored with her as its only operator.
        """
        self.send(self.bob, self.bobWire, "JOIN #fresh")
        self.slow.store()
        self.clock.advance(0)
        shown = [(m.prefix or "", m.command, m.params[-1]) for m in self.send(*self.aliceSide)]
        ownJoin = next(i for i, line in enumerate(shown) if line[1] == "JOIN")
        self.assertTrue(shown[ownJoin][0].startswith("alice!"), shown)
        names = next(line for line in shown if line[1] == "353")
        self.assertTrue(names[2].startswith("@alice"), shown)
        joins = [line[0].split("!")[0] for line in shown if line[1] == "JOIN"]
        self.assertEqual(joins, ["alice", "bob"][: len(joins)])
        self.assertEqual(self.service.registry.get("fresh").ops, {key("alice")})

    def test_storeFails(self) -> None:
        """
        A room the store could not keep is not made: alice gets the
        store's error and is never shown the channel; bob, who joined
        meanwhile, makes it then, and runs it.
        """
        self.send(self.bob, self.bobWire, "JOIN #fresh")
        waiting, self.slow.waiting = self.slow.waiting, []
        waiting[0].errback(StoreUnavailable())
        self.clock.advance(0)
        self.flushLoggedErrors(StoreUnavailable)
        seen = self.send(*self.aliceSide)
        self.assertNotIn("JOIN", self.codes(seen))
        self.assertNotIn("fresh", self.service.roomsOf(self.alice))
        self.assertNotIn("fresh", self.alice.shownRooms)
        shown = self.send(self.bob, self.bobWire)
        self.assertIn(("353", "@bob"), [(m.command, m.params[-1]) for m in shown])
