"""
Names in scripts whose letters take combining marks (Devanagari, Tamil,
Thai, Hebrew and Arabic with their points, kana with voicing marks), over
the service and every front-end's wire: such a name is valid, is one
person's or one room's, and is told apart from the name without its marks
where the marks make another letter.
"""

from __future__ import annotations

import unicodedata

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.names import (
    NICK_RULE,
    computeKey,
    isValidName,
    isValidRoomName,
    key,
    newNameRefusal,
    normalize,
)
from chatd.core.scripts import scriptOf, scriptsOf
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase
from tests.support.protocolcases import PROMPT, TalkTestCase, TchatTestCase
from tests.support.webclient import WebTestCase

#: Real names whose letters carry combining marks (vowel signs, viramas,
#: Thai vowels and tone marks, Hebrew and Arabic points).
MARKED = [
    "\u0930\u093e\u091c",  # राज
    "\u092a\u094d\u0930\u093f\u092f\u093e",  # प्रिया
    "\u0905\u092e\u093f\u0924",  # अमित
    "\u0930\u093e\u092e",  # राम
    "\u0ba4\u0bae\u0bbf\u0bb4\u0bcd",  # தமிழ்
    "\u0e2a\u0e21\u0e28\u0e31\u0e01\u0e14\u0e34\u0e4c",  # สมศักดิ์
    "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd",  # שָׁלוֹם
    "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f",  # مُحَمَّد
]
#: हिन्दी: a room name with vowel signs and a virama.
HINDI = "\u0939\u093f\u0928\u094d\u0926\u0940"

#: Pairs of names that only a mark making another letter tells apart: kana
#: with and without voicing marks (Ken and Gen, science and price), Cyrillic
#: Й and И, Ї and І, a Devanagari virama.
DISTINCT = [
    ("\u30b1\u30f3", "\u30b2\u30f3"),  # ケン, ゲン
    ("\u3053\u3046\u305f", "\u3054\u3046\u305f"),  # こうた, ごうた
    ("\u3051\u3093\u3058", "\u3052\u3093\u3058"),  # けんじ, げんじ
    ("\u306f\u308b\u304d", "\u3071\u308b\u304d"),  # はるき, ぱるき
    ("\u304b\u304b\u304f", "\u304b\u304c\u304f"),  # かかく, かがく
    ("\u0418\u043e\u0441\u0438\u043f", "\u0419\u043e\u0441\u0438\u043f"),  # Иосип, Йосип
    ("\u0406\u0440\u0430", "\u0407\u0440\u0430"),  # Іра, Їра
    ("\u092a\u0930\u093f\u092f\u093e", MARKED[1]),  # परिया, प्रिया
]
#: Pairs that stay one name: accents on Latin, Greek tonos, a stress accent
#: on a Cyrillic е, Hebrew and Arabic points.
SAME = [
    ("Zoe", "Zo\u00eb"),
    ("General", "G\u00e9n\u00e9ral"),
    ("\u039d\u03b9\u03ba\u03bf\u03c2", "\u039d\u03af\u03ba\u03bf\u03c2"),  # Νικος, Νίκος
    ("General", "G\u0435\u0301n\u00e9ral"),
    ("\u05e9\u05dc\u05d5\u05dd", MARKED[6]),  # שלום, שָׁלוֹם
    ("\u0645\u062d\u0645\u062f", MARKED[7]),  # محمد, مُحَمَّد
]


