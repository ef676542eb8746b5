"""
Names that look the same are the same name: PRECIS (RFC 8265) and the UTS
#39 confusable skeleton in L{chatd.core.names}, and every place that compares
names (nicknames, rooms, bans, operators) over the service and the wire.
"""

from __future__ import annotations

import random
import unicodedata

from precis_i18n import get_profile
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.accounts import OPERATOR_NAME
from chatd.core.masks import matches
from chatd.core.moderation import Moderation
from chatd.core.names import (
    MAX_ROOM_NAME_LENGTH,
    NICK_SPECIALS,
    ROOM_NAME_RULE,
    computeKey,
    distinct,
    hasInvisible,
    isReserved,
    isValidName,
    isValidRoomName,
    key,
    newNameRefusal,
    newNickRefusal,
    normalize,
    roomOfChannel,
    skeleton,
)
from chatd.core.scripts import scriptOf
from chatd.core.service import ChatService
from chatd.storage.interfaces import RoomSettings
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase
from tests.support.persistencecase import PersistenceTestCase
from tests.support.protocolcases import PROMPT, TalkTestCase, TchatTestCase
from tests.support.webclient import WebTestCase

PRESERVED = get_profile("UsernameCasePreserved")

#: Look-alikes of C{alice}, one per kind; PRECIS refuses the last five as
#: names, and all of them are C{alice} for lookups and bans.
LOOKALIKES = {
    "case": "ALICE",
    "Cyrillic capital A": "\u0410LICE",
    "Cyrillic small a": "\u0430lice",
    "Ukrainian i": "al\u0456ce",
    "Greek alpha": "\u03b1lice",
    "Latin alpha": "\u0251lice",
    "dotless i": "al\u0131ce",
    "capital I for l": "aIice",
    "digit 1 for l": "a1ice",
    "fullwidth": "\uff41\uff4c\uff49\uff43\uff45",
    "mathematical bold": "\U0001d41a\U0001d425\U0001d422\U0001d41c\U0001d41e",
    "mathematical script": "\U0001d4b6\U0001d4c1\U0001d4be\U0001d4b8\U0001d452",
    "Roman numeral fifty": "a\u217cice",
    "circled letter": "\u24d0lice",
    "zero-width space": "ali\u200bce",
    "small capital A": "\u1d00lice",
    "small capitals": "\u1d00\u029f\u026a\u1d04\u1d07",
}
REFUSED = {"mathematical bold", "mathematical script", "Roman numeral fifty"}
REFUSED |= {"circled letter", "zero-width space"}

#: C{Général} with a Cyrillic a; and with its first e a Cyrillic e under a
#: combining acute (no precomposed form: not a valid name, but the same key).
FAKE_GENERAL = "G\u00e9n\u00e9r\u0430l"
ACCENTED_CYRILLIC_GENERAL = "G\u0435\u0301n\u00e9ral"
FULLWIDTH_LOBBY = "\uff4c\uff4f\uff42\uff42\uff59"


