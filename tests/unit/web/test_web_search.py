"""
The web front-end's C{search} request (L{chatd.web.searching.search}), in
memory: the messages of the user's rooms and own private conversations
holding the words, newest first, each naming its conversation.
"""

from __future__ import annotations

from typing import Any

from tests.support.inlinesqlite import inlineSQLiteStore
from tests.support.webclient import JSONClient, StoredWebTestCase, WebTestCase


class SearchRequestTests(StoredWebTestCase):
    accountsAtStart = ()
    roomsAtStart = ("lobby", "Jeux")

    def test_search(self) -> None:
        """
        C{search} answers with C{text} and C{results}: room messages with
        C{room}, private ones with C{with} (the other person), each with
        C{from}, C{text}, C{time}, C{msgid} (and C{action}), newest first;
        never a room the user is not in.
        """
        alice, bob, carol = (self.web.connect(nick) for nick in ("alice", "bob", "carol"))
        for client in (alice, bob):
            self.assertEqual(
                self.request(client, type="register", password="sesame")["type"], "register"
            )
            self.request(client, type="join", room="lobby")
        self.request(carol, type="join", room="Jeux")
        said = self.request(alice, type="say", room="lobby", text="picnic at noon")
        self.reactor.advance(60)
        self.request(carol, type="say", room="Jeux", text="picnic in Jeux")
        told = self.request(bob, type="tell", to="alice", text="\x01ACTION brings picnic\x01")
        reply = self.request(alice, type="search", text="Picnic")
        self.assertEqual(reply["text"], "Picnic")
        self.assertEqual(
            reply["results"],
            [
                {
                    "with": "bob",
                    "from": "bob",
                    "text": "* bob brings picnic",
                    "action": True,
                    "time": 1060,
                    "millis": 1_060_001,  # the millisecond after carol's
                    "msgid": told["msgid"],
                },
                {
                    "room": "lobby",
                    "from": "alice",
                    "text": "picnic at noon",
                    "time": 1000,
                    "millis": 1_000_000,
                    "msgid": said["msgid"],
                },
            ],
        )
        self.assertEqual(
            self.request(alice, type="search", text="noon", limit=1)["results"][0]["room"], "lobby"
        )
        self.assertEqual(self.request(alice, type="search", text="nothing")["results"], [])

    def test_refused(self) -> None:
        """
        No word, a bad limit or a missing text is error 10.
        """
        alice = self.web.connect("alice")
        for fields in ({"text": " ? "}, {"text": "a", "limit": 0}, {"text": "a", "limit": "2"}, {}):
            reply = self.request(alice, type="search", **fields)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), fields)


class NoStoreTests(WebTestCase):
    def test_noHistory(self) -> None:
        """
        A daemon that keeps no messages refuses a search with error 12.
        """
        alice = self.web.connect("alice")
        reply = self.request(alice, type="search", text="picnic")
        self.assertEqual((reply["type"], reply["code"]), ("error", 12))


class FormattingCodesTests(StoredWebTestCase):
    """
    C{search} finds what readers see: IRC formatting codes in a message
    (said by an IRC user, here stored) are not part of its words, nor in a
    query.
    """

    accountsAtStart = ()

    def found(self, client: JSONClient, text: str) -> list[str]:
        return [
            found["text"] for found in self.request(client, type="search", text=text)["results"]
        ]

    def test_codesNotSearched(self) -> None:
        """
        A colour's word is found without its code and numbers, a word split
        by bold is found whole, and a colour's numbers are no word; codes in
        the query are not searched either.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        for text in (
            "bold and \x0304,12red on blue",
            "\x0303green",
            "\x0304rouge\x03 \u00e9t\u00e9",
            "\x02gras\x02ascii",
        ):
            self.store.addMessage("lobby", "bob", None, (text,), int(self.reactor.seconds()))
            self.reactor.advance(1)
        self.assertEqual(self.found(alice, "red blue"), ["bold and red on blue"])
        self.assertEqual(self.found(alice, "green"), ["green"])
        self.assertEqual(self.found(alice, "rouge"), ["rouge \u00e9t\u00e9"])
        self.assertEqual(self.found(alice, "grasascii"), ["grasascii"])
        self.assertEqual(self.found(alice, "\x02red\x02"), ["bold and red on blue"])
        self.assertEqual(self.found(alice, "04red"), [])
        self.assertEqual(self.found(alice, "03green"), [])


class FormattingCodesSQLiteTests(FormattingCodesTests):
    """
    The same on SQLite (FTS5).
    """

    def makeStore(self) -> Any:
        return inlineSQLiteStore(self.reactor)
