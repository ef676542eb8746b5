"""
The C{alwayson} request over the web wire, in memory: the account's other
pages are told of a change with a C{notice} carrying C{alwaysOn}.
"""

from __future__ import annotations

from tests.support.webclient import StoredWebTestCase


class WebAlwaysOnTests(StoredWebTestCase):
    def test_otherPageTold(self) -> None:
        """
        One page turns always on: the other gets a C{notice} with
        C{"alwaysOn": true} and a sentence; the page that asked gets only
        its reply.
        """
        laptop, phone = self.signIn(), self.signIn()
        self.assertEqual(self.request(laptop, type="alwayson", on=True)["on"], True)
        self.web.flush()
        [told] = [f for f in phone.take() if f["type"] == "notice"]
        self.assertIs(told["alwaysOn"], True)
        self.assertIn("always on is now on", told["text"])
        self.assertEqual([f for f in laptop.take() if f["type"] == "notice"], [])