class NameRuleTests(SynchronousTestCase):
    def test_lookalikesShareTheKey(self) -> None:
        """
        Every kind of look-alike of C{alice} has C{alice}'s key; those PRECIS
        refuses are not valid names at all, the others are valid but taken.
        """
        for kind, name in LOOKALIKES.items():
            self.assertEqual(key(name), key("alice"), kind)
            self.assertEqual(isValidName(normalize(name)), kind not in REFUSED, kind)

    def test_distinctNamesStayDistinct(self) -> None:
        """
        Names that do not look alike keep distinct keys.
        """
        names = ["alice", "alise", "bob", "Zoe", "Zoa", "Général", "Généraux", "lobby", "Iobbyx"]
        self.assertEqual(len({key(name) for name in names}), len(names))

    def test_accentsFold(self) -> None:
        """
        Names that differ only by accents or other combining marks are one
        name: C{Gеnéral} (Cyrillic e, no accent) is C{Général}, C{Zoe} is
        C{Zoë}.
        """
        self.assertEqual(key("G\u0435n\u00e9ral"), key("Général"))
        self.assertEqual(key("General"), key("Général"))
        self.assertEqual(key("Zoe"), key("Zoë"))
        self.assertEqual(key("Çà"), key("ca"))

    def test_troll(self) -> None:
        """
        C{trоll} (Cyrillic o), C{troII} (capital I's), C{tr0ll} and C{TROLL}
        are C{troll}.
        """
        for name in ["tr\u043ell", "troII", "tr0ll", "TROLL", "tro\u217c\u217c"]:
            self.assertEqual(key(name), key("troll"), name)

    def test_capitalLookalikes(self) -> None:
        """
        Capitals of other scripts that look like Latin ones (Cyrillic В, М,
        Н, Т, Greek Β, Μ, Τ, Cherokee Ꮇ...) are the Latin letter, and so
        are their small letters, which names are matched without regard
        to: C{ВULLY}, C{Вob}, C{Мoder} and C{тina} are taken names.
        """
        for lookalike, name in [
            ("ВULLY", "bully"),
            ("Вob", "bob"),
            ("вob", "bob"),
            ("Мoder", "moder"),
            ("мoder", "Moder"),
            ("Тina", "tina"),
            ("тINA", "Tina"),
            ("Нank", "hank"),
            ("Βob", "bob"),
            ("ΜΟDER", "moder"),
            ("Τina", "tina"),
            ("Ꮇoder", "moder"),
            ("Мarketing", "Marketing"),
        ]:
            self.assertEqual(key(lookalike), key(name), lookalike)
        self.assertEqual(key("Маша"), key("маша"))

    def test_smallLetterWhenTheCapitalIsNoLatinOne(self) -> None:
        """
        A letter whose capital looks like no Latin letter reads as its
        small letter's look-alike, in either case (Cyrillic г is r though
        Г is not, Greek σ is o): C{teacheг}, C{гover}, C{rσver} and
        C{lσbby} are taken names, and so are C{ГОВЕР}-like capitals.
        """
        for lookalike, name in [
            ("teache\u0433", "teacher"),
            ("TEACHE\u0413", "teacher"),
            ("\u0433over", "rover"),
            ("r\u03c3ver", "rover"),
            ("R\u03a3VER", "rover"),
            ("l\u03c3bby", "lobby"),
            ("\u057cick", "nick"),
        ]:
            self.assertEqual(key(lookalike), key(name), lookalike)

    def test_caseNeverMatters(self) -> None:
        """
        A name of another script is one name in any case: a ban on C{гена}
        holds for C{Гена} and C{ГЕНА}, C{νoah} is C{Νoah} (Greek nu, whose
        capital reads as N), C{σοφία} is C{Σοφία}.
        """
        for names in [
            ("\u0433\u0435\u043d\u0430", "\u0413\u0435\u043d\u0430", "\u0413\u0415\u041d\u0410"),
            ("\u03bdoah", "\u039doah", "NOAH"),
            ("\u03c3\u03bf\u03c6\u03af\u03b1", "\u03a3\u03bf\u03c6\u03af\u03b1"),
            ("\u03b7\u03bb\u03af\u03b1\u03c2", "\u0397\u03bb\u03af\u03b1\u03c2"),
        ]:
            self.assertEqual({key(name) for name in names}, {key(names[0])}, names)

    def test_displayForm(self) -> None:
        """
        The displayed name is the PRECIS form of what was typed: fullwidth
        letters get their normal width, a decomposed accent is composed,
        the case and the script are kept.
        """
        self.assertEqual(normalize(FULLWIDTH_LOBBY), "lobby")
        self.assertEqual(normalize("Ge\u0301ne\u0301ral"), "Général")
        self.assertEqual(normalize("\u0410LICE"), "\u0410LICE")
        self.assertEqual(key(FAKE_GENERAL), key("Général"))
        self.assertEqual(key(ACCENTED_CYRILLIC_GENERAL), key("Général"))
        self.assertTrue(isValidName("Zoë") and isValidName("Ζωή") and isValidName("a_b-1"))
        self.assertFalse(isValidName("a b") or isValidName("") or isValidName("a" * 17))

    def test_roomNames(self) -> None:
        """
        A room name follows the name rule up to 49 characters (IRC's
        50-character channels), nicknames stay at 16.
        """
        self.assertTrue(isValidRoomName("chan" + "0" * 45))
        self.assertFalse(isValidRoomName("chan" + "0" * 46) or isValidRoomName("a b"))
        self.assertFalse(isValidName("chan" + "0" * 13))

    def test_ircSpecialsInNicknames(self) -> None:
        """
        A nickname may hold RFC 2812's special characters (C{Tom|away},
        C{[Tom]}, C{nick^}, C{{x}}, C{a\\b}, C{`q`}), as IRC servers
        allow; a room name may not.  The refusal's text names them.
        """
        for name in ("Tom|away", "[Tom]", "nick^", "{x}", "a\\b", "`q`", "_x-y_"):
            self.assertTrue(isValidName(name), name)
            self.assertIsNone(newNickRefusal(name), name)
            self.assertFalse(isValidRoomName(name) and name != "_x-y_", name)
        for name in ("b!b", "a@b", "a,b", "a*b", "a:b", "a.b"):
            self.assertFalse(isValidName(name), name)
        self.assertIn("_-[]\\`^{|}", errors.InvalidNick.reason)

    def test_newNickStartsWithLetterOrSpecial(self) -> None:
        """
        A new nickname may not start with a digit (RFC 2812) or C{-} (an
        IRC client reads C{/msg -dash} as an option), though such a name
        is valid (an account of that name keeps it); a room name may.
        """
        for name in ("-dash", "9lives", "0", "\u0967\u0930"):  # a Devanagari digit too
            self.assertTrue(isValidName(name), name)
            refusal = newNickRefusal(name)
            assert refusal is not None, name
            self.assertIn(f"starts with {name[0]!r}", refusal)
        self.assertIsNone(newNameRefusal("2024"))
        self.assertTrue(isValidRoomName("2024"))

    def test_roomNameAsTyped(self) -> None:
        """
        A name with an invisible character, whose key is the visible name's,
        says so; a fullwidth, accented or look-alike form has none.
        """
        for typed in ("lobby", "ｌｏｂｂｙ", "Ge\u0301ne\u0301ral", ACCENTED_CYRILLIC_GENERAL):
            self.assertFalse(hasInvisible(typed), typed)
        for mark in ("\u200b", "\u2060", "\ufeff", "\u200d", "\ufe0f"):
            self.assertEqual(key("lobby" + mark), key("lobby"))
            self.assertTrue(hasInvisible("lobby" + mark) and hasInvisible(mark + "lobby"), mark)

    def test_existingRoomNotFoundByInvisibleName(self) -> None:
        """
        Entering an existing room by its name with an invisible character is
        refused as creating one is (L{errors.InvalidGroup}, 30), not taken
        for the room.
        """
        service = ChatService(Clock(), rooms=["lobby"])
        alice = RecordingParticipant()
        service.connect(alice)
        service.login(alice, "alice")
        self.assertRaises(errors.InvalidGroup, service.enter, alice, "lobby\u200b")
        self.assertRaises(errors.InvalidGroup, service.createRoom, alice, "new\u200broom")
        self.assertRaises(errors.NoSuchGroup, service.enter, alice, "nowhere")
        self.assertEqual(service.enter(alice, "ＬＯＢＢＹ"), "lobby")

    def test_personNotFoundByInvisibleName(self) -> None:
        """
        A nickname with an invisible character finds nobody: a private
        message to C{bob\u200b} is refused as an invalid nickname (20, as
        for a room name with one), not one to C{bob}.
        """
        service = ChatService(Clock(), rooms=["lobby"])
        alice, bob = RecordingParticipant(), RecordingParticipant()
        for person, nick in ((alice, "alice"), (bob, "bob")):
            service.connect(person)
            service.login(person, nick)
        for name in ("bob\u200b", "b\u2060ob", "\ufeffbob"):
            self.assertIsNone(service.find(name))
            self.assertRaises(errors.InvalidNick, service.tell, alice, name, ("psst",))
        self.assertEqual(bob.events, [])
        found = service.find("ＢＯＢ")
        self.assertEqual(found.nick if found else None, "bob")

    def test_roomRuleInWords(self) -> None:
        """
        The refusal of a room name says the rule L{isValidRoomName} checks.
        """
        self.assertIn(f"1 to {MAX_ROOM_NAME_LENGTH} letters", ROOM_NAME_RULE)
        self.assertEqual(errors.InvalidGroup().text, f"a room name is {ROOM_NAME_RULE}")

    def test_roomOfChannel(self) -> None:
        """
        An IRC channel name stands for the room without its C{#}; C{#}
        alone and a name without one are not channels.
        """
        self.assertEqual(roomOfChannel("#den"), "den")
        self.assertEqual(roomOfChannel("##den"), "#den")
        self.assertIsNone(roomOfChannel("#"))
        self.assertIsNone(roomOfChannel("den"))
        self.assertIsNone(roomOfChannel(""))

    def test_skeleton(self) -> None:
        """
        The UTS #39 skeleton maps each character to its prototype.
        """
        self.assertEqual(skeleton("\u0440\u0430\u0443\u0440\u0430l"), skeleton("paypal"))
        self.assertEqual(skeleton("I"), "l")
        self.assertEqual(skeleton("m"), "rn")

    def test_keyIsAFixedPoint(self) -> None:
        """
        A key's key is itself, so keys stored or passed on compare equal.
        """
        for name in [*LOOKALIKES.values(), "Straße", "µ", "Général", "ǅemal"]:
            self.assertEqual(key(key(name)), key(name), name)

    def test_asciiShortcut(self) -> None:
        """
        An ASCII name's key, taken character by character, is the key the
        full computation (PRECIS, then skeletons until a fixed point) gives:
        every ASCII name of one or two characters, and longer ones made of
        the characters whose keys differ from their lower case.
        """
        printable = [chr(code) for code in range(128)]
        names = [a + b for a in printable for b in printable] + printable
        tricky = '"%01IMi`|m'
        rng = random.Random(7)
        names += ["".join(rng.choice(tricky + "aZ_-. ") for _ in range(16)) for _ in range(2000)]
        names += ["alice", "ALICE", "troII", "Bob_42", "rn", "Modem-1", ""]
        for name in names:
            self.assertEqual(key(name), computeKey(name), repr(name))

    def test_asciiAsPrecisSays(self) -> None:
        """
        Printable ASCII without spaces is what PRECIS's profile makes it:
        L{normalize} and L{isValidName} skip the profile for it and agree
        with it on every name of one or two ASCII characters.
        """
        printable = [chr(code) for code in range(128)]
        for name in [a + b for a in printable for b in printable] + printable + [""]:
            try:
                enforced: str | None = PRESERVED.enforce(name)
            except UnicodeError:
                enforced = None
            if enforced is not None:
                self.assertEqual(normalize(name), enforced, repr(name))
            valid = bool(name) and enforced == name
            nick = all(ch in NICK_SPECIALS or ch.isalnum() for ch in name)
            self.assertEqual(isValidName(name), valid and nick, repr(name))
            room = all(ch == "-" or ch == "_" or ch.isalnum() for ch in name)
            self.assertEqual(isValidRoomName(name), valid and room, repr(name))


