"""
Talk mode's C{/search words} (L{chatd.talk.commands}): the messages of the
person's rooms and own private conversations that hold the words, newest
first, each with its time and conversation; a line when nothing matches,
the usage line without a word.
"""

from __future__ import annotations

import time
from typing import Any

from twisted.internet.testing import StringTransport

from chatd.talk.protocol import TalkProtocol
from tests.support.helpers import output
from tests.support.inlinesqlite import inlineSQLiteStore
from tests.support.talkstorecase import TalkStoreTestCase


def hhmm(when: int) -> str:
    return time.strftime("%H:%M", time.localtime(when))


class SearchCommandTests(TalkStoreTestCase):
    def talk(self, nick: str, password: str | None = None) -> tuple[TalkProtocol, StringTransport]:
        """A terminal logged in as C{nick}, which registers it."""
        proto, transport = super().talk(nick, password)
        self.assertIn(b"now registered", self.type(proto, transport, "/register sesame"))
        return proto, transport

    def test_search(self) -> None:
        """
        C{/search} lists the matches newest first: a private message as
        C{*private with bob HH:MM*}, a room message as C{[lobby HH:MM]}; not
        a room alice is not in, nor others' private talk.
        """
        alice, ta = self.talk("alice")
        bob, tb = self.talk("bob")
        carol, tc = self.talk("carol")
        start = int(self.clock.seconds())
        self.type(bob, tb, "Picnic on sunday?")
        self.clock.advance(60)
        self.type(carol, tc, "/join Jeux", "picnic games", "/pm bob picnic secret")
        self.clock.advance(60)
        self.type(bob, tb, "/pm alice bring the picnic basket")
        output(ta, self.clock)
        self.assertEqual(
            self.type(alice, ta, "/search PICNIC"),
            '*** Search for "PICNIC": 2 messages, newest first:\r\n'
            f"*private with bob {hhmm(start + 120)}* <bob> bring the picnic basket\r\n"
            f"[lobby {hhmm(start)}] <bob> Picnic on sunday?\r\n"
            "*** End of search.\r\n".encode(),
        )
        self.assertIn(b"1 message,", self.type(alice, ta, "/search sunday picnic"))

    def test_noMatchAndUsage(self) -> None:
        """
        Nothing found is said in one line; nothing to search for gets the
        usage line, and no word (an emoji alone) says so.
        """
        alice, ta = self.talk("alice")
        self.assertEqual(
            self.type(alice, ta, "/search nothing here"),
            b'*** No message matches "nothing here".\r\n',
        )
        self.assertEqual(  # typed in quotes: shown in one pair
            self.type(alice, ta, '/search "nothing here"'),
            b'*** No message matches "nothing here".\r\n',
        )
        for bad in ("/search", "/search   "):
            self.assertEqual(self.type(alice, ta, bad), b"*** Usage: /search <words>\r\n")
        for noWord in ("/search ?!", "/search \U0001f600"):
            self.assertIn(b"search for at least one word", self.type(alice, ta, noWord))


class FormattingCodesTests(TalkStoreTestCase):
    """
    C{/search} finds what readers see: IRC formatting codes (bold, colours
    with their numbers, reset...) in a message are not part of its words.
    """

    def found(self, alice: TalkProtocol, ta: StringTransport, words: str) -> list[str]:
        """The messages C{/search words} lists, without their room and time."""
        lines = self.type(alice, ta, f"/search {words}").decode().split("\r\n")
        return [line.split("> ", 1)[1] for line in lines if line.startswith("[lobby ")]

    def test_codesNotSearched(self) -> None:
        """
        A colour's word is found without its code and numbers, a word split
        by bold is found whole, and a colour's numbers are no word.
        """
        alice, ta = self.talk("alice")
        for text in (
            "bold and \x0304,12red on blue",
            "\x0303green",
            "\x0304rouge\x03 \u00e9t\u00e9",
            "\x02gras\x02ascii",
        ):
            self.store.addMessage("lobby", "bob", None, (text,), int(self.clock.seconds()))
            self.clock.advance(1)
        self.assertEqual(self.found(alice, ta, "red"), ["bold and red on blue"])
        self.assertEqual(self.found(alice, ta, "green"), ["green"])
        self.assertEqual(self.found(alice, ta, "rouge"), ["rouge \u00e9t\u00e9"])
        self.assertEqual(self.found(alice, ta, "grasascii"), ["grasascii"])
        self.assertEqual(self.found(alice, ta, "04red"), [])
        self.assertEqual(self.found(alice, ta, "03green"), [])


class FormattingCodesSQLiteTests(FormattingCodesTests):
    """
    The same on SQLite (FTS5).
    """

    def makeStore(self) -> Any:
        return inlineSQLiteStore(self.clock)


class AccentsTests(TalkStoreTestCase):
    """
    C{/search} finds a word typed without its accents, vowel points or
    tatweel (L{chatd.core.searchform}), as a pupil types it.
    """

    def found(self, alice: TalkProtocol, ta: StringTransport, words: str) -> list[str]:
        """The messages C{/search words} lists, without their room and time."""
        lines = self.type(alice, ta, f"/search {words}").decode().split("\r\n")
        return [line.split("> ", 1)[1] for line in lines if line.startswith("[lobby ")]

    def test_withoutAccents(self) -> None:
        """
        C{ecole} finds C{école}, C{ISIK} finds C{ışık}, C{محمد} finds
        C{مُحَمَّد} and C{مـحـمـد}, C{שלום} finds C{שָׁלוֹם}.
        """
        alice, ta = self.talk("alice")
        ecole = "L'\u00e9cole du caf\u00e9"
        turkish = "\u0131\u015f\u0131k var"  # ışık var
        harakat = "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f"  # مُحَمَّد
        tatweel = "\u0645\u0640\u062d\u0640\u0645\u0640\u062f"  # مـحـمـد
        niqqud = "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd"  # שָׁלוֹם
        for text in (ecole, turkish, harakat, tatweel, niqqud):
            self.store.addMessage("lobby", "bob", None, (text,), int(self.clock.seconds()))
            self.clock.advance(1)
        self.assertEqual(self.found(alice, ta, "ecole cafe"), [ecole])
        self.assertEqual(self.found(alice, ta, "ISIK"), [turkish])
        self.assertEqual(self.found(alice, ta, "\u0645\u062d\u0645\u062f"), [tatweel, harakat])
        self.assertEqual(self.found(alice, ta, "\u05e9\u05dc\u05d5\u05dd"), [niqqud])


class AccentsSQLiteTests(AccentsTests):
    """
    The same on SQLite (FTS5).
    """

    def makeStore(self) -> Any:
        return inlineSQLiteStore(self.clock)
