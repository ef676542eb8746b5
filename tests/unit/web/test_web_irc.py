"""
IRC over WebSocket on the web listener (chatd.web.ircsocket), in memory: the
whole site on a L{MemoryReactorClock}, with a wsproto client that negotiates
the IRCv3 subprotocols.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.trial.unittest import SynchronousTestCase
from wsproto.events import CloseConnection, TextMessage

from chatd.core.delivery import connectionsOf
from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from chatd.lines.turnbudget import TurnBudget
from chatd.options import Options
from chatd.tap import makeService
from chatd.tchat import TchatFactory
from chatd.web.guard import GuardedSite
from chatd.web.ircsocket import PATH, IRCWebSocket
from tests.support.helpers import connect, guestHost, output, turn
from tests.support.ircwsclient import IRCWSClient, connectIRC
from tests.support.webclient import WebHarness, WebTestCase, handshake

TEXT, BINARY = "text.ircv3.net", "binary.ircv3.net"


class IRCWebSocketCase(WebTestCase):
    """
    The site with the IRC front-end, and helpers.
    """

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


class IRCWebSocketTests(IRCWebSocketCase):
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
        self.assertIn(
            f":alice!alice@{guestHost(self.service)} PRIVMSG bob :back at you", client.take()
        )

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

    def test_linesBeforeCloseAnswered(self) -> None:
        """
        Lines sent with the close frame, in one write, are answered as over
        TCP before a half-close: the welcome, the join, then C{ERROR}, then
        the server's close.
        """
        alice = self.tchat("alice")
        for quit in ([], ["QUIT :bye"]):
            client = connectIRC(self.web, [TEXT])
            nick = f"gina{len(quit)}"
            lines = [f"NICK {nick}", f"USER {nick} 0 * :G", "JOIN #lobby", "PRIVMSG #lobby :hi"]
            data = b"".join(client.ws.send(TextMessage(line)) for line in lines + quit)
            client.transport.write(data + client.ws.send(CloseConnection(1000)))  # type: ignore[union-attr]
            self.web.flush()
            self.reactor.advance(0)
            self.web.flush()
            got = client.take()
            self.assertTrue(got and got[0].startswith(f":chatd 001 {nick} "), got)
            joined = [line for line in got if line.startswith(f":{nick}!") and " JOIN " in line]
            self.assertTrue(joined, got)
            self.assertTrue(got[-1].startswith("ERROR :Closing Link"), got)
            self.assertEqual(client.closeCode, 1000)
            self.assertTrue(client.closed)
            self.assertNotIn(nick, self.service.users())
            self.assertIn(f"srv: SPEAK {nick} lobby ".encode(), output(alice, self.reactor))

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


class AdapterTests(IRCWebSocketCase):
    """
    The adapter between the IRC protocol and the WebSocket, seen from the
    IRC protocol's side.
    """

    def adapter(self, nick: str) -> IRCWebSocket:
        [participant] = connectionsOf(self.service.find(nick))
        assert isinstance(participant, IRCProtocol)
        transport = participant.transport
        assert isinstance(transport, IRCWebSocket)
        return transport

    def test_oneMessagePerLine(self) -> None:
        """
        What the IRC protocol writes at once leaves as one message per line,
        without CR LF; a line written in pieces leaves once whole; in text
        mode, bytes that are not UTF-8 become U+FFFD.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "ivan")
        adapter = self.adapter("ivan")
        adapter.write(b":chatd NOTICE ivan :one\r\n:chatd NOTICE ivan :t")
        adapter.write(b"wo\r\n:chatd NOTICE ivan :caf\xe9\r\n")
        self.web.flush()
        self.assertEqual(
            client.take(),
            [":chatd NOTICE ivan :one", ":chatd NOTICE ivan :two", ":chatd NOTICE ivan :caf\ufffd"],
        )

    def test_severalLinesInOneMessage(self) -> None:
        """
        A message holding CR LF is read as several lines, as over TCP.
        """
        client = connectIRC(self.web, [TEXT])
        client.sendText("NICK judy\r\nUSER judy 0 * :Judy")
        self.web.flush()
        self.assertTrue(client.take()[0].startswith(":chatd 001 judy "))

    def test_backpressure(self) -> None:
        """
        While the socket takes no more, the IRC protocol's own output waits
        too: its outbox is paused with the connection's, so what is sent in
        pieces (the inbox) waits for the reader.
        """
        request = handshake().replace(b"GET /ws ", b"GET /socket ")
        request = request.replace(
            b"\r\n\r\n", b"\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n\r\n"
        )
        answer, transport, guard = self.web.rawRequest(request)
        self.assertIn(b"\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n", answer)
        adapter = guard.listener
        assert isinstance(adapter, IRCWebSocket) and adapter.irc is not None
        outbox = adapter.irc.outbox
        assert outbox is not None and transport.producer is not None
        transport.clear()
        transport.producer.pauseProducing()
        adapter.irc.sendLine(b":chatd NOTICE * :waiting")
        drained = outbox.whenDrained()
        self.reactor.advance(0)
        self.assertNoResult(drained)
        self.assertEqual(transport.value(), b"")
        transport.producer.resumeProducing()
        self.reactor.advance(0)
        self.assertTrue(self.successResultOf(drained))
        self.assertEqual(transport.value(), b"\x81\x18:chatd NOTICE * :waiting")

    def test_readingPaused(self) -> None:
        """
        The IRC protocol's pause and resume of its reading (a turn's budget
        spent while it is far behind) reach the socket.
        """
        request = handshake().replace(b"GET /ws ", b"GET /socket ")
        _, transport, guard = self.web.rawRequest(request)
        adapter = guard.listener
        assert isinstance(adapter, IRCWebSocket)
        adapter.pauseProducing()
        self.assertEqual(transport.producerState, "paused")
        adapter.resumeProducing()
        self.assertEqual(transport.producerState, "producing")

    def test_notHeldTwice(self) -> None:
        """
        While connections wait for a later turn, the web listener's flusher
        holds output, but not what an IRC connection's own outbox hands on:
        that outbox chose when already, and it leaves with the next flush.
        """
        ticks = count()
        turns = TurnBudget(self.reactor, now=lambda: next(ticks) * 0.005)
        self.web = WebHarness(self.service, self.reactor, irc=self.irc, turns=turns)
        request = handshake().replace(b"GET /ws ", b"GET /socket ")
        _, transport, guard = self.web.rawRequest(request)
        adapter = guard.listener
        assert isinstance(adapter, IRCWebSocket)
        transport.clear()
        turns.spent()
        turns.wait(lambda: True)  # someone waits, for good
        adapter.write(b":chatd NOTICE * :now\r\n")
        turn(self.reactor)
        self.assertTrue(turns.busy())
        self.assertEqual(transport.value(), b"\x81\x14:chatd NOTICE * :now")

    def test_inputTooLarge(self) -> None:
        """
        A message too large even to be read whole (the web listener's input
        limit) closes the connection with status 1009 after an ERROR line.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "lee")
        client.sendText("PRIVMSG #lobby :" + "x" * (self.web.site.maxPendingInput + 5000))
        self.web.flush()
        lines = client.take()
        self.assertTrue(lines and lines[-1].startswith("ERROR :Closing Link"), lines)
        self.assertEqual(client.closeCode, 1009)
        self.assertNotIn("lee", [p.nick for p in self.service.users()])


class PingFloodTests(IRCWebSocketCase):
    """
    WebSocket pings on C{/socket} take from the same allowance as on the
    page's C{/ws} (L{chatd.web.flood}).
    """

    def options(self) -> dict[str, Any]:
        return {**super().options(), "rate": 1.0, "burst": 3, "floodLimit": 4}

    def ping(self, client: IRCWSClient, count: int) -> list[str]:
        for _ in range(count):
            client.ping(b"p" * 125)
        self.web.flush()
        return client.take()

    def test_pingsTakeFromTheAllowance(self) -> None:
        """
        Pings within the allowance are answered; beyond, they are not
        (nor told: IRC has no word for it); once it refills, answered again.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "mia")
        self.assertEqual(self.ping(client, 4), [])
        self.assertEqual(len(client.pongs), 3)
        self.reactor.advance(1)
        self.ping(client, 1)
        self.assertEqual(len(client.pongs), 4)
        self.assertFalse(client.closed)

    def test_pingFloodClosedAsFlood(self) -> None:
        """
        A client that keeps pinging is closed as one flooding with lines
        is: an ERROR line, then status 1008; its session ends.
        """
        client = connectIRC(self.web, [TEXT])
        self.register(client, "ned")
        lines = self.ping(client, 20)
        self.assertTrue(lines and lines[-1].startswith("ERROR :Closing Link"), lines)
        self.assertIn("(Excess Flood)", lines[-1])  # as a flood of lines
        self.assertEqual(client.closeCode, 1008)
        self.assertEqual(len(client.pongs), 3)
        self.assertNotIn("ned", [p.nick for p in self.service.users()])


class DaemonWiringTests(SynchronousTestCase):
    def test_servedWithIRC(self) -> None:
        """
        The daemon serves C{/socket} on the web listener when the IRC
        front-end is on (the same IRC factory as the IRC listener's), and
        not when it is off.
        """
        for args, served in [([], True), (["--irc", "none"], False)]:
            options = Options()
            options.parseOptions([*args, "--data-dir", self.mktemp()])
            memory = MemoryReactorClock()
            top = makeService(options, memory)
            top.startService()
            try:
                [site] = [s[1] for s in memory.tcpServers if isinstance(s[1], GuardedSite)]
                ircs = [s[1] for s in memory.tcpServers if isinstance(s[1], IRCFactory)]
                children = site.site.resource.children
                self.assertEqual(PATH in children, served)
                if served:
                    self.assertIs(children[PATH].wrapped.listener, ircs[0])
                    self.assertEqual(children[PATH].allowed, children[b"ws"].allowed)
            finally:
                top.stopService()