#: New names that mix scripts, each with the two scripts its refusal names.
MIXED = {
    "ms\u03bdance": ("Latin", "Greek"),  # msvance with a Greek nu
    "g\u043ed": ("Latin", "Cyrillic"),  # god with a Cyrillic o
    "\u0410LICE": ("Latin", "Cyrillic"),
    "\u03b1lice": ("Latin", "Greek"),
    "te\u03c5cher": ("Latin", "Greek"),  # teucher with a Greek upsilon
    "\u5c71\u7530\u03bd": ("Han", "Greek"),
    "\u0410\u043b\u0438\u0441\u0430\u03bd": ("Cyrillic", "Greek"),
}
#: Names of one script, or Latin with a script of Chinese, Japanese or
#: Korean names, that anyone may take.
ONE_SCRIPT = [
    "\u03bd\u03b9\u03ba\u03bf\u03c2",  # νικος
    "\u039d\u0399\u039a\u039f\u03a3",  # ΝΙΚΟΣ
    "\u0396\u03c9\u03ae",  # Ζωή
    "\u0410\u043b\u0438\u0441\u0430",  # Алиса
    normalize("\uff50\uff45\uff54\uff45"),  # ｐｅｔｅ
    "\u5c71\u7530taro",  # 山田taro
    "\u4f50\u3005\u6728",  # 佐々木, with its iteration mark
    "\u30e9\u30fc\u30e1\u30f3",  # ラーメン, with its prolonged sound mark
    "\uae40minsu",  # 김minsu
    "dan",
    "dav",
    "Général",
    "Straße",
    "a_b-1",
]


