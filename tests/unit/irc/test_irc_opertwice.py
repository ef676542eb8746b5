"""
C{OPER}'s rights are the person's: every connection of an account signed in
twice is shown its own C{MODE nick +o} before the channels' C{MODE #room +o
nick} it makes, and C{MODE nick -o} before their C{-o}, as the connection
that asked is (its reply first: L{chatd.irc.afterreply}).
"""

from __future__ import annotations

from chatd.irc.message import Message
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.operpasswords import operChecker


class OperOnEveryConnectionTests(IRCStoreTestCase):
    """
    C{alice} signed in twice (a laptop, a phone), in C{#lobby} (and C{#Général}) with the
    guest C{bob}, who runs it; C{OPER operuser operpassword} is an
    administrator's.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory.operChecker = operChecker(self, self.clock)
        self.bob, self.tb = self.clientAs("bob")
        self.send(self.bob, self.tb, "JOIN #lobby")
        self.laptop, self.tl, _ = self.saslAs("alice", "sesame", "alice")
        self.phone, self.tp, _ = self.saslAs("alice", "sesame", "alice")
        self.send(self.laptop, self.tl, "JOIN #lobby")
        self.send(self.phone, self.tp)
        self.send(self.bob, self.tb)

    def modes(self, told: list[Message]) -> tuple[list[str], list[list[str]]]:
        """
        The first C{MODE} line's parameters, and the later ones' (the
        channels': C{#lobby}, and C{#Général}, where accounts are put).
        """
        first, *later = [m.params for m in told if m.command == "MODE"]
        return first, sorted(later)

    def channels(self, change: str) -> list[list[str]]:
        return [["#Général", change, "alice"], ["#lobby", change, "alice"]]

    def test_operShownOnTheOtherConnectionFirst(self) -> None:
        """
        The phone sees C{MODE alice +o}, then C{MODE #lobby +o alice}, as
        the laptop, which asked, sees them after its C{381}.
        """
        told = self.send(self.laptop, self.tl, "OPER operuser operpassword")
        self.assertEqual(self.codes(told)[0], "381")
        shown = (["alice", "+o"], self.channels("+o"))
        self.assertEqual(self.modes(told), shown)
        self.assertEqual(self.modes(self.send(self.phone, self.tp)), shown)

    def test_dropShownOnTheOtherConnectionFirst(self) -> None:
        """
        C{MODE alice -o} from the laptop: the phone sees C{MODE alice -o},
        then C{MODE #lobby -o alice}, as the laptop does.
        """
        self.send(self.laptop, self.tl, "OPER operuser operpassword")
        self.send(self.phone, self.tp)
        told = self.send(self.laptop, self.tl, "MODE alice -o")
        shown = (["alice", "-o"], self.channels("-o"))
        self.assertEqual(self.modes(told), shown)
        self.assertEqual(self.modes(self.send(self.phone, self.tp)), shown)
