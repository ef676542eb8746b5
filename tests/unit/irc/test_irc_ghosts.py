"""
Connections whose network went away without a word (a phone in a tunnel)
stay open until their ping timeout: they neither keep their account's
owner out (a login with the password at the limit ends the one heard from
least recently) nor keep the private messages written to them from the
owner's new connection (L{chatd.core.joining}, L{chatd.core.unheard}).
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.core.delivery import connectionsOf
from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase

DISPLACED = "signed out: a newer connection of your account took its place (at most {} at once)"


class IRCGhostTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        # IRC's own liveness: a silent client is probed after 120 s, closed 120 s later.
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None, aliveAfter=120)
        self.registered("carol", "password")

    def signIn(
        self, nick: str = "alice", password: str = "sesame"
    ) -> tuple[IRCProtocol, StringTransport, list[Message]]:
        proto, t = self.client()
        told = self.send(proto, t, f"PASS {password}", f"NICK {nick}", "USER u 0 * :U")
        return proto, t, told

    def closedWith(self, transport: StringTransport) -> str | None:
        """
        The reason of the C{ERROR} line C{transport} was closed with, or
        C{None} if it is open.
        """
        lines = transport.value().decode("utf-8").split("\r\n")
        errors = [line for line in lines if line.startswith("ERROR ")]
        if not transport.disconnecting:
            self.assertEqual(errors, [])
            return None
        return errors[-1] if errors else ""

    def privmsgs(self, messages: list[Message]) -> list[tuple[str | None, list[str]]]:
        return [(m.prefix, m.params) for m in messages if m.command == "PRIVMSG"]

    def test_deadConnectionsDoNotLockOut(self) -> None:
        """
        An account signed in from as many connections as it may have, all
        gone silent, is not locked out: a login with its password (PASS)
        is welcomed, and the connection heard from least recently is
        closed, told why; the others stay.
        """
        ghosts = []
        for _ in range(5):
            proto, t, told = self.signIn()
            self.assertEqual(told[0].command, "001")
            ghosts.append((proto, t))
            self.clock.advance(10)
        self.clock.advance(30)
        proto, t, told = self.signIn()
        self.assertEqual(told[0].command, "001")
        self.assertEqual(told[0].params[0], "alice")
        first = self.closedWith(ghosts[0][1])
        self.assertIsNotNone(first)
        self.assertIn(DISPLACED.format(5), first or "")
        self.assertEqual([self.closedWith(t) for _, t in ghosts[1:]], [None] * 4)
        person = self.service.find("alice")
        self.assertEqual(connectionsOf(person), [p for p, _ in ghosts[1:]] + [proto])

    def test_liveDeviceStays(self) -> None:
        """
        What counts is when a connection was last heard from, not when it
        signed in: a device that spoke a moment ago stays, and the one
        that signed in after it but went silent makes room.
        """
        self.service.people.maxConnections = 2
        live, tl, _ = self.signIn()
        self.clock.advance(5)
        ghost, tg, _ = self.signIn()
        self.clock.advance(100)
        self.send(live, tl, "PING :still here")
        self.clock.advance(1)
        new, tn, told = self.signIn()
        self.assertEqual(told[0].command, "001")
        self.assertIsNone(self.closedWith(tl))
        self.assertIn(DISPLACED.format(2), self.closedWith(tg) or "")
        self.assertEqual(connectionsOf(self.service.find("alice")), [live, new])

    def test_saslMakesRoom(self) -> None:
        """
        A login by SASL proves the password as C{PASS} does: at the limit
        it is welcomed under the account's name, and the silent connection
        is closed, told why.
        """
        self.service.people.maxConnections = 1
        ghost, tg, _ = self.signIn()
        self.clock.advance(60)
        proto, t, told = self.saslAs("alice", "sesame", "alice")
        welcome = [m.params[0] for m in told if m.command == "001"]
        self.assertEqual(welcome, ["alice"])
        self.assertIn(DISPLACED.format(1), self.closedWith(tg) or "")
        self.assertEqual(connectionsOf(self.service.find("alice")), [proto])

    def test_guestRefused(self) -> None:
        """
        Without the password, nobody is displaced: the nickname is taken.
        """
        self.service.people.maxConnections = 1
        ghost, tg, _ = self.signIn()
        self.clock.advance(60)
        guest, t = self.client()
        told = self.send(guest, t, "NICK alice", "USER u 0 * :U")
        self.assertIn("433", self.codes(told))
        self.assertIsNone(self.closedWith(tg))

    def test_swallowedPrivateMessagesReplayed(self) -> None:
        """
        Private messages written to a silent connection since it was last
        heard from are given, once, to the person's new connection, as
        messages that waited (with the time they were sent); one sent
        before it was last heard from, and those sent after the new
        connection joined (which come live, even before its welcome), are
        not given again.
        """
        bob, tb, _ = self.signIn("bob", "")
        self.send(bob, tb, "PRIVMSG carol :before")
        ghost, tg, _ = self.signIn("carol", "password")
        self.send(bob, tb, "PRIVMSG carol :heard")
        self.clock.advance(10)
        self.send(ghost, tg, "PING :x")  # last heard from here
        self.clock.advance(20)
        self.send(bob, tb, "PRIVMSG carol :are you there?", "PRIVMSG carol :hello?")
        self.clock.advance(30)
        tg.clear()
        new, tn = self.client()
        new.dataReceived(b"PASS password\r\nNICK carol\r\nUSER u 0 * :U\r\n")
        self.assertIs(self.service.find("carol"), self.service.people.personOf(new))
        bob.dataReceived(b"PRIVMSG carol :meanwhile\r\n")  # before the welcome's turn
        texts = [params[1] for _, params in self.privmsgs(self.send(new, tn))]
        self.assertEqual(len(texts), 3, texts)
        self.assertEqual(texts[0], "meanwhile")
        self.assertIn("are you there?", texts[1])
        self.assertIn("hello?", texts[2])
        self.assertNotEqual(texts[1], "are you there?")  # it says when it was sent
        self.send(bob, tb, "PRIVMSG carol :live")
        self.clock.advance(1)
        later = self.send(new, tn)
        self.assertEqual([params[1] for _, params in self.privmsgs(later)], ["live"])
        self.assertEqual(
            [params[1] for _, params in self.privmsgs(self.send(ghost, tg))], ["meanwhile", "live"]
        )

    def test_noneForAClientThatAsksItself(self) -> None:
        """
        A new connection that asks for what it missed itself (IRC's
        C{draft/chathistory}, as the web page's catch-up does) is handed
        none of them: it would show them twice.
        """
        bob, tb, _ = self.signIn("bob", "")
        ghost, tg, _ = self.signIn("carol", "password")
        self.clock.advance(30)
        self.send(bob, tb, "PRIVMSG carol :are you there?")
        self.clock.advance(30)
        new, tn = self.client()
        new.dataReceived(
            b"CAP REQ :draft/chathistory batch server-time\r\n"
            b"PASS password\r\nNICK carol\r\nUSER u 0 * :U\r\nCAP END\r\n"
        )
        self.assertIs(self.service.find("carol"), self.service.people.personOf(new))
        self.clock.advance(1)
        self.assertEqual(self.privmsgs(self.send(new, tn)), [])

    def test_liveDeviceLeavesNothingToReplay(self) -> None:
        """
        A new connection of a person whose other connection was heard from
        after the messages came gets none of them; nor does that other one.
        """
        live, tl, _ = self.signIn("carol", "password")
        bob, tb, _ = self.signIn("bob", "")
        self.send(bob, tb, "PRIVMSG carol :one", "PRIVMSG carol :two")
        self.clock.advance(1)
        self.send(live, tl, "PING :x")
        new, tn, told = self.signIn("carol", "password")
        told += self.send(new, tn)
        self.assertEqual(self.privmsgs(told), [])
        self.assertEqual(self.privmsgs(self.send(live, tl)), [])