class NewNameTests(SynchronousTestCase):
    def test_mixedScriptsRefused(self) -> None:
        """
        A new name may not mix scripts (UTS #39's Highly Restrictive level),
        and its refusal says which: C{msνance} mixes Latin letters with
        Greek ones.  Names of one script, and Latin with Han, kana or
        Hangul, may be taken, each its own name but C{ΝΙΚΟΣ} and C{νικος}.
        """
        for name, (first, second) in MIXED.items():
            self.assertTrue(isValidName(name), name)
            self.assertEqual(
                newNameRefusal(name),
                f"{name} mixes {first} letters with {second} ones, so it could pass for"
                " another name",
            )
        for name in ONE_SCRIPT:
            self.assertTrue(isValidName(name), name)
            self.assertIsNone(newNameRefusal(name), name)
        # The key stays as it was: case never matters in one script (ΝΙΚΟΣ
        # is νικος), dan and dav are two names, and msνance is msnance,
        # not msvance as it looks: what the rule is for.
        self.assertEqual(len({key(name) for name in ONE_SCRIPT}), len(ONE_SCRIPT) - 1)
        self.assertEqual(key(ONE_SCRIPT[0]), key(ONE_SCRIPT[1]))
        self.assertEqual(key("ms\u03bdance"), key("msnance"))
        self.assertNotEqual(key("ms\u03bdance"), key("msvance"))

    def test_everyLetterReadAsAnotherIsKeptOut(self) -> None:
        """
        Every letter of another script that looks like one Latin letter but
        is keyed as another (Greek C{ν}, C{υ}, C{η}: their capitals read
        as C{N}, C{Y}, C{H}) makes a Latin name it is put in a refused one.
        """
        found = []
        for code in range(0x80, 0x10000):
            letter = chr(code)
            if scriptOf(letter) in (None, "Latin") or not isValidName(letter):
                continue
            looks = "".join(ch for ch in skeleton(letter) if not unicodedata.combining(ch))
            if looks.isascii() and looks.isalpha() and key(looks) != key(letter):
                found.append(letter)
                self.assertIsNotNone(newNameRefusal(f"ab{letter}cd"), letter)
        self.assertTrue({"\u03bd", "\u03c5", "\u03b7"} <= set(found), found)


