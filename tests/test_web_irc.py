"""
IRC over WebSocket on the web listener (chatd.web.ircsocket), in memory: the
whole site on a L{MemoryReactorClock}, with a wsproto client that negotiates
the IRCv3 subprotocols.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from tests.helpers import connect, output
from tests.ircwsclient import IRCWSClient, connectIRC
from tests.webclient import WebTestCase

TEXT, BINARY = "text.ircv3.net", "binary.ircv3.net"


class IRCWebSocketTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        self.tchatProtocols: dict[str, Any] = {}
        self.irc = IRCFactory(self.service, self.reactor)
        return {"irc": self.irc}

    def register(self, client: IRCWSClient, nick: str, binary: bool = False) -> list[str]:
        """
        Register C{nick}; return the lines received.
        """
        for line in (f"NICK {nick}", f"USER {nick} 0 * :{nick.title()}"):
            if binary:
                client.sendBytes(line.encode())
            else:
                client.sendText(line)
        self.web.flush()
        return client.take()

    def tchat(self, nick: str) -> StringTransport:
        """
        A TCHAT user C{nick} in C{lobby}; lines to send go to
        L{tchatSend}, what it receives is read from the transport returned.
        """
        factory = TchatFactory(self.service, self.reactor)
        proto, transport = connect(factory, self.reactor)
        self.tchatProtocols[nick] = proto
        self.tchatSend(nick, f"LOGIN {nick}", "ENTER lobby")
        output(transport, self.reactor)
        return transport

    def tchatSend(self, nick: str, *lines: str) -> None:
        for line in lines:
            self.tchatProtocols[nick].dataReceived(b"clt: " + line.encode() + b"\r\n")

    def test_textSubprotocol(self) -> None:
        """
        A client asking for C{text.ircv3.net} gets it, registers, and reads
        each IRC line as one text message without its CR LF.
        """
        client = connectIRC(self.web, [TEXT])
        assert client.accepted is not None
        self.assertEqual(client.accepted.subprotocol, TEXT)
        lines = self.register(client, "alice")
        self.assertTrue(lines[0].startswith(":chatd 001 alice "), lines)
        self.assertFalse([line for line in lines if "\r" in line or "\n" in line])

    def test_binarySubprotocol(self) -> None:
        """
        C{binary.ircv3.net}, the client's first choice, is chosen; lines
        then come as binary messages, and binary lines that are not UTF-8
        are read as IRC reads them over TCP (Windows-1252).
        """
        client = connectIRC(self.web, [BINARY, TEXT])
        assert client.accepted is not None
        self.assertEqual(client.accepted.subprotocol, BINARY)
        for line in (b"NICK bob", b"USER bob 0 * :Bob", b"JOIN #lobby"):
            client.sendBytes(line)
        self.web.flush()
        self.assertEqual({kind for kind, _ in client.messages}, {"binary"})
        client.take()
        alice = self.tchat("alice")
        client.sendBytes(b"PRIVMSG #lobby :caf\xe9")
        self.web.flush()
        self.assertIn("srv: café".encode(), output(alice, self.reactor))

    def test_clientPreference(self) -> None:
        """
        The server follows the client's order of preference.
        """
        client = connectIRC(self.web, [TEXT, BINARY])
        assert client.accepted is not None
        self.assertEqual(client.accepted.subprotocol, TEXT)

    def test_noSubprotocol(self) -> None:
        """
        A client that asks for no subprotocol, or only for ones chatd does
        not know, is accepted without one and gets text messages.
        """
        for offered in ([], ["chat.example.org"]):
            client = connectIRC(self.web, offered)
            assert client.accepted is not None
            self.assertIsNone(client.accepted.subprotocol)
            lines = self.register(client, f"carol{len(offered)}")
            self.assertTrue(lines and lines[0].startswith(":chatd 001 "), lines)
            self.assertEqual(client.rejected, None)

    def test_meetsTchat(self) -> None:
        """
        A browser IRC client joins a room and talks with a TCHAT user, both
        ways, in the room and privately.
        """
        alice = self.tchat("alice")
        client = connectIRC(self.web, [TEXT])
        self.register(client, "bob")
        client.sendText("JOIN #lobby")
        self.web.flush()
        joined = client.take()
        self.assertTrue(any(line.startswith(":bob!") and " JOIN " in line for line in joined))
        self.assertTrue(any(" 353 bob " in line and "alice" in line for line in joined), joined)
        client.sendText("PRIVMSG #lobby :hello from the browser")
        self.web.flush()
        self.assertIn(b"srv: hello from the browser\n", output(alice, self.reactor))
        self.tchatSend("alice", "SPEAK lobby", "welcome, bob", ".")
        self.web.flush()
        self.assertIn("PRIVMSG #lobby :welcome, bob", " ".join(client.take()))
        client.sendText("PRIVMSG alice :psst")
        self.web.flush()
        self.assertIn(b"srv: psst\n", output(alice, self.reactor))
        self.tchatSend("alice", "MSGPV bob", "back at you", ".")
        self.web.flush()
        self.assertIn(":alice!alice@tchat.chatd PRIVMSG bob :back at you", client.take())

    def test_lineTooLong(self) -> None:
        """
        A message longer than an IRC line is refused as over TCP (417), and
        the connection stays open.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "dave")
        client.sendText("PRIVMSG #lobby :" + "x" * 9000)
        self.web.flush()
        lines = client.take()
        self.assertTrue(any(" 417 dave " in line for line in lines), lines)
        client.sendText("PING :still")
        self.web.flush()
        self.assertIn(":chatd PONG chatd :still", client.take())

    def test_quit(self) -> None:
        """
        QUIT: an ERROR line, then a normal close; the nickname is free.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "erin")
        client.sendText("QUIT :bye")
        self.web.flush()
        lines = client.take()
        self.assertTrue(lines[-1].startswith("ERROR :Closing Link"), lines)
        self.assertEqual(client.closeCode, 1000)
        self.assertTrue(client.closed)
        self.assertNotIn("erin", self.service.users())

    def test_clientCloses(self) -> None:
        """
        The client's close frame ends the IRC session at once: the rooms
        see the user leave.
        """
        alice = self.tchat("alice")
        client = connectIRC(self.web, [TEXT])
        self.register(client, "frank")
        client.sendText("JOIN #lobby")
        self.web.flush()
        output(alice, self.reactor)
        client.close()
        self.web.flush()
        self.assertEqual(client.closeCode, 1000)
        self.assertNotIn("frank", self.service.users())
        self.assertIn(b"srv: LEAVE lobby frank ", output(alice, self.reactor))

    def test_origin(self) -> None:
        """
        The page's Origin rule applies: another site's page is refused (403),
        the page's own host is accepted.
        """
        refused = connectIRC(self.web, [TEXT], origin="http://evil.example")
        self.assertEqual(refused.rejected, 403)
        accepted = connectIRC(self.web, [TEXT], origin="http://localhost")
        self.assertIsNotNone(accepted.accepted)

    def test_countedOnce(self) -> None:
        """
        An IRC-over-WebSocket connection is one connection for the admission
        policy, as the page's WebSocket is, and is given back on close.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "gina")
        self.assertEqual(self.service.admission.count, 1)
        client.sendText("QUIT")
        self.web.flush()
        self.reactor.advance(20)
        self.web.flush()
        self.assertEqual(self.service.admission.count, 0)


class WithoutIRCTests(WebTestCase):
    def test_notServed(self) -> None:
        """
        A site built without the IRC front-end has no C{/socket}.
        """
        client = connectIRC(self.web, [TEXT])
        self.assertEqual(client.rejected, 404)
