"""
A room's settings changed while the database is away (a key, a topic, set
on IRC) are stored once it answers again, so a restart keeps them; a later
change made meanwhile is the one that lasts.
"""

from __future__ import annotations

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.persistencecase import DATABASE_DOWN, OutageStoreCase


class SettingsDuringOutageTests(OutageStoreCase, IRCStoreTestCase):
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

    def topic(self, text: str) -> None:
        """Alice sets C{#r}'s topic, and her client is shown it done."""
        told = self.send(self.alice, self.ta, f"TOPIC #r :{text}")
        self.assertIn(("TOPIC", ["#r", text]), [(m.command, m.params) for m in told])

    def joinAfterRestart(self) -> str:
        """
        What a guest is answered first joining C{#r} without a key, on a
        service made anew from the store (a restart).
        """
        return self.codes(self.joinedAfterRestart())[0]

    def joinedAfterRestart(self) -> list[Message]:
        """
        The lines a guest joining C{#r} is answered, on a service made anew
        from the store (a restart).
        """
        self.service = self.makeService()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None)
        guest, tg = self.clientAs("bob")
        return self.send(guest, tg, "JOIN #r")

    def topicAfterRestart(self) -> list[str]:
        """The topic (332) a guest joining C{#r} after a restart is shown."""
        return [m.params[-1] for m in self.joinedAfterRestart() if m.command == "332"]

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

    def test_topicStoredOnceTheDatabaseAnswers(self) -> None:
        """
        A topic set during the outage is stored as soon as the database
        answers again: after a restart, joining shows it (332).
        """
        self.topic("during the outage")
        self.clock.advance(30)
        self.outage.answersAgain()
        self.clock.advance(0)
        self.assertEqual(self.topicAfterRestart(), ["during the outage"])

    def test_laterTopicLasts(self) -> None:
        """
        Two topics set during the outage: the newer is what the store
        keeps once it answers, however the retries fall.
        """
        self.topic("during the outage")
        self.clock.advance(5)
        self.topic("later in it")
        self.outage.answersAgain()
        self.clock.advance(120)
        self.assertEqual(self.topicAfterRestart(), ["later in it"])

    def test_topicAndKeyTogether(self) -> None:
        """
        A key and a topic set during the outage are both stored: one write
        of the room's settings carries both.
        """
        self.mode("+k secret")
        self.topic("during the outage")
        self.outage.down.clear()
        self.clock.advance(60)
        self.assertEqual(self.joinAfterRestart(), "475")
        carol, tc = self.clientAs("carol")
        joined = self.send(carol, tc, "JOIN #r secret")
        self.assertIn("during the outage", [m.params[-1] for m in joined if m.command == "332"])

    def test_topicFromAnotherNodeStored(self) -> None:
        """
        A topic another node set, applied here during the outage (a store
        of this node's own), is stored once the database answers too.
        """
        self.service.replica.applyRemoteRoomChange("r", "carol", topic="from afar")
        self.clock.advance(30)
        self.outage.answersAgain()
        self.clock.advance(0)
        self.assertEqual(self.topicAfterRestart(), ["from afar"])
