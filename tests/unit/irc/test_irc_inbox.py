"""
Private messages to a registered user who is not connected, over IRC: the
sender is told they wait (C{301}), and the recipient's client is given
them at login marked as sent earlier, with or without C{server-time}.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from chatd.irc.servertime import STAMPED_AFTER
from tests.support.ircstorecase import IRCStoreTestCase

#: The test clock's moment (1,700,000,000) as a waited message shows it.
SENT = "[sent 2023-11-14 22:13 UTC]"


class KeptTests(IRCStoreTestCase):
    def guest(self, nick: str, caps: str = "") -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        lines = [f"CAP REQ :{caps}"] if caps else []
        lines += [f"NICK {nick}", f"USER {nick} 0 * :{nick}"] + (["CAP END"] if caps else [])
        self.assertEqual(self.codes(self.send(proto, t, *lines))[len(lines) - 2 :][:1], ["001"])
        return proto, t

    def alice(self, caps: str = "") -> list[Message]:
        """
        What alice's client is sent as it logs in with C{PASS}.
        """
        proto, t = self.client()
        lines = [f"CAP REQ :{caps}"] if caps else []
        lines += ["PASS sesame", "NICK alice", "USER a 0 * :A"] + (["CAP END"] if caps else [])
        return self.send(proto, t, *lines)

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

    def test_keptIsEchoed(self) -> None:
        """
        With C{echo-message}, a message kept for later is echoed like a
        delivered one, with the C{msgid} the recipient is given at login.
        """
        bob, tb = self.client()
        self.send(bob, tb, "CAP REQ :echo-message message-tags", "NICK bob", "USER b 0 * :B")
        self.send(bob, tb, "CAP END")
        replies = self.send(bob, tb, "PRIVMSG alice :are you there?")
        self.assertEqual([m.command for m in replies], ["301", "PRIVMSG"])
        echoed = replies[1]
        self.assertEqual(echoed.params, ["alice", "are you there?"])
        [got] = [m for m in self.alice(caps="message-tags") if m.command == "PRIVMSG"]
        self.assertEqual(got.tags["msgid"], echoed.tags["msgid"])

    def test_keptNoticeStaysNotice(self) -> None:
        """
        A C{NOTICE} that waited is given as a C{NOTICE} at login, and is one
        in the private conversation's history too.
        """
        bob, tb = self.guest("bob")
        self.send(bob, tb, "NOTICE alice :fyi")
        got = [m for m in self.alice() if m.params[-1].endswith("fyi")]
        self.assertEqual([m.command for m in got], ["NOTICE"])

    def test_waitedWithoutServerTime(self) -> None:
        """
        A client without C{server-time} is given the messages that waited
        with the moment they were sent before their text (inside an
        action), so they are not taken for live ones.
        """
        bob, tb = self.guest("bob")
        self.send(bob, tb, "PRIVMSG alice :are you there?", "PRIVMSG alice :\x01ACTION waves\x01")
        got = [m for m in self.alice() if m.command == "PRIVMSG"]
        self.assertEqual(
            [((m.prefix or "").split("!")[0], m.params) for m in got],
            [
                ("bob", ["alice", f"{SENT} are you there?"]),
                ("bob", ["alice", f"\x01ACTION {SENT} waves\x01"]),
            ],
        )

    def test_waitedWithServerTime(self) -> None:
        """
        A client with C{server-time} is given them with their original
        C{time} and, once they waited longer than 5 minutes, the moment in
        their text too: irssi asks for C{server-time} yet shows the moment
        a line arrived unless its user sets C{show_server_time}.
        """
        bob, tb = self.guest("bob")
        self.send(bob, tb, "PRIVMSG alice :are you there?")
        self.clock.advance(200)
        self.send(bob, tb, "PRIVMSG alice :still there?")
        self.clock.advance(STAMPED_AFTER - 200 + 1)  # the first waited 5 min 1 s, the second less
        got = [m for m in self.alice(caps="server-time") if m.command == "PRIVMSG"]
        self.assertEqual(
            [(m.tags.get("time"), m.params) for m in got],
            [
                ("2023-11-14T22:13:20.000Z", ["alice", f"{SENT} are you there?"]),
                ("2023-11-14T22:16:40.000Z", ["alice", "still there?"]),
            ],
        )

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
