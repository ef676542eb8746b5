"""
A node that read the shared store at start before its link to the cluster
came up (Redis away at start, or reached a moment later) was sent nothing of
what the other nodes changed meanwhile: once its link is up and every other
node has heard it, it reads the store again, and until that worked it does
not decide a name from its copy of the registered names while the database
is away (C{263}, "try again later"), as after the link's return.
"""

from __future__ import annotations

from chatd.core.names import key
from chatd.irc.message import parse
from tests.support.outagenodes import OutageNodesCase
from tests.support.persistencecase import DATABASE_DOWN


def commands(lines: list[str]) -> list[str]:
    return [parse(line).command for line in lines]


class LinkUpAfterStartTests(OutageNodesCase):
    """
    Node C{a} started; node C{b} read the shared database at start, but its
    link to Redis is not up yet; then C{bob} registered on C{a}, which sent
    C{b} nothing of it.
    """

    unlinked = "b"

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.a, "bob", "bobpw")
        persistence = self.b.service.persistence
        assert persistence is not None
        self.assertNotIn(key("bob"), persistence.registered)  # (b missed it)

    def login(self, nick: str) -> list[str]:
        """The commands an IRC client of C{b} that asks for C{nick} is told."""
        return commands(self.ircOn(self.b, f"NICK {nick}", "USER s 0 * :s")[1])

    def test_databaseAwayAsLinkComesUp(self) -> None:
        """
        The database is away when C{b}'s link first comes up: C{b} cannot
        read it again, so a guest asking for bob gets "try again later"
        (C{263}), not the name; once the database answered and was read,
        bob is refused as registered (C{433}) with the database away again,
        and a name nobody registered is a guest's (C{001}).
        """
        self.store.down |= DATABASE_DOWN
        self.b.start()
        self.b.turns()
        told = self.login("bob")
        self.assertIn("263", told)
        self.assertNotIn("001", told)
        self.store.answersAgain()
        self.b.turns()
        self.store.down |= DATABASE_DOWN
        self.assertEqual(self.login("bob"), ["433"])
        self.assertIn("001", self.login("tmpguest"))

    def test_databaseAwayAfterLinkUp(self) -> None:
        """
        The database goes away after C{b}'s link came up: C{b} read it
        again meanwhile, so bob is refused as registered (C{433}), not
        given to a guest.
        """
        self.b.start()
        self.b.turns()
        self.store.down |= DATABASE_DOWN
        self.assertEqual(self.login("bob"), ["433"])

    def test_registeredBeforeHeard(self) -> None:
        """
        A name registered on C{a} after C{b}'s link came up, but before
        C{a} read C{b}'s C{hello} (so C{a} sent C{b} nothing of it), is in
        C{b}'s copy: C{b} reads the store again only once C{a} answered.
        """
        self.a.hold()
        self.b.start()
        self.b.turns()
        self.registerOn(self.a, "carol", "carolpw")
        self.a.release()
        self.a.turns()
        self.store.down |= DATABASE_DOWN
        self.assertEqual(self.login("carol"), ["433"])
