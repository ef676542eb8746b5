"""
The name a password login shows (L{chatd.core.login.Logins.accountSpelling}):
the account's as it was registered, whatever spelling found it; a spelling
that mixes scripts is refused, whether the account is signed in elsewhere
or not.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class LoginSpellingTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("regu", "newpass1")

    def loginAs(self, typed: str, password: str) -> RecordingParticipant:
        participant = RecordingParticipant("10.0.0.2")
        self.service.connect(participant)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(participant, typed, password))),
            "regu",
        )
        self.clock.advance(0)
        return participant

    def test_registeredSpelling(self) -> None:
        """
        C{Regu}, C{REGU} and the look-alike C{rêgu} with the password are
        the account, shown as C{regu}, in its rooms too.
        """
        for typed in ("Regu", "REGU", "r\u00eagu"):
            user = self.loginAs(typed, "newpass1")
            self.assertEqual(user.nick, "regu")
            self.assertEqual(self.service.members(user, "Général"), ["regu"])
            self.service.disconnect(user)

    def test_mixedScriptsRefused(self) -> None:
        """
        A spelling that mixes scripts (Cyrillic C{е}) is refused with the
        password, whether or not the account is signed in elsewhere.
        """
        typed = "r\u0435gu"  # Cyrillic е
        for _ in range(2):
            stranger = RecordingParticipant("10.0.0.3")
            self.service.connect(stranger)
            failure = self.failureResultOf(settled(self.service.login(stranger, typed, "newpass1")))
            failure.trap(errors.InvalidNick)
            self.assertIsNone(stranger.nick)
            self.loginAs("regu", "newpass1")  # signed in for the second round
