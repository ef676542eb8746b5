"""
Tests for the web page's C{users} request: who is online as the core lists
them (L{chatd.core.listing}), an IRC user hidden with C{+i} only to those
sharing a room with them and to chatd operators.
"""

from __future__ import annotations

from chatd.irc.factory import IRCFactory
from tests.support.helpers import connect, output
from tests.support.webclient import WebTestCase


class UsersTests(WebTestCase):
    def test_hiddenIRCUser(self) -> None:
        """
        C{users} leaves out an IRC user with C{+i} in no room of the asker's,
        and lists them once they share a room, or to a chatd operator.
        """
        ivy, t = connect(IRCFactory(self.service, self.reactor), self.reactor)
        ivy.dataReceived(b"NICK ivy\r\nUSER ivy 0 * :Ivy\r\nMODE ivy +i\r\n")
        output(t, self.reactor)
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.assertEqual(self.request(alice, type="users")["users"], ["alice", "bob"])
        ivy.dataReceived(b"JOIN #lobby\r\n")
        self.request(alice, type="join", room="lobby")
        self.assertEqual(self.request(alice, type="users")["users"], ["ivy", "alice", "bob"])
        self.assertEqual(self.request(bob, type="users")["users"], ["alice", "bob"])
        bobPerson = self.service.find("bob")
        assert bobPerson is not None
        self.service.grantOperator(bobPerson)
        self.assertEqual(self.request(bob, type="users")["users"], ["ivy", "alice", "bob"])