class DistinctTests(SynchronousTestCase):
    def test_distinct(self) -> None:
        """
        Names one by their key count once, in order, as first spelled.
        """
        self.assertEqual(distinct(["bo", "cy", "Bo", "b\u043e", "CY", "dee"]), ["bo", "cy", "dee"])


class BanTests(SynchronousTestCase):
    def test_nickBan(self) -> None:
        """
        A console ban on C{troll} refuses C{trоll} and C{troII}.
        """
        moderation = Moderation(Clock())
        moderation.ban("troll", "spam", "root")
        for name in ["troll", "tr\u043ell", "troII", "TROLL"]:
            self.assertRaises(errors.Banned, moderation.checkLogin, name)
        moderation.checkLogin("trolley")

    def test_roomBanMask(self) -> None:
        """
        An IRC ban mask C{troll!*@*} matches the look-alikes too.
        """
        for name in ["tr\u043ell", "troII"]:
            self.assertTrue(matches("troll!*@*", (f"{name}!{name}@host",)), name)
        self.assertFalse(matches("troll!*@*", ("bob!bob@host",)))


class ServiceTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby", "Général"], operators=["alice"])

    def login(self, nick: str) -> RecordingParticipant:
        person = RecordingParticipant()
        self.service.connect(person)
        self.service.login(person, nick)
        return person

    def test_nicknames(self) -> None:
        """
        With C{alice} online, every valid look-alike is taken and every
        other one is invalid; a rename to one is refused the same way.
        """
        self.login("alice")
        for kind, name in LOOKALIKES.items():
            error = errors.InvalidNick if kind in REFUSED else errors.NickTaken
            self.assertRaises(error, self.service.login, RecordingParticipant(), name)
        bob = self.login("bob")
        self.assertRaises(errors.NickTaken, self.service.rename, bob, "\u0410LICE")

    def test_reserved(self) -> None:
        """
        C{NickServ}, in any case or look-alike (C{NlCKSERV} with a lower-case
        L, a Cyrillic C{е}), is a valid name nobody may log in or rename to;
        a room may still be called so, and C{NickServ2} is free.
        """
        for name in ("NickServ", "nickserv", "NlCKSERV", "NickS\u0435rv"):
            self.assertTrue(isReserved(name), name)
            self.assertRaises(errors.InvalidNick, self.service.login, RecordingParticipant(), name)
        self.assertFalse(isReserved("NickServ2"))
        self.assertTrue(isValidName("NickServ"))
        bob = self.login("bob")
        with self.assertRaises(errors.InvalidNick) as caught:
            self.service.rename(bob, "NICKSERV")
        self.assertIn("reserved", caught.exception.text)
        self.assertEqual(bob.nick, "bob")
        self.assertEqual(self.service.createRoom(bob, "NickServ"), "NickServ")
        self.assertEqual(self.service.rename(bob, "NickServ2"), "NickServ2")

    def test_mixedScripts(self) -> None:
        """
        Nobody may log in, rename or create a room under a name that mixes
        scripts, even one nobody has: C{msνance} would pass for
        C{msvance}, and C{bоb} for C{bob} (whose name it is, by its key).
        The refusal says why.  C{νικος} is free.
        """
        self.login("msvance")
        with self.assertRaises(errors.InvalidNick) as caught:
            self.service.login(RecordingParticipant(), "ms\u03bdance")
        self.assertIn("mixes Latin letters with Greek ones", caught.exception.text)
        bob = self.login("bob")
        for name in ("b\u043eb", "g\u043ed"):
            with self.assertRaises(errors.InvalidNick) as caught:
                self.service.rename(bob, name)
            self.assertIn("mixes Latin letters with Cyrillic ones", caught.exception.text)
            with self.assertRaises(errors.InvalidGroup) as refused:
                self.service.createRoom(bob, name)
            self.assertEqual(refused.exception.text, caught.exception.text)
        self.assertEqual(bob.nick, "bob")
        self.assertEqual(self.service.rename(bob, "\u03bd\u03b9\u03ba\u03bf\u03c2"), "νικος")
        self.assertEqual(self.service.createRoom(bob, "Ζωή"), "Ζωή")

    def test_rooms(self) -> None:
        """
        C{ｌｏｂｂｙ} and C{Gе́néral} are the existing rooms: creating them
        fails, entering them enters the real ones, and the list has each once.
        """
        bob = self.login("bob")
        self.assertRaises(errors.GroupExists, self.service.createRoom, bob, FULLWIDTH_LOBBY)
        self.assertRaises(errors.GroupExists, self.service.createRoom, bob, FAKE_GENERAL)
        self.service.enter(bob, ACCENTED_CYRILLIC_GENERAL)
        self.service.enter(bob, FULLWIDTH_LOBBY)
        self.assertEqual(sorted(self.service.roomsOf(bob)), ["Général", "lobby"])
        self.assertEqual(sorted(name for name, _ in self.service.rooms()), ["Général", "lobby"])

    def test_absentRoomByInvalidName(self) -> None:
        """
        A name the room-name rule refuses is an invalid room name (30) for
        a lookup as for creating, not a room that does not exist (31), which
        a valid name of up to 49 characters is.
        """
        bob = self.login("bob")
        for name in ("bad!name", "x" * 50, "#"):
            self.assertRaises(errors.InvalidGroup, self.service.enter, bob, name)
            self.assertRaises(errors.InvalidGroup, self.service.members, bob, name)
        self.assertRaises(errors.NoSuchGroup, self.service.enter, bob, "y" * 49)

    def test_operatorNameAlone(self) -> None:
        """
        A name in C{--operators} gives nothing to whoever types it: without
        a password login to that account there is no right to kick, and the
        service warns at start that the name has no account.
        """
        with capturedLogs() as events:
            self.service.startService()
        self.service.stopService()
        warned = [e for e in events if e.get("name") == "alice"]
        self.assertEqual(len(warned), 1)
        self.assertIn("no registered account", warned[0]["log_format"])
        alice, bob = self.login("alice"), self.login("bob")
        self.assertFalse(self.service.isOperator(alice))
        self.assertRaises(errors.NotPermitted, self.service.kick, alice, "bob")
        self.assertIsNone(bob.disconnectedWith)


