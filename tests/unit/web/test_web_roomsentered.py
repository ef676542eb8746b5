"""
The rooms a login puts a page in, over the web wire, in memory: the
server's C{notice} naming them carries them as C{rooms}, so that the page,
which the login reply told of them already, says them once.
"""

from __future__ import annotations

from tests.support.webclient import StoredWebTestCase


class WebRoomsEnteredTests(StoredWebTestCase):
    autojoin = ("lobby",)

    def test_noticeCarriesRooms(self) -> None:
        """
        An account put in C{lobby} as it signs in is told so in a
        C{notice} whose C{rooms} lists it, as the login reply's C{rooms} do.
        """
        page = self.web.connect()
        reply = self.request(page, type="login", nick="alice", password="sesame")
        self.assertEqual(reply["rooms"], ["lobby"])
        self.web.flush()
        [told] = [f for f in page.take() if f["type"] == "notice" and "rooms" in f]
        self.assertEqual(told["rooms"], ["lobby"])
        self.assertEqual(told["text"], "you are in lobby")

    def test_otherNoticesCarryNoRooms(self) -> None:
        """
        A notice of something else (always on, from another page) carries
        no C{rooms}: the page shows it.
        """
        laptop, phone = self.signIn(), self.signIn()
        self.request(laptop, type="alwayson", on=True)
        self.web.flush()
        [told] = [f for f in phone.take() if f["type"] == "notice"]
        self.assertNotIn("rooms", told)
