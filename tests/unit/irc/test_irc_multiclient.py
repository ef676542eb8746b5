"""
IRC clients of one account signed in at once (L{chatd.core.person.Person}):
PASS and SASL join the person, what one says or does shows on the other
with the person's own prefix, and a QUIT closes only one.
"""

from __future__ import annotations

from base64 import b64encode

from twisted.internet.testing import StringTransport

from chatd.core.delivery import connectionsOf
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase


class IRCMulticlientTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.laptop, self.tl = self.client()
        self.signIn(self.laptop, self.tl)
        self.phone, self.tp = self.client()
        self.signIn(self.phone, self.tp)

    def signIn(self, proto: IRCProtocol, transport: StringTransport) -> list[Message]:
        return self.send(proto, transport, "PASS sesame", "NICK alice", "USER a 0 * :A")

    def lines(self, messages: list[Message]) -> list[tuple[str | None, str, list[str]]]:
        return [(m.prefix, m.command, m.params) for m in messages]

    def test_passJoinsThePerson(self) -> None:
        """
        A second client with the account's password (PASS, though the
        nickname is in use) is welcomed as the same person, in its channels.
        """
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [self.laptop, self.phone])
        other, to = self.client()
        replies = self.signIn(other, to)
        self.assertEqual(replies[0].command, "001")
        self.assertIn(("JOIN", ["#Général"]), [(m.command, m.params) for m in replies])
        guest, tg = self.client()
        self.assertEqual(self.codes(self.send(guest, tg, "NICK alice")), ["433"])

    def test_saslKeepsTheAccountName(self) -> None:
        """
        A SASL client that asked for another nickname than the account's
        (C{alice}, held by the account's person, is not refused while it
        negotiates: SASL may prove it) keeps the account's name when it
        joins the person.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP LS 302", "CAP REQ sasl")
        self.assertEqual(self.codes(self.send(proto, t, "NICK alice")), [])
        self.send(proto, t, "NICK alice_", "USER a 0 * :A", "AUTHENTICATE PLAIN")
        plain = b64encode(b"\0alice\0sesame").decode()
        self.assertEqual(
            self.codes(self.send(proto, t, "AUTHENTICATE " + plain))[:2], ["900", "903"]
        )
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "alice"))
        self.assertEqual((self.laptop.nick, self.phone.nick), ("alice", "alice"))

    def test_echoAndJoinPart(self) -> None:
        """
        A channel message and a private message from one client reach the
        other with the person's own prefix (no echo-message asked); a JOIN
        and a PART from one show on the other as JOIN (with NAMES) and PART.
        """
        self.send(self.phone, self.tp, "JOIN #den")
        shown = self.lines(self.send(self.laptop, self.tl))
        self.assertEqual(shown[0][1:], ("JOIN", ["#den"]))
        self.assertTrue(str(shown[0][0]).startswith("alice!"))
        self.assertIn("366", [line[1] for line in shown])
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER b 0 * :B")
        self.send(self.phone, self.tp, "PRIVMSG #den :hi", "PRIVMSG bob :psst")
        echoed = [(line[1], line[2]) for line in self.lines(self.send(self.laptop, self.tl))]
        self.assertEqual(echoed, [("PRIVMSG", ["#den", "hi"]), ("PRIVMSG", ["bob", "psst"])])
        self.assertEqual(self.send(self.phone, self.tp), [])  # no echo-message: no copy
        self.send(self.laptop, self.tl, "PART #den")
        self.assertEqual(
            [(line[1], line[2]) for line in self.lines(self.send(self.phone, self.tp))],
            [("PART", ["#den"])],
        )

    def test_partReasonEverywhere(self) -> None:
        """
        A PART's reason from one client shows on the person's other client
        as it shows to the channel's other members.
        """
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER b 0 * :B", "JOIN #club")
        self.send(self.laptop, self.tl, "JOIN #club")
        self.send(self.phone, self.tp)
        self.send(bob, tb)
        self.send(self.laptop, self.tl, "PART #club :x")
        [toPhone] = self.send(self.phone, self.tp)
        [toBob] = self.send(bob, tb)
        self.assertEqual((toPhone.command, toPhone.params), ("PART", ["#club", "x"]))
        self.assertEqual((toBob.command, toBob.params), ("PART", ["#club", "x"]))

    def test_joinAndPartOneMoment(self) -> None:
        """
        A JOIN and a PART carry one C{server-time} for every recipient
        (the client that asked, the person's other client, another
        member), however long the service took to tell them all: a clock
        that moves on each reading shows it.
        """
        clients = []
        for nick, password in (("alice", "sesame"), ("alice", "sesame"), ("bob", None)):
            proto, t = self.client()
            lines = ["CAP REQ server-time", f"NICK {nick}", "USER u 0 * :U", "CAP END"]
            self.send(proto, t, *([f"PASS {password}"] if password else []), *lines)
            clients.append((proto, t))
        (laptop, tl), (phone, tp), (bob, tb) = clients
        self.send(bob, tb, "JOIN #club")
        self.send(phone, tp)

        def ticking() -> float:
            self.clock.rightNow += 0.001
            return self.clock.rightNow

        self.patch(self.clock, "seconds", ticking)
        for command in ("JOIN #club", "PART #club :x"):
            verb = command.split()[0]
            told = self.send(laptop, tl, command) + self.send(phone, tp) + self.send(bob, tb)
            times = [m.tags["time"] for m in told if m.command == verb and m.params[0] == "#club"]
            self.assertEqual(len(times), 3, verb)
            self.assertEqual(len(set(times)), 1, (verb, times))

    def test_maskOfTheFirstConnection(self) -> None:
        """
        The user part of a person's mask is the C{USER} of the connection
        that made it, and stays so after that connection closes: bob sees
        the same prefix on what the person says, and in C{WHOIS}.
        """
        self.registered("dave", "davepw")
        first, t1 = self.client()
        self.send(first, t1, "USER first 0 * :F", "PASS davepw", "NICK dave", "JOIN #club")
        second, t2 = self.client()
        self.send(second, t2, "USER second 0 * :S", "PASS davepw", "NICK dave")
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER b 0 * :B", "JOIN #club")
        self.send(first, t1, "QUIT")
        first.connectionLost(None)
        self.send(bob, tb)
        self.send(second, t2, "PRIVMSG #club :hi")
        [said] = [m for m in self.send(bob, tb) if m.command == "PRIVMSG"]
        self.assertEqual(said.prefix, "dave!first@user/dave")
        [whois] = [m for m in self.send(bob, tb, "WHOIS dave") if m.command == "311"]
        self.assertEqual(whois.params[1:3], ["dave", "first"])

    def test_quitClosesOne(self) -> None:
        """
        QUIT from one client leaves the person in its channels with the
        other; a member sees no QUIT until the last one goes.
        """
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER b 0 * :B")
        self.assertEqual(self.send(bob, tb, "JOIN #Général")[0].command, "JOIN")
        self.send(self.phone, self.tp, "QUIT :phone off")
        self.assertEqual(self.send(bob, tb), [])
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [self.laptop])
        self.send(self.laptop, self.tl, "QUIT :laptop off")
        self.assertEqual(self.codes(self.send(bob, tb)), ["QUIT"])

    def test_whoisIdleOfThePerson(self) -> None:
        """
        C{WHOIS} of a person signed in from several clients gives the first
        client's sign-on, and the idle time since any of them last spoke.
        """
        start = int(self.clock.seconds())
        bob, tb = self.client()
        self.send(bob, tb, "NICK bob", "USER b 0 * :B")

        def idle() -> list[str]:
            replies = self.send(bob, tb, "WHOIS alice")
            return [m.params[2:4] for m in replies if m.command == "317"][0]

        self.clock.advance(10)
        other, to = self.client()
        self.signIn(other, to)
        self.assertEqual(idle(), ["10", str(start)])
        self.send(self.laptop, self.tl, "PRIVMSG bob :from the laptop")
        self.clock.advance(5)
        self.send(self.phone, self.tp, "PRIVMSG #Général :from the phone")
        self.clock.advance(3)
        self.assertEqual(idle(), ["3", str(start)])
