"""
What chatd's IRC side advertises is what it does: the C{005} tokens
(L{chatd.irc.isupport}), capability negotiation (L{chatd.irc.caps}:
C{cap-notify}, C{batch} under C{draft/multiline}), the client tag limit,
a message to oneself with C{echo-message}, and a second device's real
name (L{chatd.core.person}).
"""

from __future__ import annotations

from base64 import b64encode

from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase


class AdvertisedTests(IRCTestCase):
    def tokens(self, nick: str) -> list[str]:
        _, t = self.connect()
        proto, t = self.connect()
        reply = self.send(proto, t, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        return [p for m in self.messages(reply) if m.command == "005" for p in m.params[1:-1]]

    def test_isupportLimits(self) -> None:
        """
        C{MAXLIST} gives each list's own limit (50 bans and 50 exceptions
        fit at once), C{CHANLIMIT} is left out as channels joined have no
        limit, and C{TARGMAX} lets C{NAMES} name several channels and
        C{KICK} several nicknames, each answered (from one channel, or each
        from its own).
        """
        tokens = self.tokens("alice")
        self.assertIn("MAXLIST=b:50,e:50,I:50", tokens)
        self.assertEqual([t for t in tokens if t.startswith("CHANLIMIT")], [])
        self.assertIn("TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:,PART:,NAMES:,KICK:,WHOIS:1", tokens)
        proto, t = self.connect("bob")
        self.send(proto, t, "JOIN #one", "JOIN #two")
        for i in range(50):
            self.send(proto, t, f"MODE #one +be x{i}!*@* y{i}!*@*")
        lists = self.messages(self.send(proto, t, "MODE #one b", "MODE #one e"))
        self.assertEqual([m.command for m in lists].count("367"), 50)
        self.assertEqual([m.command for m in lists].count("348"), 50)
        names = self.messages(self.send(proto, t, "NAMES #one,#two,#none"))
        self.assertEqual(
            [(m.command, m.params[-2]) for m in names],
            [("353", "#one"), ("353", "#two"), ("366", "#one,#two,#none")],
        )
        members = {nick: self.connect(nick) for nick in ("carol", "dave")}
        for other, to in members.values():
            self.send(other, to, "JOIN #one")
        kicks = self.messages(self.send(proto, t, "KICK #one carol,dave,nobody :out"))
        self.assertEqual(
            [(m.command, m.params[1]) for m in kicks if m.command != "JOIN"],
            [("KICK", "carol"), ("KICK", "dave"), ("401", "nobody")],
        )
        # As many channels as nicknames: each kicked from its own (RFC 2812).
        self.send(*members["carol"], "JOIN #one")
        self.send(*members["dave"], "JOIN #two")
        kicks = self.messages(self.send(proto, t, "KICK #one,#two carol,dave :out"))
        self.assertEqual(
            [m.params[:2] for m in kicks if m.command == "KICK"],
            [["#one", "carol"], ["#two", "dave"]],
        )
        [refused] = self.messages(self.send(proto, t, "KICK #one,#two carol"))
        self.assertEqual(refused.command, "461")

    def test_capNotifyListed(self) -> None:
        """
        C{cap-notify} is in C{CAP LS} (any version) and may be requested:
        a client before 302 may remove it again, a 302 client (for which
        it is implied) may not, and such a request is refused whole.
        """
        old, to = self.connect()
        [ls] = self.messages(self.send(old, to, "CAP LS"))
        self.assertIn("cap-notify", ls.params[-1].split())
        [ack] = self.messages(self.send(old, to, "CAP REQ :cap-notify server-time"))
        self.assertEqual(ack.params[1:], ["ACK", "cap-notify server-time"])
        self.assertEqual(old.caps.listEnabled(), "cap-notify server-time")
        [ack] = self.messages(self.send(old, to, "CAP REQ :-cap-notify"))
        self.assertEqual(ack.params[1], "ACK")
        self.assertEqual(old.caps.listEnabled(), "server-time")
        new, tn = self.connect()
        [ls] = self.messages(self.send(new, tn, "CAP LS 302"))
        self.assertIn("cap-notify", ls.params[-1].split())
        [ack] = self.messages(self.send(new, tn, "CAP REQ :cap-notify"))
        self.assertEqual(ack.params[1], "ACK")
        [nak] = self.messages(self.send(new, tn, "CAP REQ :-cap-notify multi-prefix"))
        self.assertEqual(nak.params[1:], ["NAK", "-cap-notify multi-prefix"])
        self.assertEqual(new.caps.listEnabled(), "cap-notify")

    def test_capNewWithoutValuesBefore302(self) -> None:
        """
        A client before 302 that requested C{cap-notify} is told of new
        capability values with C{CAP NEW}, by name only, as its C{CAP LS}
        shows them.
        """
        old, to = self.connect()
        self.send(old, to, "CAP REQ :cap-notify", "NICK old", "USER o 0 * :O", "CAP END")
        self.factory.setBodyLimits(3, 500)
        [new] = self.messages(self.read(to))
        self.assertEqual((new.command, new.params), ("CAP", ["old", "NEW", "draft/multiline"]))

    def test_clientTagLimit(self) -> None:
        """
        Client tag data (between C{@} and the space) of 4094 bytes is
        accepted, as the message-tags spec says; 4095 is refused with 417.
        """
        alice, ta = self.connect("alice", caps="message-tags")
        bob, tb = self.connect("bob", caps="message-tags")
        self.send(alice, ta, "@+x=" + "a" * 4091 + " PRIVMSG bob :fits")
        [heard] = self.messages(self.read(tb))
        self.assertEqual((heard.params, len(heard.tags["+x"])), (["bob", "fits"], 4091))
        reply = self.send(alice, ta, "@+x=" + "a" * 4092 + " PRIVMSG bob :over")
        self.assertEqual(self.numerics(reply), ["417"])
        self.assertEqual(self.read(tb), "")

    def test_batchRemovedUnderMultiline(self) -> None:
        """
        Removing C{batch} while C{draft/multiline} is on is granted (the
        spec forbids enforcing an order between them) and both stay
        listed, but multiline has no effect without C{batch}: the client's
        batches are refused and others' messages come as single lines.
        """
        alice, ta = self.connect("alice", caps="batch draft/multiline message-tags")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "JOIN #lobby"), self.send(bob, tb, "JOIN #lobby")
        self.read(ta)
        [ack] = self.messages(self.send(alice, ta, "CAP REQ :-batch"))
        self.assertEqual(ack.params[1:], ["ACK", "-batch"])
        self.assertEqual(alice.caps.listEnabled(), "draft/multiline message-tags")
        [fail] = self.messages(self.send(alice, ta, "BATCH +m draft/multiline #lobby"))
        self.assertEqual(fail.params[:2], ["BATCH", "MULTILINE_INVALID"])
        self.send(alice, ta, "@batch=m PRIVMSG #lobby :plain", "BATCH -m")
        [plain] = self.messages(self.read(tb))
        self.assertEqual(plain.params, ["#lobby", "plain"])
        self.service.say(bob, "lobby", ("one", "two"))
        lines = self.messages(self.read(ta))
        self.assertEqual(
            [(m.command, m.params) for m in lines][-2:],
            [
                ("PRIVMSG", ["#lobby", "one"]),
                ("PRIVMSG", ["#lobby", "two"]),
            ],
        )
        self.assertNotIn("BATCH", [m.command for m in lines])

    def test_echoToSelf(self) -> None:
        """
        With C{echo-message}, a message to oneself comes back as its echo
        and as its delivery, one C{msgid} for both (as irctest's
        C{testMessagesToSelf} expects of servers that store it once);
        without, once.
        """
        alice, ta = self.connect("alice", caps="echo-message message-tags")
        both = self.messages(self.send(alice, ta, "PRIVMSG alice :note"))
        self.assertEqual([m.params for m in both], [["alice", "note"]] * 2)
        self.assertEqual(len({m.tags["msgid"] for m in both}), 1)
        plain, tp = self.connect("plain")
        [once] = self.messages(self.send(plain, tp, "PRIVMSG plain :note"))
        self.assertEqual(once.params, ["plain", "note"])


