"""
CTCP other than actions over IRC (L{chatd.core.ctcp}): IRC clients'
machinery, which reaches IRC clients only, is never stored nor kept, and
is answered by the service for a person without IRC client.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message, parse
from chatd.irc.protocol import IRCProtocol
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.webclient import WebTestCase

VERSION = "\x01VERSION\x01"


class CtcpTests(IRCStoreTestCase):
    """
    IRC, TCHAT and talk clients on one service with a store; alice is a
    registered account (password C{sesame}).
    """

    def irc(self, nick: str, *more: str) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        self.send(proto, t, f"NICK {nick}", f"USER {nick} 0 * :{nick}", *more)
        return proto, t

    def tchat(self, nick: str) -> tuple[TchatProtocol, StringTransport]:
        factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, t = connect(factory, self.clock)
        proto.dataReceived(f"clt: LOGIN {nick}\n".encode())
        self.clock.advance(0)
        self.assertIn(b"srv: OKAY!\n", output(t, self.clock))
        return proto, t

    def talk(self, nick: str) -> tuple[TalkProtocol, StringTransport]:
        factory = TalkFactory(self.service, self.clock, floodBurst=None)
        proto, t = connect(factory, self.clock)
        proto.dataReceived(f"{nick}\r\n".encode())
        self.clock.advance(0)
        self.assertIn(f"*** Welcome, {nick}!".encode(), output(t, self.clock))
        return proto, t

    def stored(self) -> int:
        """
        The id the store gives the next message: it grows with each one.
        """
        mark: int = self.successResultOf(self.store.mark())
        return mark

    def shown(self, messages: list[Message]) -> list[tuple[str, str, list[str]]]:
        return [((m.prefix or "").split("!")[0], m.command, m.params) for m in messages]

    def test_answeredForTchatUser(self) -> None:
        """
        A CTCP request to a TCHAT user is not shown to them and not stored;
        the service answers C{VERSION}, C{PING}, C{TIME} and C{CLIENTINFO}
        for them with the reply C{NOTICE} an IRC client would send, after
        the request's own answer; another request goes unanswered.
        """
        carol, tc = self.irc("carol")
        bob, tb = self.tchat("bob")
        before = self.stored()
        requests = {
            VERSION: "\x01VERSION chatd (bob uses tchat, not IRC: the server answers for them)\x01",
            "\x01PING 1700000000 42\x01": "\x01PING 1700000000 42\x01",
            "\x01TIME\x01": "\x01TIME Tue, 14 Nov 2023 22:13:20 GMT\x01",
            "\x01CLIENTINFO\x01": "\x01CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\x01",
        }
        for request, reply in requests.items():
            got = self.send(carol, tc, f"PRIVMSG bob :{request}")
            self.assertEqual(self.shown(got), [("bob", "NOTICE", ["carol", reply])])
        self.assertEqual(self.send(carol, tc, "PRIVMSG bob :\x01FINGER\x01"), [])
        self.assertEqual(output(tb, self.clock), b"")
        self.assertEqual(self.stored(), before)

    def test_ircRecipient(self) -> None:
        """
        A CTCP request to an IRC user reaches their client as it is, and
        the service does not answer for them; their client's reply
        C{NOTICE} reaches the asker.  Neither is stored.
        """
        carol, tc = self.irc("carol")
        dave, td = self.irc("dave")
        before = self.stored()
        self.assertEqual(self.send(carol, tc, f"PRIVMSG dave :{VERSION}"), [])
        self.assertEqual(self.shown(self.send(dave, td)), [("carol", "PRIVMSG", ["dave", VERSION])])
        self.send(dave, td, "NOTICE carol :\x01VERSION irssi 1.4\x01")
        self.assertEqual(
            self.shown(self.send(carol, tc)),
            [("dave", "NOTICE", ["carol", "\x01VERSION irssi 1.4\x01"])],
        )
        self.assertEqual(self.stored(), before)

    def test_notShownAsText(self) -> None:
        """
        A CTCP reply, or a request sent as a C{NOTICE} (never answered),
        shows nothing to a TCHAT or talk user; an action still reaches them
        as one, and is stored.
        """
        carol, tc = self.irc("carol")
        bob, tb = self.tchat("bob")
        erin, te = self.talk("erin")
        before = self.stored()
        for nick in ("bob", "erin"):
            self.send(carol, tc, f"NOTICE {nick} :\x01VERSION irssi 1.4\x01")
            self.send(carol, tc, f"NOTICE {nick} :{VERSION}")
            self.assertEqual(self.send(carol, tc, f"PRIVMSG {nick} :\x01DCC SEND x 1 2 3\x01"), [])
        self.assertEqual(output(tb, self.clock), b"")
        self.assertEqual(output(te, self.clock), b"")
        self.assertEqual(self.stored(), before)
        self.send(carol, tc, "PRIVMSG bob :\x01ACTION waves\x01")
        self.assertIn(b"srv: * carol waves\n", output(tb, self.clock))
        self.assertEqual(self.stored(), before + 1)

    def test_channel(self) -> None:
        """
        A CTCP request to a channel reaches its IRC members only, is not
        stored, and nobody answers for the others.
        """
        carol, tc = self.irc("carol", "JOIN #lobby")
        dave, td = self.irc("dave", "JOIN #lobby")
        bob, tb = self.tchat("bob")
        bob.dataReceived(b"clt: ENTER lobby\n")
        erin, te = self.talk("erin")
        erin.dataReceived(b"/join lobby\r\n")
        self.send(carol, tc)
        self.send(dave, td)
        output(tb, self.clock)
        output(te, self.clock)
        before = self.stored()
        self.assertEqual(self.send(carol, tc, f"PRIVMSG #lobby :{VERSION}"), [])
        self.assertEqual(
            self.shown(self.send(dave, td)), [("carol", "PRIVMSG", ["#lobby", VERSION])]
        )
        self.assertEqual(output(tb, self.clock), b"")
        self.assertEqual(output(te, self.clock), b"")
        self.assertEqual(self.stored(), before)

    def test_notKept(self) -> None:
        """
        A CTCP request to a registered user who is not connected is not
        kept for them: C{401}, as nobody is there to answer; alice's next
        login is given nothing.
        """
        carol, tc = self.irc("carol")
        self.assertEqual(
            [m.command for m in self.send(carol, tc, f"PRIVMSG alice :{VERSION}")], ["401"]
        )
        self.assertEqual(self.send(carol, tc, f"NOTICE alice :{VERSION}"), [])
        alice, ta = self.client()
        back = self.send(alice, ta, "PASS sesame", "NICK alice", "USER a 0 * :A")
        back += self.send(alice, ta)
        self.assertEqual(back[0].command, "001")
        self.assertEqual([m for m in back if (m.prefix or "").startswith("carol!")], [])

    def test_alwaysOnWithoutClient(self) -> None:
        """
        An always-on user with no client open is answered for, and kept
        nothing: their next client is given no CTCP.
        """
        alice, ta = self.client()
        self.send(alice, ta, "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.send(alice, ta, "ALWAYSON ON", "QUIT")
        alice.connectionLost(None)
        carol, tc = self.irc("carol")
        before = self.stored()
        got = self.send(carol, tc, f"PRIVMSG alice :{VERSION}")
        self.assertEqual(
            self.shown(got)[-1],
            (
                "alice",
                "NOTICE",
                [
                    "carol",
                    "\x01VERSION chatd (alice is not connected: the server answers for them)\x01",
                ],
            ),
        )
        self.assertEqual(self.stored(), before)
        again, tg = self.client()
        back = self.send(again, tg, "PASS sesame", "NICK alice", "USER a 0 * :A")
        back += self.send(again, tg)
        self.assertEqual([m for m in back if (m.prefix or "").startswith("carol!")], [])


class WebCtcpTests(WebTestCase):
    """
    An IRC client and a web page on one service.
    """

    def test_webRecipient(self) -> None:
        """
        A web page is shown no CTCP request, in private or in a room (an
        action still reaches it), and the service answers a private one
        for its user.
        """
        wendy = self.web.connect("wendy")
        self.request(wendy, type="join", room="lobby")
        irc = IRCFactory(self.service, self.reactor, floodBurst=None)
        carol, tc = connect(irc, self.reactor)
        carol.dataReceived(b"NICK carol\r\nUSER carol 0 * :carol\r\nJOIN #lobby\r\n")
        output(tc, self.reactor)
        self.web.flush()
        wendy.take()
        carol.dataReceived(f"PRIVMSG wendy :{VERSION}\r\nPRIVMSG #lobby :{VERSION}\r\n".encode())
        self.web.flush()
        self.assertEqual(wendy.take(), [])
        replies = [parse(line) for line in output(tc, self.reactor).decode().split("\r\n") if line]
        self.assertEqual(
            [(m.command, m.params[1]) for m in replies],
            [
                (
                    "NOTICE",
                    "\x01VERSION chatd (wendy uses web, not IRC: the server answers for them)\x01",
                )
            ],
        )
        carol.dataReceived(b"PRIVMSG #lobby :\x01ACTION waves\x01\r\n")
        self.web.flush()
        self.assertEqual([frame["type"] for frame in wendy.take()], ["message"])
