# -*- test-case-name: tests.unit.admin.test_admin_renamed -*-
"""
Tests for what the console says of a name whose holder renamed away
(L{chatd.admin.whois.renamedFrom}, L{chatd.core.whowas.renameTrail}):
C{whois} tells where the name went, and C{ban}, C{kick} and C{mute} of
such a name ask about the new one without sanctioning it.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.modstore import MemoryModerationStore
from chatd.testing import RecordingParticipant
from tests.support.admincases import ConsoleScreen

START = 1_795_000_000  # 2026-11-18 11:06:40 UTC


class RenamedNameTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.service.moderation.store = MemoryModerationStore()
        self.console = ConsoleScreen(self.service)

    def login(self, nick: str, address: str = "10.0.0.9") -> RecordingParticipant:
        participant = RecordingParticipant(address, "talk")
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def renamed(self, participant: RecordingParticipant, nick: str) -> None:
        self.clock.advance(10)
        renaming = maybeDeferred(self.service.rename, participant, nick)
        self.assertEqual(nick, self.successResultOf(renaming))

    def test_whoisSaysWhereTheNameWent(self) -> None:
        """
        C{whois} of a name nobody holds, whose last holder renamed, names
        the new name, when, and where it is connected.
        """
        troll = self.login("trollx")
        self.renamed(troll, "nicex")
        self.assertEqual(
            "trollx: not connected; renamed to nicex at 2026-11-18 11:06:50 UTC"
            " (nicex is connected from 10.0.0.9 over talk)",
            self.console.type("whois trollx"),
        )

    def test_whoisFollowsRenames(self) -> None:
        """
        Renamed twice, the person is followed to their name now.
        """
        troll = self.login("trollx")
        self.renamed(troll, "nicex")
        self.renamed(troll, "nicey")
        self.assertEqual(
            "trollx: not connected; renamed to nicex at 2026-11-18 11:06:50 UTC,"
            " then to nicey at 2026-11-18 11:07:00 UTC (nicey is connected from 10.0.0.9"
            " over talk)",
            self.console.type("whois trollx"),
        )

    def test_nameTakenByAnother(self) -> None:
        """
        Once the renamer left the new name, someone else who takes it is
        not pointed at, and no sanction asks about them.
        """
        troll = self.login("trollx")
        self.renamed(troll, "nicex")
        self.service.disconnect(troll)
        self.clock.advance(1)
        self.login("nicex", "10.0.0.77")
        reply = self.console.type("whois trollx")
        self.assertEqual(
            "trollx: not connected; renamed to nicex at 2026-11-18 11:06:50 UTC"
            " (nicex is not connected)",
            reply,
        )
        self.assertNotIn("too?", self.console.type("ban trollx spam"))

    def test_leftNotRenamed(self) -> None:
        """
        A name whose holder left says only that it is not connected.
        """
        troll = self.login("trollx")
        self.service.disconnect(troll)
        self.assertEqual("trollx: not connected", self.console.type("whois trollx"))
        self.assertEqual("banned trollx (not connected now)", self.console.type("ban trollx x"))

    def test_sanctionsAsk(self) -> None:
        """
        C{ban}, C{kick} and C{mute} of the old name sanction only it and
        ask about the new one, who stays connected and unsanctioned.
        """
        troll = self.login("trollx")
        self.renamed(troll, "nicex")
        hint = "renamed to nicex at 2026-11-18 11:06:50 UTC"
        self.assertEqual(
            f"banned trollx (not connected now: {hint}; ban nicex too?)",
            self.console.type("ban trollx offensive"),
        )
        self.assertEqual(
            "kicked trollx for 10m, until 2026-11-18 11:16:50 UTC"
            f" (not connected now: {hint}; kick nicex too?)",
            self.console.type("kick trollx 10m offensive"),
        )
        self.assertEqual(
            f"muted trollx for 5m (not connected now: {hint}; mute nicex too?)",
            self.console.type("mute trollx 5m"),
        )
        self.assertIsNone(troll.disconnectedWith)
        self.assertIsNone(self.service.moderation.active("ban", "nicex"))
        self.assertIsNone(self.service.moderation.active("mute", "nicex"))

    def test_sanctionHintLastsAnHour(self) -> None:
        """
        A rename more than an hour ago is not pointed at by a sanction.
        """
        troll = self.login("trollx")
        self.renamed(troll, "nicex")
        self.clock.advance(3601)
        self.assertEqual("banned trollx (not connected now)", self.console.type("ban trollx x"))

    def test_anotherPersonsRenameNotFollowed(self) -> None:
        """
        A later rename from a name the renamer went through, by someone
        else who took that name since, is not the renamer's.
        """
        troll = self.login("trollx")
        self.renamed(troll, "nicex")
        self.renamed(troll, "nicey")
        other = self.login("nicex", "10.0.0.77")
        self.renamed(other, "zed")
        self.assertEqual(
            "trollx: not connected; renamed to nicex at 2026-11-18 11:06:50 UTC"
            " (nicex is not connected)",
            self.console.type("whois trollx"),
        )