class MarkedNameRuleTests(SynchronousTestCase):
    def test_marksBelongToTheirLetter(self) -> None:
        """
        A letter's combining marks are part of it: names with them are
        valid nicknames and room names; a name may not start with a mark,
        nor put one on a digit, C{_} or C{-}, and each mark counts towards
        the 16 characters.
        """
        for name in [*MARKED, HINDI, "Zoe\u0308"]:
            self.assertTrue(isValidName(normalize(name)), name)
            self.assertTrue(isValidRoomName(normalize(name)), name)
        for name in ("\u093fabc", "\u0301a", "a1\u0301", "a_\u093f", "a-\u0301"):
            self.assertFalse(isValidName(normalize(name)), ascii(name))
        self.assertTrue(isValidName("\u0930\u093e" * 8))
        self.assertFalse(isValidName("\u0930\u093e" * 8 + "\u091c"))

    def test_daemonRoomsWithMarks(self) -> None:
        """
        A room of C{--rooms} may have marks (C{lobby,हिन्दी}): the daemon
        starts with it.
        """
        service = ChatService(Clock(), rooms=["lobby", HINDI])
        self.assertEqual(sorted(name for name, _ in service.rooms()), sorted(["lobby", HINDI]))


class LetterMarkKeyTests(SynchronousTestCase):
    def test_marksThatMakeALetter(self) -> None:
        """
        A mark that makes another letter is kept in the key (C{ゲン} is not
        C{ケン}, C{Йосип} not C{Иосип}); accents on Latin and Greek letters,
        a Cyrillic stress accent, Hebrew and Arabic points are dropped as
        before.  Each key is its own key.
        """
        for plain, marked in DISTINCT:
            self.assertNotEqual(key(plain), key(marked), marked)
            self.assertEqual(key(marked), key(marked.upper()), marked)
        for plain, marked in SAME:
            self.assertEqual(key(plain), key(marked), marked)
        for name in [name for pair in DISTINCT + SAME for name in pair] + MARKED + [HINDI]:
            self.assertEqual(key(key(name)), key(name), name)

    def test_keysOfEveryMarkedLetter(self) -> None:
        """
        A key is its own key for every letter or mark of Latin, Greek,
        Cyrillic, Hebrew, Arabic, Devanagari, Thai and kana alone, and with
        a voicing mark, a vowel sign or a breve after it.
        """
        blocks = [(0x80, 0x700), (0x900, 0x980), (0xE00, 0xE80), (0x3040, 0x3100)]
        for ch in (chr(code) for start, end in blocks for code in range(start, end)):
            if unicodedata.category(ch)[0] not in "LM":
                continue
            for name in (ch, ch + "\u3099", ch + "\u093e", ch + "\u0306"):
                self.assertEqual(computeKey(computeKey(name)), computeKey(name), ascii(name))


class ScriptPropertyTests(SynchronousTestCase):
    def test_scriptProperty(self) -> None:
        """
        A character's script is Unicode's Script property, not the first
        word of its name: Tai Le and Tai Tham are two scripts (both names
        start with TAI), digits and vowel signs of a script are that
        script's, and Common and Inherited characters belong to none, but
        by their Script_Extensions to the scripts that use them (an acute
        accent to Latin, Greek, Cyrillic...).
        """
        self.assertEqual((scriptOf("\u1950"), scriptOf("\u1a20")), ("Tai Le", "Tai Tham"))
        self.assertEqual(scriptOf("\u0966"), "Devanagari")  # the digit zero
        self.assertEqual(scriptOf("\u093e"), "Devanagari")  # the vowel sign aa
        for ch in ("1", "_", "-", "\u0301", "\u30fc", "\u3099"):
            self.assertIsNone(scriptOf(ch), ascii(ch))
        self.assertEqual(scriptsOf("\u30fc"), {"Hiragana", "Katakana"})
        self.assertEqual(scriptsOf("1"), frozenset())
        self.assertTrue({"Latin", "Greek", "Cyrillic"} <= scriptsOf("\u0301"))

    def test_stackedMarks(self) -> None:
        """
        A name that piles marks on a letter as no writing does (UTS #39,
        5.4: more than four nonspacing marks in a row, or one mark twice in
        a row) is refused: "Zalgo" towers and overlays.  Vietnamese, Indic,
        Tibetan and pinyin marks pass.
        """
        piled = "piles accents on a letter as no language does, so it hides what it says"
        for name in ("a" + "\u0301" * 5, "Z\u0336\u0337\u0338\u0335\u0334", "e\u0301\u0301"):
            self.assertEqual(newNameRefusal(name), f"{name} {piled}", ascii(name))
        for name in (
            "Nguy\u1ec5n",  # ễ: e with a circumflex and a tilde
            "Vi\u1ec7t",
            "\u0915\u094d\u0937\u0924\u094d\u0930\u093f\u092f",  # क्षत्रिय
            "\u0f56\u0f66\u0f92\u0fb2\u0f74\u0f56\u0f66",  # བསྒྲུབས
            "a" + "\u0301\u0300\u0302\u0303",  # four marks: the most
            "l\u01d8",  # ǘ
        ):
            self.assertIsNone(newNameRefusal(name), ascii(name))

    def test_scriptExtensions(self) -> None:
        """
        A character several scripts share goes with each (C{ー} in
        Hiragana C{らーめん} as in Katakana C{ラーメン}); letters, digits and
        marks of another script make a Latin name mixed: C{bob०} with a
        Devanagari zero (keyed as C{bobo}), C{bobा} with a vowel sign.
        """
        for name in ("\u3089\u30fc\u3081\u3093", "\u30e9\u30fc\u30e1\u30f3", "\u5c71\u7530taro"):
            self.assertIsNone(newNameRefusal(name), name)
        for name, other in [
            ("bob\u0966", "Devanagari"),
            ("bob\u093e", "Devanagari"),
            ("ab\u0e50", "Thai"),
        ]:
            self.assertEqual(
                newNameRefusal(name),
                f"{name} mixes Latin letters with {other} ones, so it could pass for another name",
            )
        self.assertIn(
            "mixes Tai Le letters with Tai Tham ones", newNameRefusal("\u1950\u1a20") or ""
        )


