"""
One account signed in from several IRC connections is one person: what it
does shows the same on each of them as to everyone else (its own C{PART}'s
tags), and its user modes are the person's, not one connection's.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase


class IRCPersonTests(IRCStoreTestCase):
    def signIn(
        self, nick: str, password: str | None, *caps: str
    ) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        request = [f"CAP REQ :{' '.join(caps)}"] if caps else []
        login = [f"PASS {password}"] if password else []
        self.send(proto, t, *request, *login, f"NICK {nick}", "USER u 0 * :U", "CAP END")
        return proto, t

    def test_ownPartTagged(self) -> None:
        """
        A PART from one connection carries the same tags (its time, the
        account) to that connection, the person's other connection and
        another member with C{account-tag}.
        """
        caps = ("server-time", "account-tag")
        laptop, tl = self.signIn("alice", "sesame", *caps)
        phone, tp = self.signIn("alice", "sesame", *caps)
        bob, tb = self.signIn("bob", None, *caps)
        self.send(bob, tb, "JOIN #club")
        self.send(laptop, tl, "JOIN #club")
        self.send(phone, tp)
        self.send(bob, tb)
        told = self.send(laptop, tl, "PART #club") + self.send(phone, tp) + self.send(bob, tb)
        parts = [m.tags for m in told if m.command == "PART"]
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0]["account"], "alice")
        self.assertEqual(parts, [parts[0]] * 3)

    def test_ownPartTaggedWithReason(self) -> None:
        """
        A PART with a reason, too.
        """
        caps = ("account-tag",)
        laptop, tl = self.signIn("alice", "sesame", *caps)
        phone, tp = self.signIn("alice", "sesame", *caps)
        self.send(laptop, tl, "JOIN #club")
        self.send(phone, tp)
        told = self.send(laptop, tl, "PART #club :bye") + self.send(phone, tp)
        self.assertEqual(
            [(m.params, m.tags) for m in told if m.command == "PART"],
            [(["#club", "bye"], {"account": "alice"})] * 2,
        )
