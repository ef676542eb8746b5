"""
A change of user modes told to a person's other connections (the web page,
TCHAT, talk show its text): in words, each letter given after its meaning.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core.usermodes import UserModesChange


class UserModesWordsTests(SynchronousTestCase):
    def test_hidden(self) -> None:
        """C{+i} says the person is hidden from who-lists now."""
        self.assertEqual(UserModesChange("i", "", 0).text, "you are now hidden from who-lists (+i)")

    def test_setAndUnset(self) -> None:
        """Letters set, then unset, each in words, joined by C{"; "}."""
        self.assertEqual(
            UserModesChange("w", "Bo", 0).text,
            "you now hear operators' messages (+w); you are no longer marked as a bot (-B);"
            " you no longer have operator rights (-o)",
        )

    def test_noJargonAlone(self) -> None:
        """No sentence is only the letters (C{"your user modes changed: +i"})."""
        for mode in "iwBo":
            for text in (UserModesChange(mode, "", 0).text, UserModesChange("", mode, 0).text):
                self.assertNotIn("user modes", text)
                self.assertTrue(text.startswith("you "), text)
