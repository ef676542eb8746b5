# -*- test-case-name: tests.unit.admin.test_admin_purge -*-
"""
Tests for the console's C{purge} (L{chatd.admin.sanctioncommands},
L{chatd.core.purge}): one sender's recent messages deleted at once,
through the core's deletion of a message, bounded and audited once.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.core import purge
from chatd.core.events import Administrator, Redaction
from chatd.modstore import MemoryModerationStore
from chatd.talk.format import encodeRedaction as talkLine
from chatd.testing import RecordingParticipant
from chatd.web.wire import encodeRedaction as webFrame
from tests.support.admincases import ConsoleScreen
from tests.support.persistencecase import PersistenceTestCase


class PurgeTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service = self.makeService(rooms=["lobby", "den"])
        self.audit = MemoryModerationStore()
        self.service.moderation.store = self.audit
        self.console = ConsoleScreen(self.service)
        self.spammer = self.login("spammer", address="10.0.0.66")
        self.bob = self.login("bob")
        for who in (self.spammer, self.bob):
            for room in ("lobby", "den"):
                self.service.enter(who, room)

    def say(self, who: RecordingParticipant, room: str, text: str) -> None:
        self.clock.advance(1)
        self.successResultOf(maybeDeferred(self.service.say, who, room, (text,)))

    def texts(self, room: str) -> list[str]:
        return [m.lines[0] for m in self.successResultOf(self.store.history(room, 100))]

    def deletions(self) -> list[Redaction]:
        return [e for e in self.bob.events if isinstance(e, Redaction)]

    def test_everyRoomLastHour(self) -> None:
        """
        C{purge spammer} deletes what spammer said in the last hour in
        every room, from the history and every screen, as done by the
        administrator, and audits it once with the count.
        """
        self.say(self.spammer, "lobby", "old spam")
        self.clock.advance(3600)
        for n in range(3):
            self.say(self.spammer, "lobby", f"spam {n}")
        self.say(self.bob, "lobby", "hello")
        self.say(self.spammer, "den", "den spam")
        before = len(self.audit.audit)
        self.assertEqual(
            "deleted 4 message(s) of spammer in the last 1h: den 1, lobby 3",
            self.console.type("purge spammer"),
        )
        self.assertEqual(["old spam", "hello"], self.texts("lobby"))
        self.assertEqual([], self.texts("den"))
        seen = self.deletions()
        self.assertEqual(4, len(seen))
        self.assertTrue(all(isinstance(e.by, Administrator) and e.by == "root" for e in seen))
        self.assertEqual({"spammer"}, {e.sender for e in seen})
        self.assertEqual(
            ["purge spammer * the last 1h: 4 message(s) (den 1, lobby 3)"],
            [e.what for e in self.audit.audit[before:]],
        )

    def test_shownAsTheAdministrators(self) -> None:
        """
        Talk and the web page show each deletion as the administrator's,
        never as a user's of that name.
        """
        self.say(self.spammer, "lobby", "spam")
        self.console.type("purge spammer")
        [event] = self.deletions()
        self.assertEqual(
            b"*** the administrator root deleted spammer's message in lobby",
            talkLine(event).rstrip(),
        )
        self.assertIn(b'"by":"the administrator root"', webFrame(event))

    def test_oneRoomAndMinutes(self) -> None:
        """
        A room and a number of minutes narrow it; a bare number is minutes.
        """
        self.say(self.spammer, "lobby", "lobby spam")
        self.say(self.spammer, "den", "early den spam")
        self.clock.advance(600)
        self.say(self.spammer, "den", "late den spam")
        self.assertEqual(
            "deleted 1 message(s) of spammer in the last 5m: den 1",
            self.console.type("purge spammer #den 5"),
        )
        self.assertEqual(["early den spam"], self.texts("den"))
        self.assertEqual(
            "deleted 1 message(s) of spammer in the last 15m: den 1",
            self.console.type("purge spammer den 15"),
        )
        self.assertEqual(["lobby spam"], self.texts("lobby"))
        self.assertEqual(
            "no message of spammer in any room in the last 1m",
            self.console.type("purge spammer 1"),
        )

    def test_bounded(self) -> None:
        """
        A purge deletes at most L{purge.MAX_PURGE} messages, newest first,
        and says it stopped.
        """
        self.patch(purge, "MAX_PURGE", 2)
        for n in range(3):
            self.say(self.spammer, "lobby", f"spam {n}")
        self.assertEqual(
            "deleted 2 message(s) of spammer in the last 1h: lobby 2"
            " (stopped at 2: purge again for more)",
            self.console.type("purge spammer"),
        )
        self.assertEqual(["spam 0"], self.texts("lobby"))

    def test_badArguments(self) -> None:
        """
        An unknown room is refused; a malformed line gets the usage.
        """
        self.say(self.spammer, "lobby", "spam")
        self.assertEqual("refused: no such room", self.console.type("purge spammer nowhere"))
        for line in ("purge", "purge bad!nick", "purge spammer lobby soon", "purge a b c d"):
            self.assertTrue(self.console.type(line).startswith("usage: purge <username>"), line)
        self.assertEqual(["spam"], self.texts("lobby"))
