"""
Tests for L{chatd.core.renaming}: a sanction follows the person through a
rename, on every front-end (the service's C{rename}); a name that mixes
scripts is only its account's.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.events import Rename, RoomMessage
from chatd.core.renaming import checkNewName
from chatd.core.service import ChatService
from chatd.testing import RecordingParticipant


class NewNameTests(SynchronousTestCase):
    def test_mixedScriptsOnlyAsTheAccountsName(self) -> None:
        """
        A nickname that mixes scripts is given only to a connection signed
        in to the account registered under exactly that name; one of a
        single script to anyone.
        """
        mixed = "ms\u03bdance"
        for account in (None, "msnance", "MS\u039dANCE"):
            error = self.assertRaises(errors.InvalidNick, checkNewName, mixed, account, "chatd")
            self.assertIn("mixes Latin letters with Greek ones", error.text)
        checkNewName(mixed, mixed, "chatd")
        checkNewName("\u03bd\u03b9\u03ba\u03bf\u03c2", None, "chatd")
        checkNewName("msvance", None, "chatd")


class RenameSanctionTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.service = ChatService(self.clock, rooms=["lobby"], operators=["root"])
        self.moderation = self.service.moderation

    def login(self, nick: str) -> RecordingParticipant:
        person = RecordingParticipant()
        self.service.connect(person)
        self.service.login(person, nick)
        self.service.enter(person, "lobby")
        return person

    def renames(self, person: RecordingParticipant) -> list[Rename]:
        return [event for event in person.events if isinstance(event, Rename)]

    def test_bannedNameRefused(self) -> None:
        """
        A name the console banned, or a look-alike of it, is refused to a
        rename as to a login; nobody hears of a rename.
        """
        self.moderation.ban("troll", "abusive", "root")
        nice, other = self.login("nice"), self.login("other")
        for name in ("troll", "tr\u043ell", "TROLL"):
            error = self.assertRaises(errors.Banned, self.service.rename, nice, name)
            self.assertIn("is banned for good: abusive", error.text)
        self.assertEqual((nice.nick, self.renames(other)), ("nice", []))
        self.service.rename(nice, "trolley")

    def test_kickedNameRefusedUntilItsTime(self) -> None:
        """
        A name kicked for ten minutes cannot be taken by a rename before
        they are up.
        """
        self.moderation.kick("kickguy", 600, "rude", "root")
        nice = self.login("nice")
        error = self.assertRaises(errors.Kicked, self.service.rename, nice, "KickGuy")
        self.assertIn("may come back for 10m more: rude", error.text)
        self.clock.advance(600)
        self.assertEqual(self.service.rename(nice, "KickGuy"), "KickGuy")

    def test_mutedKeepsTheirName(self) -> None:
        """
        A muted person cannot shed the mute with a new name: the rename is
        refused until the mute ends, and their words still are.
        """
        mutee, other = self.login("mutee"), self.login("other")
        self.moderation.mute("mutee", 60, "shush", "root")
        error = self.assertRaises(errors.Muted, self.service.rename, mutee, "mutee2")
        self.assertIn("while you are muted for 1m more: shush", error.text)
        self.assertRaises(errors.Muted, self.service.say, mutee, "lobby", ("still here",))
        self.assertEqual([e for e in other.events if isinstance(e, (Rename, RoomMessage))], [])
        self.clock.advance(60)
        self.assertEqual(self.service.rename(mutee, "mutee2"), "mutee2")

    def test_quietedByRoomBanKeepsTheirName(self) -> None:
        """
        A member a room's ban mask keeps quiet cannot slip out of it with a
        new name; once voiced, or the mask lifted, they may.
        """
        op = self.login("op")
        self.service.createRoom(op, "den")
        self.service.enter(op, "den")
        bbob = self.login("bbob")
        self.service.enter(bbob, "den")
        self.service.changeRoomModes(op, "den", [(True, "b", "bbob!*@*")])
        self.assertRaises(errors.BannedFromRoom, self.service.say, bbob, "den", ("hi",))
        error = self.assertRaises(errors.BannedFromRoom, self.service.rename, bbob, "bbob2")
        self.assertIn("banned from den", error.text)
        self.assertEqual(error.room, "den")
        self.assertEqual(bbob.nick, "bbob")
        self.service.changeRoomModes(op, "den", [(True, "v", "bbob")])
        self.assertEqual(self.service.rename(bbob, "bbob2"), "bbob2")

    def test_caseOfOwnNameWhileMuted(self) -> None:
        """
        Changing only the case of one's own name is not a new name: a muted
        person may do it.
        """
        mutee = self.login("mutee")
        self.moderation.mute("mutee", 60, "", "root")
        self.assertEqual(self.service.rename(mutee, "Mutee"), "Mutee")
