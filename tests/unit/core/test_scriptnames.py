"""
Names in scripts whose letters take combining marks (Devanagari, Tamil,
Thai, Hebrew and Arabic with their points, kana with voicing marks), over
the service and every front-end's wire: such a name is valid, is one
person's or one room's, and is told apart from the name without its marks
where the marks make another letter.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.names import isValidName, isValidRoomName, newNameRefusal, normalize
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
            b"*** Sorry, a nickname is 1 to 16 letters, digits, '_' or '-'.\r\n" + PROMPT,
        )
        self.assertIn("*** Welcome, \u0930\u093e\u091c!".encode(), self.send(proto, t, MARKED[0]))
        self.assertEqual(
            self.send(proto, t, f"/name {MARKED[1]}").decode(),
            f"*** You are now known as {MARKED[1]}.\r\n",
        )
        self.send(proto, t, f"/join #{HINDI}")
        self.assertEqual(proto.room, HINDI)


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


class ServiceMarkedNameTests(SynchronousTestCase):
    def test_invalidStart(self) -> None:
        """
        A nickname that starts with a mark is still refused by the service.
        """
        service = ChatService(Clock())
        person = RecordingParticipant()
        service.connect(person)
        self.assertRaises(errors.InvalidNick, service.login, person, "\u093fabc")