class TchatWireTests(TchatTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.addRoom("lobby")
        self.service.addRoom("Général")

    def test_lookalikes(self) -> None:
        """
        Over TCHAT: C{АLICE} is taken (23), C{𝐚𝐥𝐢𝐜𝐞} and the reserved
        C{nickServ} are invalid (20);
        CREAT of C{ｌｏｂｂｙ} is 33, ENTER of C{Gе́néral} enters C{Général}.
        """
        self.connect("alice")
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "clt: LOGIN \u0410LICE"), b"srv: ERROR 23\n")
        self.assertEqual(self.send(proto, t, "clt: LOGIN ALICE"), b"srv: ERROR 23\n")
        bold = LOOKALIKES["mathematical bold"]
        self.assertEqual(self.send(proto, t, f"clt: LOGIN {bold}"), b"srv: ERROR 20\n")
        self.assertEqual(self.send(proto, t, "clt: LOGIN nickServ"), b"srv: ERROR 20\n")
        self.assertEqual(self.send(proto, t, "clt: LOGIN bob"), b"srv: OKAY!\n")
        self.assertEqual(self.send(proto, t, f"clt: CREAT {FULLWIDTH_LOBBY}"), b"srv: ERROR 33\n")
        self.assertEqual(self.send(proto, t, f"clt: ENTER {FAKE_GENERAL}"), b"srv: OKAY!\n")
        self.assertEqual(self.service.roomsOf(proto), ["Général"])
        unaccented = "G\u0435n\u00e9ral"  # Cyrillic e, and no accent on it
        self.assertEqual(self.send(proto, t, f"clt: CREAT {unaccented}"), b"srv: ERROR 33\n")

    def test_mixedScripts(self) -> None:
        """
        Over TCHAT: C{LOGIN msνance} while C{msvance} is online, and one
        as C{gоd} nobody has, are invalid names (20); so is a group of
        that name (30).
        """
        self.connect("msvance")
        proto, t = self.connect()
        for name in ("ms\u03bdance", "g\u043ed"):
            self.assertEqual(self.send(proto, t, f"clt: LOGIN {name}"), b"srv: ERROR 20\n")
        self.assertEqual(self.send(proto, t, "clt: LOGIN dav"), b"srv: OKAY!\n")
        self.assertEqual(self.send(proto, t, "clt: CREAT g\u043ed"), b"srv: ERROR 30\n")


#: Greek Άννα, a real name that is the key of Anna.
GREEK_ANNA = "\u0386\u03bd\u03bd\u03b1"
LOOKS_LIKE_ANNA = "that nickname is taken: it looks like Anna"


