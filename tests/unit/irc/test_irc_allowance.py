"""
IRC's C{NICK}, C{JOIN} and C{PART} under a person's allowance
(L{chatd.core.allowance}): a burst, then C{438} for a nickname and C{263}
for a channel until the clock has moved.
"""

from __future__ import annotations

from chatd.core.limits import MOVE_EVERY, MOVES_BURST, RENAME_EVERY, RENAMES_BURST
from tests.support.irchelpers import IRCTestCase


class RenameAllowanceTests(IRCTestCase):
    def test_burstThenTooFast(self) -> None:
        """
        C{RENAMES_BURST} renames pass; the next is C{438} and leaves the
        nickname as it was; one passes again after C{RENAME_EVERY} seconds.
        """
        alice, ta = self.connect("alice")
        for n in range(RENAMES_BURST):
            self.assertIn(f" NICK :a{n}", self.send(alice, ta, f"NICK a{n}"))
        last = f"a{RENAMES_BURST - 1}"
        refused = self.messages(self.send(alice, ta, "NICK late"))
        self.assertEqual([(m.command, m.params[:2]) for m in refused], [("438", [last, "late"])])
        self.assertIn("too fast", refused[0].params[-1])
        self.assertIsNotNone(self.service.find(last))
        self.clock.advance(RENAME_EVERY - 1)
        self.assertEqual(self.numerics(self.send(alice, ta, "NICK late")), ["438"])
        self.clock.advance(1)
        self.assertIn(" NICK :late", self.send(alice, ta, "NICK late"))

    def test_operatorExempt(self) -> None:
        """
        A chatd operator may rename as often as it likes.
        """
        moder, tm = self.connect("moder")
        self.makeOperator("moder")
        for n in range(RENAMES_BURST * 2):
            self.assertIn(f" NICK :m{n}", self.send(moder, tm, f"NICK m{n}"))

    def test_countedPerPerson(self) -> None:
        """
        Another user's renames are counted apart.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        for n in range(RENAMES_BURST):
            self.send(alice, ta, f"NICK a{n}")
        self.assertEqual(self.numerics(self.send(alice, ta, "NICK late")), ["438"])
        self.assertIn(" NICK :bobby", self.send(bob, tb, "NICK bobby"))


class MoveAllowanceTests(IRCTestCase):
    def test_burstThenTooFast(self) -> None:
        """
        C{PART}s take from the allowance: once spent, C{JOIN} is C{263} and
        nobody sees an entry; C{PART} still leaves; a C{JOIN} passes again
        after C{MOVE_EVERY} seconds.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(bob, tb, "JOIN #lobby")
        for _ in range(MOVES_BURST):
            self.send(alice, ta, "JOIN #lobby", "PART #lobby")
        self.read(tb)
        refused = self.messages(self.send(alice, ta, "JOIN #lobby"))
        answer = [(m.command, m.params[:2]) for m in refused]
        self.assertEqual(answer, [("263", ["alice", "#lobby"])])
        self.assertIn("too fast", refused[0].params[-1])
        self.assertEqual(self.read(tb), "")
        self.clock.advance(MOVE_EVERY)
        self.assertIn(" JOIN #lobby", self.send(alice, ta, "JOIN #lobby"))
        self.assertIn(" JOIN #lobby", self.read(tb))
        self.assertIn(" PART #lobby", self.send(alice, ta, "PART #lobby"))  # never refused
        self.assertIn(" PART #lobby", self.read(tb))

    def test_autojoinListOfAnyLength(self) -> None:
        """
        Entries are not counted: a client joining more channels at once
        than the allowance holds (an autojoin list) enters every one.
        """
        for n in range(MOVES_BURST * 2):  # rooms that exist (creating them has its own limits)
            self.service.registry.ensure(f"c{n}")
        alice, ta = self.connect("alice")
        channels = ",".join(f"#c{n}" for n in range(MOVES_BURST * 2))
        joined = self.messages(self.send(alice, ta, "JOIN " + channels))
        self.assertEqual(len([m for m in joined if m.command == "JOIN"]), MOVES_BURST * 2)
        self.assertNotIn("263", [m.command for m in joined])

    def test_operatorExempt(self) -> None:
        """
        A chatd operator may enter and leave as often as it likes.
        """
        moder, tm = self.connect("moder")
        self.makeOperator("moder")
        for _ in range(MOVES_BURST + 1):
            self.assertIn(" JOIN #lobby", self.send(moder, tm, "JOIN #lobby", "PART #lobby"))
