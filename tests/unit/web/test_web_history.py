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


class HistoryPageTests(StoredWebTestCase):
    """
    A C{history} request without C{limit} gets as many messages as entering
    a room replays (C{--history-count}), for a room's latest, a private
    conversation and the messages before one alike; the reply says whether
    the conversation holds any before them (C{earlier}), so a page knows
    when it reached the first.
    """

    accountsAtStart = (("alice", "sesame"), ("bob", "sesame"))

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.signIn("bob")
        self.request(self.bob, type="join", room="lobby")
        persistence = self.service.persistence
        assert persistence is not None
        persistence.inbox.maxPerSender = None  # bob's 30 all wait for alice
        for n in range(30):
            self.request(self.bob, type="say", room="lobby", text=f"room {n}")
            self.request(self.bob, type="tell", to="alice", text=f"private {n}")
        self.alice = self.signIn()
        self.request(self.alice, type="join", room="lobby")

    def texts(self, **request: object) -> tuple[list[str], bool]:
        reply = self.request(self.alice, type="history", **request)
        return [m["text"] for m in reply["messages"]], reply["earlier"]

    def pages(self) -> list[tuple[list[str], bool]]:
        """
        Each conversation's latest, then those before the oldest one shown,
        until the first.
        """
        pages = []
        for conversation in ({"room": "lobby"}, {"with": "bob"}):
            reply = self.request(self.alice, type="history", **conversation)
            while True:
                pages.append(([m["text"] for m in reply["messages"]], reply["earlier"]))
                if not reply["earlier"]:
                    break
                before = reply["messages"][0]["msgid"]
                reply = self.request(self.alice, type="history", before=before, **conversation)
        return pages

    def test_historyCount(self) -> None:
        """
        With C{--history-count} 8, every page holds 8 messages (the last
        the 6 left), and a C{limit} still chooses.
        """
        self.service.historyCount = 8
        sizes = [(len(texts), earlier) for texts, earlier in self.pages()]
        self.assertEqual(sizes, [(8, True), (8, True), (8, True), (6, False)] * 2)
        self.assertEqual(self.pages()[4][0], [f"private {n}" for n in range(22, 30)])
        self.assertEqual(
            self.texts(limit=2, **{"with": "bob"}), (["private 28", "private 29"], True)
        )

    def test_replayOff(self) -> None:
        """
        With C{--history-count} 0 (nothing replayed), a page holds 20
        (L{chatd.core.limits.HISTORY_COUNT}): asking shows something.  The
        ten before those are the first.
        """
        self.service.historyCount = 0
        sizes = [(len(texts), earlier) for texts, earlier in self.pages()]
        self.assertEqual(sizes, [(20, True), (10, False)] * 2)

    def test_exactlyAPage(self) -> None:
        """
        A conversation of exactly a page holds nothing earlier: the page
        needs not ask again to know it.
        """
        self.service.historyCount = 30
        self.assertEqual(
            [(len(texts), earlier) for texts, earlier in self.pages()], [(30, False)] * 2
        )
