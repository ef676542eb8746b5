"""
The web page's connections at their account's limit: when each was last
heard from is every frame it sent, and the one heard from least recently
makes room for a new login with the password, told why (L{chatd.core.joining}).
"""

from __future__ import annotations

from chatd.core.delivery import connectionsOf
from tests.support.webclient import StoredWebTestCase


class WebGhostTests(StoredWebTestCase):
    def test_leastRecentlyHeardMakesRoom(self) -> None:
        """
        A page that sent a request a moment ago stays; the one silent
        since it signed in (later) is told why in a C{bye} frame and closed.
        """
        self.service.people.maxConnections = 2
        live = self.signIn()
        self.reactor.advance(10)
        ghost = self.signIn()
        self.reactor.advance(10)
        self.request(live, type="rooms")
        self.reactor.advance(10)
        new = self.signIn()
        byes = [frame for frame in ghost.take() if frame.get("type") == "bye"]
        self.assertEqual(
            byes,
            [
                {
                    "type": "bye",
                    "code": 40,
                    "text": "signed out: a newer connection of your account took its place"
                    " (at most 2 at once)",
                }
            ],
        )
        self.assertEqual([f for f in live.take() if f.get("type") == "bye"], [])
        person = self.service.find("alice")
        self.assertEqual(len(connectionsOf(person)), 2)
        self.assertEqual(new.take(), [])
