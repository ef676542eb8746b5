"""
Bidi controls through every terminal front-end (talk, TCHAT, IRC), in
memory: an override, embedding or isolate a message, a topic or a reason
leaves open is closed at its end on the wire, so it turns only its own
letters around, never what a terminal shows after it; what was said is
stored as it was.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.core.bidi import closedBidi, withoutOpenBidi
from chatd.irc.factory import IRCFactory
from chatd.irc.message import formatLine
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

RLO, LRE, PDF, RLI, FSI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2068", "\u2069"

#: A message that would make "button" read as typed backwards and turn
#: around what follows it on the line.
SPOOF = f"hi {RLO}nottub"


class BidiTestCase(PersistenceTestCase):
    """
    A service with a store and a room C{lobby}, and a TCHAT, an IRC and a
    talk listener in it.
    """

    def setUp(self) -> None:
        super().setUp()
        self.service.addRoom("lobby")
        kw: dict[str, Any] = {"floodBurst": None, "aliveAfter": None}
        self.tchat = TchatFactory(self.service, self.clock, **kw)
        self.irc = IRCFactory(self.service, self.clock, **kw)
        self.talk = TalkFactory(self.service, self.clock, **kw)

    def send(self, proto: Any, transport: StringTransport, data: bytes) -> bytes:
        proto.dataReceived(data)
        return output(transport, self.clock)

    def listeners(self) -> dict[str, tuple[Any, StringTransport]]:
        tchat = connect(self.tchat, self.clock)
        self.send(*tchat, b"clt: LOGIN tom\nclt: ENTER lobby\n")
        irc = connect(self.irc, self.clock)
        self.send(*irc, b"NICK ian\r\nUSER ian 0 * :ian\r\nJOIN #lobby\r\n")
        talk = connect(self.talk, self.clock)
        self.send(*talk, b"tara\r\n/join lobby\r\n")
        return {"tchat": tchat, "irc": irc, "talk": talk}


class MessageTests(BidiTestCase):
    def test_closedOnEveryTerminal(self) -> None:
        """
        A message with a right-to-left override it never closes reaches
        TCHAT, IRC and talk with a PDF after it, on its own line; the
        store keeps it as it was said.
        """
        heard = self.listeners()
        alice = connect(self.talk, self.clock)
        self.send(*alice, b"alice\r\n/join lobby\r\n")
        for _, transport in heard.values():
            output(transport, self.clock)
        self.send(*alice, SPOOF.encode() + b"\r\n")
        closed = (SPOOF + PDF).encode()
        for name, (_, transport) in heard.items():
            lines = output(transport, self.clock).splitlines()
            said = [line for line in lines if SPOOF.encode() in line]
            self.assertEqual(len(said), 1, (name, lines))
            self.assertTrue(said[0].endswith(closed), (name, said))
        history = self.successResultOf(self.store.history("lobby", 10))
        self.assertEqual([event.lines for event in history], [(SPOOF,)])

    def test_isolates(self) -> None:
        """
        Isolates left open are closed innermost first, an embedding inside
        one with it (a PDI closes what opened inside its isolate).
        """
        heard = self.listeners()
        alice = connect(self.irc, self.clock)
        self.send(*alice, b"NICK alice\r\nUSER alice 0 * :alice\r\nJOIN #lobby\r\n")
        for _, transport in heard.values():
            output(transport, self.clock)
        text = f"a{RLI}b{FSI}c{LRE}d"
        self.send(*alice, f"PRIVMSG #lobby :{text}\r\n".encode())
        for name, (_, transport) in heard.items():
            data = output(transport, self.clock)
            ends = b"\n" if name == "tchat" else b"\r\n"
            self.assertIn((text + PDF + PDI + PDI).encode() + ends, data, name)

    def test_formatted(self) -> None:
        """
        An IRC message with formatting codes, which terminals are shown
        without, is closed there as well.
        """
        heard = self.listeners()
        alice = connect(self.irc, self.clock)
        self.send(*alice, b"NICK alice\r\nUSER alice 0 * :alice\r\nJOIN #lobby\r\n")
        for _, transport in heard.values():
            output(transport, self.clock)
        self.send(*alice, f"PRIVMSG #lobby :\x02bold\x02 {SPOOF}\r\n".encode())
        for name in ("tchat", "talk"):
            data = output(heard[name][1], self.clock)
            self.assertIn(f"bold {SPOOF}{PDF}".encode(), data, name)


class TopicTests(BidiTestCase):
    def test_topic(self) -> None:
        """
        A topic with an open override is closed where IRC and talk show it.
        """
        heard = self.listeners()
        alice = connect(self.irc, self.clock)
        self.send(*alice, b"NICK alice\r\nUSER alice 0 * :alice\r\nJOIN #lobby\r\n")
        self.service.grantOperator(alice[0])
        for _, transport in heard.values():
            output(transport, self.clock)
        self.send(*alice, f"TOPIC #lobby :{SPOOF}\r\n".encode())
        self.assertEqual(self.service.topic("lobby"), SPOOF)
        for name in ("irc", "talk"):
            data = output(heard[name][1], self.clock)
            self.assertIn((SPOOF + PDF).encode(), data, name)


class RuleTests(BidiTestCase):
    def test_balanced(self) -> None:
        """
        Text whose controls are all closed is shown as it is; a stray
        closer needs nothing; a PDF never closes an isolate.
        """
        for text in ["plain", f"{RLO}x{PDF}", f"{RLI}x{PDI}", f"x{PDF}{PDI}", f"{RLI}{LRE}{PDI}"]:
            self.assertEqual(closedBidi(text), text)
            self.assertEqual(withoutOpenBidi(text), text)
        self.assertEqual(closedBidi(f"{RLI}x{PDF}"), f"{RLI}x{PDF}{PDI}")
        self.assertEqual(withoutOpenBidi(f"a{RLO}b{RLI}c{PDI}"), f"ab{RLI}c{PDI}")

    def test_cutLine(self) -> None:
        """
        An IRC line cut at 512 bytes leaves out the passage it cut open,
        since its closer no longer fits.
        """
        text = "x" * 480 + RLO + "y" * 40
        line = formatLine("PRIVMSG", "#lobby", text, prefix="alice", trailing=True)
        self.assertEqual(line, ":alice PRIVMSG #lobby :" + "x" * 480 + "y" * 4)
        self.assertEqual(len(line.encode()), 507)

    def test_splitMessage(self) -> None:
        """
        A long message with an override it never closes reaches IRC in
        several lines, each within 512 bytes and each closing what it
        leaves open: the first carries the override and its PDF.
        """
        heard = self.listeners()
        alice = connect(self.tchat, self.clock)
        self.send(*alice, b"clt: LOGIN alice\nclt: ENTER lobby\n")
        output(heard["irc"][1], self.clock)
        text = RLO + "word " * 200
        self.send(*alice, f"clt: SPEAK lobby\nclt: {text}\nclt: .\n".encode())
        lines = output(heard["irc"][1], self.clock).split(b"\r\n")[:-1]
        self.assertGreater(len(lines), 1)
        for line in lines:
            self.assertLessEqual(len(line) + 2, 512)
            self.assertEqual(closedBidi(line.decode()), line.decode())
        self.assertIn(RLO.encode(), lines[0])
        self.assertTrue(lines[0].endswith(PDF.encode()), lines[0])


class NameTests(BidiTestCase):
    def test_nicknameAndRoomRefused(self) -> None:
        """
        A nickname or a room name with a bidi control is refused outright
        (432 and 403 on IRC); the reply quoting it closes what it opens.
        """
        irc = connect(self.irc, self.clock)
        for control in (RLO, RLI, "\u200f"):
            reply = self.send(*irc, f"NICK al{control}ice\r\n".encode())
            self.assertIn(b" 432 ", reply)
        reply = self.send(*irc, b"NICK alice\r\nUSER alice 0 * :alice\r\n")
        self.assertIn(b" 001 ", reply)
        reply = self.send(*irc, f"JOIN #lob{RLO}by\r\n".encode())
        self.assertTrue(reply.startswith(f":chatd 403 alice #lob{RLO}by{PDF} :".encode()), reply)