class TchatMarkedNameTests(TchatTestCase):
    def test_loginAndCreate(self) -> None:
        """
        Over TCHAT: C{LOGIN राज} and the other marked names are accepted
        (they were C{ERROR 20}); C{CREAT हिन्दी} creates the group.
        """
        for name in MARKED:
            self.connect(name)
        proto, t = self.connect("\u0915\u092e\u0932")
        self.assertEqual(self.send(proto, t, f"clt: CREAT {HINDI}"), b"srv: OKAY!\n")
        self.assertIn(HINDI, [name for name, _ in self.service.rooms()])

    def test_voicedKanaAreOtherNames(self) -> None:
        """
        Over TCHAT: with C{ケン} online, C{LOGIN ゲン} is another person (it
        was 23); C{CREAT かかく} (price) beside C{かがく} (science) is another
        group (it was 33).
        """
        self.connect(DISTINCT[0][0])
        proto, t = self.connect(DISTINCT[0][1])
        self.assertEqual(self.send(proto, t, f"clt: CREAT {DISTINCT[4][1]}"), b"srv: OKAY!\n")
        self.assertEqual(self.send(proto, t, f"clt: CREAT {DISTINCT[4][0]}"), b"srv: OKAY!\n")
        self.assertEqual(self.send(proto, t, f"clt: CREAT {DISTINCT[4][0]}"), b"srv: ERROR 33\n")

    def test_otherScriptsDigit(self) -> None:
        """
        Over TCHAT: C{LOGIN bob०} (a Devanagari zero) mixes scripts: 20.
        """
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "clt: LOGIN bob\u0966"), b"srv: ERROR 20\n")


class TalkMarkedNameTests(TalkTestCase):
    def test_nicknameAndRoom(self) -> None:
        """
        In talk mode: C{राज} is a nickname, C{/name प्रिया} a rename and
        C{/join #हिन्दी} creates the room; a name starting with a mark
        gets the rule.
        """
        proto, t = self.connect()
        self.assertEqual(
            self.send(proto, t, "\u093fabc"),
            f"*** Sorry, a nickname is {NICK_RULE}.\r\n".encode() + PROMPT,
        )
        self.assertIn("*** Welcome, \u0930\u093e\u091c!".encode(), self.send(proto, t, MARKED[0]))
        self.assertEqual(
            self.send(proto, t, f"/name {MARKED[1]}").decode(),
            f"*** You are now known as {MARKED[1]}.\r\n",
        )
        self.send(proto, t, f"/join #{HINDI}")
        self.assertEqual(proto.room, HINDI)


