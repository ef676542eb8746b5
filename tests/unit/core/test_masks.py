"""
Tests for L{chatd.core.masks} and L{chatd.core.room.Room}: room keys, ban
masks and mode strings.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.hosts import Hosts
from chatd.core.limits import MAX_BANS
from chatd.core.masks import (
    BanList,
    checkKey,
    matches,
    modeString,
    normalizeMask,
    parseModes,
)
from chatd.core.room import Room
from chatd.core.roomcopy import differences, snapshot
from chatd.core.signedin import ProvenAccounts
from chatd.testing import RecordingParticipant

#: Hosts with a fixed cloak secret and the accounts they are told of.
ACCOUNTS = ProvenAccounts()
HOSTS = Hosts(ACCOUNTS, b"k" * 32)


def person(nick: str, protocol: str = "tchat", address: str = "192.0.2.7") -> RecordingParticipant:
    participant = RecordingParticipant(address=address, protocolName=protocol)
    participant.nick = nick
    return participant


def seen(nick: str, protocol: str = "tchat", address: str = "192.0.2.7") -> tuple[str, ...]:
    """
    The forms masks match a participant called C{nick} as.
    """
    return HOSTS.masksOf(person(nick, protocol, address))


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

    def test_masksOf(self) -> None:
        """
        A guest is matched with its cloak and with its address; one signed
        in to an account with C{user/<account>}; the user part is its
        ident, else its nick.
        """
        bob = person("Bob")
        cloak = HOSTS.cloak("192.0.2.7")
        self.assertEqual(HOSTS.masksOf(bob), (f"Bob!Bob@{cloak}", "Bob!Bob@192.0.2.7"))
        bob.ident = "bobby"  # type: ignore[attr-defined]
        self.assertEqual(HOSTS.masksOf(bob)[0], f"Bob!bobby@{cloak}")
        ACCOUNTS.prove(bob, "Bobby")
        self.addCleanup(ACCOUNTS.forget, bob)
        self.assertEqual(HOSTS.masksOf(bob)[0], "Bob!bobby@user/Bobby")

    def test_matches(self) -> None:
        """
        Masks match with C{*} and C{?}, without regard to case (Unicode
        case folding); other characters, regex ones included, are literal.
        The host is the cloak, never the protocol's name.
        """
        bob, zoe = seen("Bob"), seen("Zoë", "web", "198.51.100.1")
        self.assertTrue(matches("bob!*@*", bob))
        self.assertTrue(matches("B?B!*@*", bob))
        self.assertTrue(matches(f"*!*@{HOSTS.cloak('192.0.2.7')}", bob))
        self.assertFalse(matches(f"*!*@{HOSTS.cloak('198.51.100.1')}", bob))
        self.assertTrue(matches("*!*@192.0.2.*", bob))
        self.assertFalse(matches("*!*@tchat.chatd", bob))
        self.assertTrue(matches("ZOË!*@guest-*.chatd", zoe))
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
        self.assertTrue(bans.matches(seen("BOB")))
        self.assertEqual(bans.remove("BOB!*@*"), "Bob!*@*")
        self.assertIsNone(bans.remove("bob!*@*"))
        self.assertFalse(bans.matches(seen("bob")))

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
