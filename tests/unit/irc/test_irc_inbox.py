"""
Private messages to a registered user who is not connected, over IRC: the
sender is told they wait (C{301}).
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase


class KeptTests(IRCStoreTestCase):
    def guest(self, nick: str, caps: str = "") -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        lines = [f"CAP REQ :{caps}"] if caps else []
        lines += [f"NICK {nick}", f"USER {nick} 0 * :{nick}"] + (["CAP END"] if caps else [])
        self.assertEqual(self.codes(self.send(proto, t, *lines))[len(lines) - 2 :][:1], ["001"])
        return proto, t

    def test_keptIsTold(self) -> None:
        """
        A C{PRIVMSG} to a registered user who is not connected is answered
        C{301} with the service's words: it waits for their next login.  A
        C{NOTICE} is not answered.
        """
        bob, tb = self.guest("bob")
        replies = self.send(bob, tb, "PRIVMSG alice :are you there?")
        self.assertEqual(
            [(m.command, m.params) for m in replies],
            [("301", ["bob", "alice", "they will get it when they log in"])],
        )
        self.assertEqual(self.send(bob, tb, "NOTICE alice :fyi"), [])

    def test_liveUnmarked(self) -> None:
        """
        A private message to someone connected is shown as sent, without
        a time, and gets no C{301}.
        """
        bob, tb = self.guest("bob")
        carol, tc = self.guest("carol")
        self.assertEqual(self.send(bob, tb, "PRIVMSG carol :hi"), [])
        (got,) = self.send(carol, tc)
        self.assertEqual(got.params, ["carol", "hi"])
