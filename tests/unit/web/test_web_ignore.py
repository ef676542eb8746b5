"""
The web page's C{ignore}, C{unignore} and C{ignored} requests
(L{chatd.web.ignores}): an ignored IRC user's private messages never
reach the page, and the list is the one other front-ends show.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from tests.support.helpers import connect, output
from tests.support.webclient import JSONClient, StoredWebTestCase


class WebIgnoreTests(StoredWebTestCase):
    def ircUser(self, nick: str, password: str = "") -> tuple[IRCProtocol, StringTransport]:
        proto, transport = connect(IRCFactory(self.service, self.reactor), self.reactor)
        assert isinstance(proto, IRCProtocol)
        login = f"PASS {password}\r\n" if password else ""
        proto.dataReceived(f"{login}NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
        self.assertIn(b" 001 ", output(transport, self.reactor))
        return proto, transport

    def privateTexts(self, client: JSONClient) -> list[str]:
        self.web.flush()
        return [frame["text"] for frame in client.take() if frame.get("type") == "private"]

    def test_ignoreAnIRCUser(self) -> None:
        """
        A page ignores an IRC user: their PRIVMSG never comes, and they
        are told nothing; once unignored, it comes again.
        """
        page = self.web.connect("dave")
        troll, tt = self.ircUser("troll")
        reply = self.request(page, type="ignore", name="troll")
        self.assertEqual(
            (reply["added"], reply["names"], reply["masks"]), (True, ["troll"], ["troll!*@*"])
        )
        self.assertFalse(self.request(page, type="ignore", name="TROLL")["added"])
        troll.dataReceived(b"PRIVMSG dave :buy my stuff\r\n")
        self.assertEqual(output(tt, self.reactor), b"")
        self.assertEqual(self.privateTexts(page), [])
        reply = self.request(page, type="unignore", name="troll")
        self.assertEqual((reply["removed"], reply["names"]), (True, []))
        troll.dataReceived(b"PRIVMSG dave :hello again\r\n")
        self.assertEqual(self.privateTexts(page), ["hello again"])

    def test_sameListEverywhere(self) -> None:
        """
        An account's list is one: what its IRC connection silenced, its
        page lists.
        """
        page = self.signIn()
        irc, t = self.ircUser("alice", "sesame")
        irc.dataReceived(b"SILENCE +troll\r\n")
        self.assertEqual(self.request(page, type="ignored")["names"], ["troll"])
        self.request(page, type="unignore", name="troll")
        irc.dataReceived(b"SILENCE\r\n")
        self.assertNotIn(b" 271 ", output(t, self.reactor))

    def test_refused(self) -> None:
        """
        A name is required; a page not logged in is refused.
        """
        page = self.web.connect("dave")
        self.assertIn("code", self.request(page, type="ignore"))
        anonymous = self.web.connect()
        self.assertIn("code", self.request(anonymous, type="ignored"))
