"""
Tests for L{chatd.core.masks} and L{chatd.core.room.Room}: room keys, ban
masks and mode strings.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.limits import MAX_BANS
from chatd.core.masks import (
    BanList,
    checkKey,
    matches,
    modeString,
    normalizeMask,
    parseModes,
    participantMasks,
)
from chatd.core.room import Room
from chatd.core.roomcopy import differences, snapshot
from chatd.testing import RecordingParticipant


def person(nick: str, protocol: str = "tchat", address: str = "192.0.2.7") -> RecordingParticipant:
    participant = RecordingParticipant(address=address, protocolName=protocol)
    participant.nick = nick
    return participant


class KeyTests(SynchronousTestCase):
    def test_valid(self) -> None:
        """
        A key is 1 to 23 printable characters, any script.
        """
        for key in ["x", "sesame", "Sésame-42!", "k" * 23]:
            self.assertEqual(checkKey(key), key)

    def test_invalid(self) -> None:
        """
        Empty, overlong, spaced, comma'd or control-character keys are refused.
        """
        for key in ["", "k" * 24, "two words", " ", "a,b", "tab\there", "bell\x07"]:
            self.assertRaises(errors.InvalidArgument, checkKey, key)


class MaskTests(SynchronousTestCase):
    def test_normalize(self) -> None:
        """
        Missing parts of C{nick!user@host} are C{*}.
        """
        self.assertEqual(normalizeMask("bob"), "bob!*@*")
        self.assertEqual(normalizeMask("bob!x"), "bob!x@*")
        self.assertEqual(normalizeMask("*@192.0.2.*"), "*!*@192.0.2.*")
        self.assertEqual(normalizeMask("bob!@"), "bob!*@*")
        self.assertEqual(normalizeMask("a!b@c"), "a!b@c")
        for bad in ["", "a b", "x" * 101]:
            self.assertRaises(errors.InvalidArgument, normalizeMask, bad)

    def test_participantMasks(self) -> None:
        """
        A participant is matched with the host IRC shows for its protocol
        and with its address; the user part is its ident, else its nick.
        """
        bob = person("Bob")
        self.assertEqual(participantMasks(bob), ("Bob!Bob@tchat.chatd", "Bob!Bob@192.0.2.7"))
        bob.ident = "bobby"  # type: ignore[attr-defined]
        self.assertEqual(participantMasks(bob)[0], "Bob!bobby@tchat.chatd")

    def test_matches(self) -> None:
        """
        Masks match with C{*} and C{?}, without regard to case (Unicode
        case folding); other characters, regex ones included, are literal.
        """
        bob, zoe = person("Bob"), person("Zoë", "web", "198.51.100.1")
        self.assertTrue(matches("bob!*@*", bob))
        self.assertTrue(matches("B?B!*@*", bob))
        self.assertTrue(matches("*!*@tchat.chatd", bob))
        self.assertTrue(matches("*!*@192.0.2.*", bob))
        self.assertFalse(matches("*!*@web.chatd", bob))
        self.assertTrue(matches("ZOË!*@web.chatd", zoe))
        self.assertFalse(matches("bo!*@*", bob))
        self.assertFalse(matches("b.b!*@*", bob))
        self.assertFalse(matches("[b]ob!*@*", bob))


class BanListTests(SynchronousTestCase):
    def test_addRemove(self) -> None:
        """
        A mask is listed once (any case) with its setter and time; removing
        it in any case gives the mask as set.
        """
        bans = BanList()
        self.assertTrue(bans.add("Bob!*@*", "alice", 5))
        self.assertFalse(bans.add("bob!*@*", "carol", 6))
        self.assertEqual(bans.entries, [("Bob!*@*", "alice", 5)])
        self.assertTrue(bans.matches(person("BOB")))
        self.assertEqual(bans.remove("BOB!*@*"), "Bob!*@*")
        self.assertIsNone(bans.remove("bob!*@*"))
        self.assertFalse(bans.matches(person("bob")))

    def test_full(self) -> None:
        """
        A list holds at most L{MAX_BANS} masks.
        """
        bans = BanList()
        for n in range(MAX_BANS):
            bans.add(f"u{n}!*@*", "alice", 0)
        self.assertRaises(errors.ListFull, bans.add, "one!*@*", "alice", 0)


class ModeStringTests(SynchronousTestCase):
    def test_grouped(self) -> None:
        """
        Changes become one mode string, a sign per run, and their arguments.
        """
        self.assertEqual(modeString([("-i", None), ("-n", None), ("-t", None)]), ("-int", ()))
        self.assertEqual(
            modeString([("+k", "x"), ("+m", None), ("-l", None), ("+b", "a!*@*")]),
            ("+km-l+b", ("x", "a!*@*")),
        )


class ExceptionListTests(SynchronousTestCase):
    def test_exceptionsTravel(self) -> None:
        """
        C{e} and C{I} masks are set and cleared like C{b}, keep their own
        lists, and a L{snapshot} brings another copy of the room to match.
        """
        room = Room("#a")
        self.assertEqual(room.apply("alice", True, "e", "Bob!*@*", 5, "imnst"), ("+e", "Bob!*@*"))
        self.assertEqual(
            room.apply("alice", True, "I", "carol!*@*", 6, "imnst"), ("+I", "carol!*@*")
        )
        self.assertIsNone(room.apply("alice", True, "e", "bob!*@*", 7, "imnst"))
        self.assertEqual(room.exceptions.entries, [("Bob!*@*", "alice", 5)])
        self.assertEqual(room.invex.entries, [("carol!*@*", "alice", 6)])
        self.assertEqual(room.bans.entries, [])
        self.assertEqual(
            parseModes("+eI", ("Bob!*@*", "carol!*@*")),
            [(True, "e", "Bob!*@*"), (True, "I", "carol!*@*")],
        )
        copy = Room("#a")
        self.assertEqual(
            differences(copy, snapshot(room), (), "imnst"),
            [(True, "e", "Bob!*@*"), (True, "I", "carol!*@*")],
        )
        self.assertEqual(
            room.apply("alice", False, "I", "CAROL!*@*", 8, "imnst"), ("-I", "carol!*@*")
        )
        self.assertEqual(differences(copy, snapshot(room), (), "imnst"), [(True, "e", "Bob!*@*")])
