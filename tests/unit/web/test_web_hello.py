"""
The C{hello} frame, in memory: it says whether guests may log in
(C{--guests}), so that the page's login form asks for a password as it
should.
"""

from __future__ import annotations

from tests.support.webclient import WebTestCase


class WebHelloTests(WebTestCase):
    def test_guestsAdmitted(self) -> None:
        """By default guests log in: C{"guests": true}."""
        self.assertIs(self.web.connect().hello["guests"], True)

    def test_guestsRefused(self) -> None:
        """Under C{--guests off}: C{"guests": false}, on the next connection."""
        self.service.logins.guests = False
        self.assertIs(self.web.connect().hello["guests"], False)
