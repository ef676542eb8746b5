"""
The web page's connections at their account's limit: when each was last
heard from is every frame it sent, and the one heard from least recently
makes room for a new login with the password, told why (L{chatd.core.joining}),
unless that login resumes a session (the page's own login again); and what
a login reply says of the account signed in to.
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

    def test_resumeTakesNoPlace(self) -> None:
        """
        A login marked C{resume} (the page's own, after its connection
        dropped) at the account's limit is refused with error 23, saying
        why; no connection of the account is signed out.
        """
        self.service.people.maxConnections = 2
        first, second = self.signIn(), self.signIn()
        self.reactor.advance(10)
        page = self.web.connect()
        reply = self.request(page, type="login", nick="alice", password="sesame", resume=True)
        self.assertEqual(reply["type"], "error")
        self.assertEqual(reply["code"], 23)
        self.assertIn("at most 2 at once", reply["text"])
        self.web.flush()
        for each in (first, second):
            self.assertEqual([f for f in each.take() if f.get("type") == "bye"], [])
        self.assertEqual(len(connectionsOf(self.service.find("alice"))), 2)

    def test_resumeBelowLimit(self) -> None:
        """
        Below the limit, a login marked C{resume} joins the account's
        person as any login does.
        """
        self.service.people.maxConnections = 2
        self.signIn()
        page = self.web.connect()
        reply = self.request(page, type="login", nick="alice", password="sesame", resume=True)
        self.assertEqual(reply["nick"], "alice")
        self.assertEqual(len(connectionsOf(self.service.find("alice"))), 2)


class WebLoginAccountTests(StoredWebTestCase):
    def test_accountOfRenamedPerson(self) -> None:
        """
        A login to an account whose person goes by another nickname is
        answered with that nickname and the C{account} it signed in to.
        """
        talk = self.signIn()
        self.assertEqual(self.request(talk, type="nick", nick="al5")["nick"], "al5")
        page = self.web.connect()
        reply = self.request(page, type="login", nick="alice", password="sesame")
        self.assertEqual((reply["nick"], reply["account"]), ("al5", "alice"))

    def test_guestHasNoAccount(self) -> None:
        """
        A guest's login reply has C{account} null.
        """
        page = self.web.connect()
        reply = self.request(page, type="login", nick="guest")
        self.assertEqual((reply["nick"], reply["account"]), ("guest", None))

    def test_preferTakesNicknameBack(self) -> None:
        """
        A login to an account signed in nowhere else that C{prefer}s a
        nickname takes it (its rooms see it come under that name); one
        someone else has is not taken: the account's name is kept.
        """
        page = self.web.connect()
        reply = self.request(page, type="login", nick="alice", password="sesame", prefer="al5")
        self.assertEqual((reply["nick"], reply["account"]), ("al5", "alice"))
        self.web.flush()
        page.transport.loseConnection()
        self.web.flush()
        self.web.connect("al6")
        again = self.web.connect()
        reply = self.request(again, type="login", nick="alice", password="sesame", prefer="al6")
        self.assertEqual((reply["nick"], reply["account"]), ("alice", "alice"))
