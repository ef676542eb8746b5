"""
Tests for L{chatd.core.status.reprofiled} in a cluster: when the connection
a person's real name, user name and protocol come from joins or closes, the
person's profile is recomputed once and every node shows the same.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from tests.support.fakenode import IRCClient
from tests.support.helpers import connect, output
from tests.support.outagenodes import SharedNodesCase


class ReprofileTests(SharedNodesCase):
    """
    Nodes C{a} and C{b} sharing one database, the account C{mix} registered;
    mix signed in on C{a} over TCHAT with the password, in the room C{r};
    a guest on each node, C{b}'s in C{r} with C{setname}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.a, "mix", "mixpass")
        self.tchat, _ = connect(
            TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None), self.clock
        )
        self.addCleanup(self.tchat.connectionLost, None)
        self.tchat.dataReceived(b"clt: LOGIN mix mixpass\r\n")
        self.settle()
        self.guestA = IRCClient(self.a, self.clock, "guesta", "Guest A")
        self.guestB = IRCClient(self.b, self.clock, "guestb", "Guest B", "setname")
        for guest in (self.guestA, self.guestB):
            self.addCleanup(guest.proto.connectionLost, None)
        self.guestB.send("JOIN #r")
        self.tchat.dataReceived(b"clt: ENTER r\r\n")
        self.settle()

    def ircLogin(self, real: str = "real mix") -> tuple[Any, StringTransport]:
        factory = IRCFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=60)
        irc, transport = connect(factory, self.clock)
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(f"PASS mixpass\r\nNICK mix\r\nUSER mix 0 * :{real}\r\n".encode())
        self.settle()
        self.assertIn(b" 001 mix ", output(transport, self.clock))
        return irc, transport

    def whois(self, guest: IRCClient) -> str:
        guest.read()
        guest.send("WHOIS mix")
        return guest.read()

    def test_closingTheFirstConnectionShowsTheRestEverywhere(self) -> None:
        """
        While TCHAT made the person, every node shows it over TCHAT with the
        real name the IRC connection gave; once TCHAT closes, every node
        shows it over IRC, with that real name and the IRC user name.
        """
        self.ircLogin()
        for guest in (self.guestA, self.guestB):
            seen = self.whois(guest)
            self.assertIn(":real mix\r\n", seen)
            self.assertIn(":chatd (tchat)\r\n", seen)
        self.tchat.connectionLost(None)
        self.settle()
        for guest in (self.guestA, self.guestB):
            seen = self.whois(guest)
            self.assertIn(" mix mix user/mix * :real mix\r\n", seen)
            self.assertIn(":chatd (irc)\r\n", seen)
            self.assertNotIn("tchat", seen)

    def test_aRealNameJoiningIsAnnounced(self) -> None:
        """
        The IRC connection that gives a real name to a person that had none
        makes it the person's: a C{setname} client on the other node sharing
        a room is told once; a later connection's name changes nothing.
        """
        self.guestB.read()
        self.ircLogin()
        self.assertEqual(self.guestB.read().count("SETNAME :real mix\r\n"), 1)
        self.ircLogin("another name")
        self.assertNotIn("SETNAME", self.guestB.read())
        self.assertIn(":real mix\r\n", self.whois(self.guestB))
