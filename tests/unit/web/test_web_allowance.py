"""
The web page's C{nick} and C{join} under a person's allowance
(L{chatd.core.allowance}): a burst, then error 29, and nobody hears of it.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.limits import MOVES_BURST, RENAMES_BURST
from tests.support.webclient import WebTestCase


class WebAllowanceTests(WebTestCase):
    def test_renames(self) -> None:
        """
        C{RENAMES_BURST} renames pass; the next is an C{error} frame with
        code 29, and the room mates are told nothing.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        for n in range(RENAMES_BURST):
            self.assertEqual(self.request(bob, type="nick", nick=f"b{n}")["nick"], f"b{n}")
        alice.take()
        refused = self.request(bob, type="nick", nick="late")
        self.assertEqual(refused["code"], errors.TooFast.code)
        self.assertIn("too fast", refused["text"])
        self.assertEqual(alice.take(), [])

    def test_entries(self) -> None:
        """
        Once C{MOVES_BURST} exits are spent, C{join} is an C{error} frame
        with code 29.
        """
        bob = self.web.connect("bob")
        for _ in range(MOVES_BURST):
            self.request(bob, type="join", room="lobby")
            self.request(bob, type="leave", room="lobby")
        refused = self.request(bob, type="join", room="lobby")
        self.assertEqual(refused["code"], errors.TooFast.code)
