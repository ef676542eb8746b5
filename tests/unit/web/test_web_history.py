"""
The C{history} request of a private conversation (C{with} a person), in
memory: a registered account reads its private messages, as IRC's
C{CHATHISTORY} of a nickname does; a guest's are not kept.
"""

from __future__ import annotations

from tests.support.webclient import StoredWebTestCase


class PrivateHistoryTests(StoredWebTestCase):
    def test_privateConversation(self) -> None:
        """
        C{with} names the other person: the reply has that conversation's
        messages, both ways, oldest first; C{before} scrolls back.
        """
        bob = self.web.connect("bob")
        said = [self.request(bob, type="tell", to="alice", text=t) for t in ("one", "two")]
        alice = self.signIn()
        self.request(alice, type="tell", to="bob", text="three")
        reply = self.request(alice, type="history", **{"with": "bob"})
        self.assertEqual((reply["type"], reply["with"], reply["stored"]), ("history", "bob", True))
        self.assertEqual(
            [(m["from"], m["text"]) for m in reply["messages"]],
            [("bob", "one"), ("bob", "two"), ("alice", "three")],
        )
        self.assertEqual(reply["messages"][0]["msgid"], said[0]["msgid"])
        earlier = self.request(alice, type="history", before=said[1]["msgid"], **{"with": "bob"})
        self.assertEqual([m["text"] for m in earlier["messages"]], ["one"])

    def test_guestHasNone(self) -> None:
        """
        A guest's private messages are not kept: an empty list, not stored.
        """
        carol = self.web.connect("carol")
        bob = self.web.connect("bob")
        self.request(bob, type="tell", to="carol", text="psst")
        reply = self.request(carol, type="history", **{"with": "bob"})
        self.assertEqual((reply["messages"], reply["stored"]), ([], False))

    def test_roomOrPerson(self) -> None:
        """
        Neither C{room} nor C{with} a string: error 10.
        """
        bob = self.web.connect("bob")
        self.assertEqual(self.request(bob, type="history", **{"with": 3})["code"], 10)
        self.assertEqual(self.request(bob, type="history")["code"], 10)

    def test_underTheirNickname(self) -> None:
        """
        C{with} the nickname a person signed in to an account goes by
        gives the conversation with the account, as its name does (what
        they said kept as said by the account).
        """
        self.successResultOf(self.accounts.register("teacher", "chalk99"))
        teacher = self.signIn("teacher", "chalk99")
        self.request(teacher, type="nick", nick="tutor")
        alice = self.signIn()
        self.request(alice, type="tell", to="tutor", text="question")
        self.request(teacher, type="tell", to="alice", text="answer")
        for name in ("tutor", "teacher"):
            reply = self.request(alice, type="history", **{"with": name})
            self.assertEqual(
                [(m["from"], m["text"]) for m in reply["messages"]],
                [("alice", "question"), ("teacher", "answer")],
                name,
            )
