"""
Tests for IRC's LUSERS and the server operator's MODE +o: invisible users
(user mode +i) are counted as invisible, not as users; a chatd operator gives
operator status in a channel it is not on.
"""

from __future__ import annotations

from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase


class LusersTests(IRCTestCase):
    def test_invisibleCounted(self) -> None:
        """
        251 counts the users with +i apart; 255 still counts every client;
        dropping +i moves the user back.
        """
        bob = RecordingParticipant(protocolName="tchat")
        self.service.connect(bob)
        self.service.login(bob, "bob")
        alice, t = self.connect("alice")
        carol, u = self.connect("carol")
        self.send(carol, u, "MODE carol +i")

        def lusers() -> list[str]:
            messages = self.messages(self.send(alice, t, "LUSERS"))
            return [m.params[1] for m in messages if m.command in ("251", "255")]

        self.assertEqual(
            lusers(),
            ["There are 2 users and 1 invisible on 1 servers", "I have 3 clients and 0 servers"],
        )
        self.send(alice, t, "MODE alice +i")
        self.assertEqual(lusers()[0], "There are 1 users and 2 invisible on 1 servers")
        self.send(carol, u, "MODE carol -i")
        self.assertEqual(lusers()[0], "There are 2 users and 1 invisible on 1 servers")

    def test_gone(self) -> None:
        """
        An invisible user who leaves is no longer counted, and an operator
        is counted once while online.
        """
        alice, t = self.connect("alice")
        carol, u = self.connect("carol")
        self.send(carol, u, "MODE carol +i")
        self.makeOperator("carol")

        def lusers() -> list[list[str]]:
            messages = self.messages(self.send(alice, t, "LUSERS"))
            return [m.params[1:] for m in messages if m.command in ("251", "252")]

        self.assertEqual(
            lusers(),
            [["There are 1 users and 1 invisible on 1 servers"], ["1", "operator(s) online"]],
        )
        carol.connectionLost()
        self.assertEqual(
            lusers(),
            [["There are 1 users and 0 invisible on 1 servers"], ["0", "operator(s) online"]],
        )

    def test_welcomeLooksAtNobodyElse(self) -> None:
        """
        The LUSERS of a welcome is counted without looking at everyone
        online: a login costs the same however many people are here.
        """
        self.connect("alice")
        people = self.service.people

        def everyone() -> list[object]:
            raise AssertionError("a login looked at everyone online")

        self.patch(people, "users", everyone)
        self.patch(self.service, "users", everyone)
        bob, t = self.connect()
        welcome = self.messages(self.send(bob, t, "NICK bob", "USER b 0 * :B"))
        [counted] = [m.params for m in welcome if m.command == "251"]
        self.assertEqual(counted, ["bob", "There are 2 users and 0 invisible on 1 servers"])


class ServerOperatorTests(IRCTestCase):
    def test_opInChannelNotJoined(self) -> None:
        """
        A chatd operator not on a channel gives a member operator status
        with MODE +o; every member sees it; a plain user is refused (482).
        """
        alice, t = self.connect("alice")
        bob, u = self.connect("bob")
        carol, v = self.connect("carol")
        self.send(bob, u, "JOIN #lobby")
        self.send(carol, v, "JOIN #lobby")
        self.read(u)
        self.makeOperator("alice")
        self.assertEqual(self.numerics(self.send(carol, v, "MODE #lobby +o carol")), ["482"])
        self.assertEqual(self.read(u), "")
        self.send(alice, t, "MODE #lobby +o carol")
        [mode] = self.messages(self.read(u))
        self.assertEqual((mode.command, mode.params), ("MODE", ["#lobby", "+o", "carol"]))
        self.assertTrue(str(mode.prefix).startswith("alice!"))