class TakenLookalikeTests(SynchronousTestCase):
    def test_refusalNamesTheNameHeld(self) -> None:
        """
        A nickname refused because a look-alike is held names that one
        (C{Άννα} while C{Anna} is online, by login and by rename); the
        very name held is "already taken", as before.
        """
        service = ChatService(Clock())
        for nick in ("Anna", "bob"):
            person = RecordingParticipant()
            service.connect(person)
            service.login(person, nick)
        with self.assertRaises(errors.NickTaken) as caught:
            service.login(RecordingParticipant(), GREEK_ANNA)
        self.assertEqual(caught.exception.text, LOOKS_LIKE_ANNA)
        bob = service.find("bob")
        assert bob is not None
        with self.assertRaises(errors.NickTaken) as caught:
            service.rename(bob, GREEK_ANNA)
        self.assertEqual(caught.exception.text, LOOKS_LIKE_ANNA)
        with self.assertRaises(errors.NickTaken) as caught:
            service.rename(bob, "Anna")
        self.assertEqual(caught.exception.text, "that nickname is already taken")


class TalkWireTests(TalkTestCase):
    def test_lookalikeNamed(self) -> None:
        """
        In talk mode: C{Άννα} while C{Anna} is online is refused naming
        C{Anna}, at the nickname prompt and by C{/name}.
        """
        self.connect("Anna")
        proto, t = self.connect()
        refusal = f"*** Sorry, {LOOKS_LIKE_ANNA}.\r\n".encode()
        self.assertEqual(self.send(proto, t, GREEK_ANNA), refusal + PROMPT)
        self.send(proto, t, "bob")
        self.assertEqual(self.send(proto, t, f"/name {GREEK_ANNA}"), refusal)


class IRCWireTests(IRCTestCase):
    def test_lookalikeNamed(self) -> None:
        """
        Over IRC: C{NICK Άννα} while C{Anna} is online is 433 naming
        C{Anna}, before registering as after.
        """
        self.connect("Anna")
        proto, t = self.connect()
        reply = self.messages(self.send(proto, t, f"NICK {GREEK_ANNA}"))
        self.assertEqual(
            (reply[0].command, reply[0].params), ("433", ["*", GREEK_ANNA, LOOKS_LIKE_ANNA])
        )
        self.send(proto, t, "NICK bob", "USER x 0 * :X")
        reply = self.messages(self.send(proto, t, f"NICK {GREEK_ANNA}"))
        self.assertEqual(
            (reply[0].command, reply[0].params), ("433", ["bob", GREEK_ANNA, LOOKS_LIKE_ANNA])
        )

    def test_lookalikeNick(self) -> None:
        """
        Over IRC: C{NICK АLICE} and C{NICK troII} while C{alice} and
        C{troll} are online get 433; C{JOIN #ｌｏｂｂｙ} joins C{#lobby}.
        """
        self.connect("alice")
        self.connect("troll")
        proto, t = self.connect()
        reply = self.send(proto, t, "NICK \u0410LICE", "NICK troII", "USER x 0 * :X")
        self.assertEqual(self.numerics(reply), ["433", "433"])
        self.assertIn(" 001 ", self.send(proto, t, "NICK bob"))
        joined = self.messages(self.send(proto, t, f"JOIN #{FULLWIDTH_LOBBY}"))
        self.assertEqual((joined[0].command, joined[0].params), ("JOIN", ["#lobby"]))

    def test_mixedScriptsNick(self) -> None:
        """
        Over IRC: C{NICK msνance}, before registering as after, is an
        erroneous nickname (432) whose text says why; C{JOIN #gоd} is a
        bad channel name, for the same reason.
        """
        self.connect("msvance")
        proto, t = self.connect()
        reply = self.send(proto, t, "NICK ms\u03bdance", "USER x 0 * :X")
        self.assertEqual(self.numerics(reply), ["432"])
        self.assertIn("mixes Latin letters with Greek ones", reply)
        self.assertIn(" 001 ", self.send(proto, t, "NICK dav"))
        reply = self.send(proto, t, "NICK g\u043ed")
        self.assertEqual(self.numerics(reply), ["432"])
        self.assertIn("g\u043ed mixes Latin letters with Cyrillic ones", reply)
        reply = self.send(proto, t, "JOIN #g\u043ed")
        self.assertIn("mixes Latin letters with Cyrillic ones", reply)
        self.assertNotIn("JOIN", [message.command for message in self.messages(reply)])