class SecondDeviceTests(IRCStoreTestCase):
    def test_realNameStaysThePersons(self) -> None:
        """
        A second connection of an account (SASL before its own C{USER})
        does not change the person's real name: nobody is sent C{SETNAME}
        and C{WHOIS} shows the first one's, also after that one leaves.
        C{SETNAME} from any connection changes it.
        """
        laptop, tl = self.client()
        self.send(laptop, tl, "CAP REQ :setname", "PASS sesame", "NICK alice")
        self.send(laptop, tl, "USER a 0 * :Alice Laptop", "CAP END", "JOIN #den")
        bob, tb = self.client()
        self.send(bob, tb, "CAP REQ :setname", "NICK bob", "USER b 0 * :B", "CAP END", "JOIN #den")
        self.send(laptop, tl)
        phone, tp = self.client()
        self.send(phone, tp, "CAP REQ :sasl setname", "NICK alice", "AUTHENTICATE PLAIN")
        plain = b64encode(b"\0alice\0sesame").decode()
        self.send(phone, tp, "AUTHENTICATE " + plain)
        self.send(phone, tp, "USER p 0 * :Alice Phone", "CAP END")
        self.assertNotIn("SETNAME", self.codes(self.send(laptop, tl)))
        self.assertNotIn("SETNAME", self.codes(self.send(bob, tb)))

        def whois() -> str:
            [user] = [m for m in self.send(bob, tb, "WHOIS alice") if m.command == "311"]
            return user.params[-1]

        self.assertEqual(whois(), "Alice Laptop")
        self.send(laptop, tl, "QUIT")
        self.assertEqual(whois(), "Alice Laptop")
        self.send(phone, tp, "SETNAME :Alice Anywhere")
        [setname] = [m for m in self.send(bob, tb) if m.command == "SETNAME"]
        self.assertEqual(setname.params, ["Alice Anywhere"])
        self.assertEqual(whois(), "Alice Anywhere")