class TalkDistinctNameTests(TalkTestCase):
    def test_cyrillicLetters(self) -> None:
        """
        In talk mode: with C{Іра} online, C{Їра} is a nickname of its own;
        with C{Zoe}, C{Zoë} is still taken.
        """
        self.connect(DISTINCT[6][0])
        self.connect(DISTINCT[6][1])
        self.connect("Zoe")
        proto, t = self.connect()
        self.assertIn(b"Sorry, that nickname is", self.send(proto, t, "Zo\u00eb"))


class IRCMarkedNameTests(IRCTestCase):
    def test_nickAndJoin(self) -> None:
        """
        Over IRC: C{NICK राज} registers (it was 432), C{JOIN #हिन्दी} joins
        (it was 403).
        """
        proto, t = self.connect(MARKED[0])
        joined = self.messages(self.send(proto, t, f"JOIN #{HINDI}"))
        self.assertEqual((joined[0].command, joined[0].params), ("JOIN", [f"#{HINDI}"]))
        self.assertIn(" 001 ", self.send(*self.connect(), f"NICK {MARKED[4]}", "USER x 0 * :X"))

    def test_distinctNicks(self) -> None:
        """
        Over IRC: with C{Иосип} online, C{NICK Йосип} registers (it was 433);
        C{#かがく} and C{#かかく} are two channels.
        """
        first, t1 = self.connect(DISTINCT[5][0])
        second, t2 = self.connect(DISTINCT[5][1])
        self.send(first, t1, f"JOIN #{DISTINCT[4][0]}")
        self.send(second, t2, f"JOIN #{DISTINCT[4][1]}")
        self.assertEqual(self.service.roomsOf(first), [DISTINCT[4][0]])
        self.assertEqual(self.service.roomsOf(second), [DISTINCT[4][1]])

    def test_stackedMarksOverIRC(self) -> None:
        """
        Over IRC: C{NICK} with a tower of accents is 432, saying why.
        """
        reply = self.send(*self.connect(), "NICK ab" + "\u0301" * 10, "USER x 0 * :X")
        self.assertEqual(self.numerics(reply), ["432"])
        self.assertIn("piles accents on a letter", reply)

    def test_otherScriptsDigit(self) -> None:
        """
        Over IRC: C{NICK ab๐} (a Thai zero) is 432, saying why.
        """
        reply = self.send(*self.connect(), "NICK ab\u0e50", "USER x 0 * :X")
        self.assertEqual(self.numerics(reply), ["432"])
        self.assertIn("mixes Latin letters with Thai ones", reply)


class WebMarkedNameTests(WebTestCase):
    def test_loginAndCreate(self) -> None:
        """
        Over the web: a login as C{مُحَمَّد} and a room C{हिन्दी} are accepted
        (they were error 20 and 30).
        """
        client = self.web.connect()
        reply = self.request(client, type="login", nick=MARKED[7])
        self.assertEqual((reply["type"], reply["nick"]), ("login", normalize(MARKED[7])), reply)
        self.assertEqual(self.request(client, type="create", room=HINDI)["room"], HINDI)

    def test_handakutenIsAnotherName(self) -> None:
        """
        Over the web: with C{はるき} online, a login as C{ぱるき} is accepted
        (it was error 23).
        """
        self.web.connect(DISTINCT[3][0])
        reply = self.request(self.web.connect(), type="login", nick=DISTINCT[3][1])
        self.assertEqual((reply["type"], reply["nick"]), ("login", DISTINCT[3][1]), reply)


class ServiceMarkedNameTests(SynchronousTestCase):
    def test_invalidStart(self) -> None:
        """
        A nickname that starts with a mark is still refused by the service.
        """
        service = ChatService(Clock())
        person = RecordingParticipant()
        service.connect(person)
        self.assertRaises(errors.InvalidNick, service.login, person, "\u093fabc")