class WebWireTests(WebTestCase):
    def test_lookalikeNamed(self) -> None:
        """
        Over the web: a login as C{Άννα} while C{Anna} is online is error
        23 naming C{Anna}.
        """
        self.web.connect("Anna")
        reply = self.request(self.web.connect(), type="login", nick=GREEK_ANNA)
        self.assertEqual((reply["code"], reply["text"]), (23, LOOKS_LIKE_ANNA))

    def test_lookalikeNick(self) -> None:
        """
        Over the web: a login as C{АLICE} while C{alice} is online is
        refused with code 23, one as the reserved C{NickServ} with 20.
        """
        self.web.connect("alice")
        client = self.web.connect()
        reply = self.request(client, type="login", nick="\u0410LICE")
        self.assertEqual((reply["type"], reply["code"]), ("error", 23))
        reply = self.request(client, type="login", nick="NickServ")
        self.assertEqual((reply["type"], reply["code"]), ("error", 20))

    def test_mixedScriptsNick(self) -> None:
        """
        Over the web: a login as C{msνance} is refused with code 20 and a
        text that says why.
        """
        client = self.web.connect()
        reply = self.request(client, type="login", nick="ms\u03bdance")
        self.assertEqual((reply["type"], reply["code"]), ("error", 20))
        self.assertIn("mixes Latin letters with Greek ones", reply["text"])


class StoredNameTests(PersistenceTestCase):
    def test_operatorAccount(self) -> None:
        """
        With a store, C{--operators moder} warns at start while C{moder} has
        no account, and a guest named C{moder} may not kick, nor register
        the name (it would get the rights): an administrator creates that
        account; then the password login may kick, a login without it is
        refused, and the warning is gone.
        """
        with capturedLogs() as events:
            self.service = self.makeService()
        warned = [e for e in events if "operator" in e.get("log_format", "")]
        self.assertEqual([e["name"] for e in warned], ["moder"])
        self.assertIn("add account {name}", warned[0]["log_format"])
        guest, bob = self.login("moder"), self.login("bob")
        self.assertRaises(errors.NotPermitted, self.service.kick, guest, "bob")
        refused = self.failureResultOf(self.service.register(guest, "moderpass"))
        self.assertEqual(refused.value.text, OPERATOR_NAME)
        self.assertIsNone(self.service.accountName(guest))
        self.assertRaises(errors.NotPermitted, self.service.kick, guest, "bob")
        self.service.disconnect(guest)
        self.successResultOf(self.service.createAccount("moder", "moderpass"))
        with capturedLogs() as events:
            self.service = self.makeService()
        self.assertFalse([e for e in events if "operator" in e.get("log_format", "")])
        self.failureResultOf(
            self.service.login(RecordingParticipant(), "MODER", None), errors.BadPassword
        )
        root, bob = self.login("moder", "moderpass"), self.login("bob")
        self.service.kick(root, "bob", "enough")
        self.assertIsNotNone(bob.disconnectedWith)

    def test_consoleOperatorName(self) -> None:
        """
        A name the console made an operator (C{op}) that has no account is
        an operator's name too: no guest may register it.
        """
        self.service = self.makeService()
        self.service.moderation.op("ghost", "root")
        guest = self.login("ghost")
        refused = self.failureResultOf(self.service.register(guest, "ghostpass"))
        self.assertEqual(refused.value.text, OPERATOR_NAME)

    def test_invalidStoredRoom(self) -> None:
        """
        A stored room whose name PRECIS refuses is left out, with a warning,
        instead of failing the load.
        """
        bold = "\U0001d42b\U0001d428\U0001d428\U0001d426"
        self.successResultOf(self.store.saveRoom(RoomSettings(bold), 0))
        with capturedLogs() as events:
            self.service = self.makeService()
        self.assertEqual([e["name"] for e in events if "room" in e.get("log_format", "")], [bold])
        self.assertNotIn(bold, [name for name, _ in self.service.rooms()])
        self.login("alice")

    def test_accountFromBeforeTheRule(self) -> None:
        """
        An account registered under a name that mixes scripts before the
        rule (C{msνance}) keeps it: its owner logs in with its password and
        may rename back to it; nobody takes it without, and the owner of
        C{msnance} (the same key) may not be shown as C{msνance}.
        """
        accounts = self.service.persistence.accounts if self.service.persistence else None
        assert accounts is not None
        self.successResultOf(Deferred.fromCoroutine(accounts.register("ms\u03bdance", "sesame")))
        self.service = self.makeService()
        owner = self.login("ms\u03bdance", "sesame")
        self.assertEqual(self.service.rename(owner, "teacher"), "teacher")
        self.assertEqual(self.service.rename(owner, "ms\u03bdance"), "ms\u03bdance")
        self.service.disconnect(owner)
        for name, password, error in [
            ("ms\u03bdance", None, errors.BadPassword),
            ("MS\u039dANCE", "sesame", errors.InvalidNick),
        ]:
            other = RecordingParticipant()
            self.service.connect(other)
            self.failureResultOf(self.service.login(other, name, password), error)
