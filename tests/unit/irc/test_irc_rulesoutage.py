"""
A room operator's settings changed while the database is away (a key, set
on IRC) are stored once it answers again, so a restart keeps them; a later
change made meanwhile is the one that lasts.
"""

from __future__ import annotations

from chatd.irc.factory import IRCFactory
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import DATABASE_DOWN, OutageStoreCase


class KeyDuringOutageTests(OutageStoreCase, IRCStoreTestCase):
    """
    C{alice}, signed in, runs the stored room C{#r}; then the database
    goes away.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta, _ = self.saslAs("alice", "sesame", "alice")
        self.assertIn("JOIN", self.codes(self.send(self.alice, self.ta, "JOIN #r")))
        self.outage.down |= DATABASE_DOWN

    def mode(self, change: str) -> None:
        """Alice changes C{#r}'s modes, and her client is shown it done."""
        told = self.send(self.alice, self.ta, f"MODE #r {change}")
        self.assertIn(("MODE", ["#r", *change.split()]), [(m.command, m.params) for m in told])

    def joinAfterRestart(self) -> str:
        """
        What a guest is answered first joining C{#r} without a key, on a
        service made anew from the store (a restart).
        """
        self.service = self.makeService()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        guest, tg = self.clientAs("bob")
        return self.codes(self.send(guest, tg, "JOIN #r"))[0]

    def test_keyStoredOnceTheDatabaseAnswers(self) -> None:
        """
        The key set during the outage is stored as soon as the database
        answers again: after a restart, a JOIN without it is refused (475).
        """
        self.mode("+k secret")
        self.clock.advance(30)
        self.outage.answersAgain()
        self.clock.advance(0)
        self.assertEqual(self.joinAfterRestart(), "475")

    def test_keyStoredWhenTheHealthSaysNothing(self) -> None:
        """
        A store that comes back without its health having seen the outage
        is tried again a while later all the same.
        """
        self.mode("+k secret")
        self.outage.down.clear()
        self.clock.advance(60)
        self.assertEqual(self.joinAfterRestart(), "475")

    def test_laterChangeLasts(self) -> None:
        """
        A key set during the outage and removed after it: the removal is
        what the store keeps, however the retry of the setting falls.
        """
        self.mode("+k secret")
        self.outage.down.clear()  # back, and nothing has tried again yet
        self.mode("-k *")
        self.outage.answersAgain()
        self.clock.advance(120)
        self.assertEqual(self.joinAfterRestart(), "JOIN")
