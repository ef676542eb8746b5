"""
The text rule through every front-end, in memory against a service with a
store: a refused message gets the protocol's "invalid argument" answer and
is neither delivered nor stored; what others are shown is safe for them.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.testing import StringTransport

from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.storage.memory import MemoryChatStore
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, guestHost, output
from tests.support.persistencecase import FAST, PersistenceTestCase, inline
from tests.support.webclient import StoredWebTestCase, WebTestCase

#: What a terminal must never be sent (TAB and the LF ending a line aside).
UNSAFE = [bytes([c]) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]]

#: A family emoji: four people joined by zero-width joiners, 25 bytes.
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"

#: Bodies that show nothing: zero-width and other invisible characters,
#: alone or with spaces (a body of spaces was always empty), braille
#: blanks, combining marks on nothing.
INVISIBLE = [
    *("\u200b", "\u200c\u200d", " \u2060 ", "\ufeff", "\u200b\u3000\u200b", "\u3164"),
    *("\u2800", "\u2800\u200b", "\u0301", " \u0308\u0301 "),
]


class FrontEndTestCase(PersistenceTestCase):
    """
    A service with a store and a room C{lobby}; TCHAT, IRC and talk
    connections to it, and a TCHAT listener in C{lobby}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.service.addRoom("lobby")
        kw: dict[str, Any] = {"floodBurst": None, "aliveAfter": None}
        self.tchat = TchatFactory(self.service, self.clock, **kw)
        self.irc = IRCFactory(self.service, self.clock, **kw)
        self.talk = TalkFactory(self.service, self.clock, **kw)
        self.listener, self.heard = self.tchatUser("listen")

    def send(self, proto: Any, transport: StringTransport, data: bytes) -> bytes:
        proto.dataReceived(data)
        return output(transport, self.clock)

    def tchatUser(self, nick: str) -> tuple[Any, StringTransport]:
        proto, t = connect(self.tchat, self.clock)
        reply = self.send(proto, t, f"clt: LOGIN {nick}\nclt: ENTER lobby\n".encode())
        self.assertEqual(reply.count(b"srv: OKAY!\n"), 2, reply)
        if hasattr(self, "heard"):
            self.heardNow()
        return proto, t

    def ircUser(self, nick: str) -> tuple[Any, StringTransport]:
        proto, t = connect(self.irc, self.clock)
        reply = self.send(
            proto, t, f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\nJOIN #lobby\r\n".encode()
        )
        self.assertIn(b" 001 ", reply)
        self.assertIn(b"JOIN #lobby", reply)
        self.heardNow()
        return proto, t

    def talkUser(self, nick: str) -> tuple[Any, StringTransport]:
        proto, t = connect(self.talk, self.clock)
        self.send(proto, t, f"{nick}\r\n/join lobby\r\n".encode())
        self.heardNow()
        return proto, t

    def heardNow(self) -> bytes:
        """
        What the TCHAT listener got since last asked; never a control
        character, never a line that is not the server's.
        """
        data = output(self.heard, self.clock)
        for char in UNSAFE:
            self.assertNotIn(char, data)
        for line in data.split(b"\n")[:-1]:
            self.assertTrue(line.startswith(b"srv: "), line)
        return data

    def stored(self) -> list[tuple[str, tuple[str, ...]]]:
        history = self.successResultOf(self.store.history("lobby", 100))
        return [(event.sender, event.lines) for event in history]


class TchatTests(FrontEndTestCase):
    def test_refused(self) -> None:
        """
        A SPEAK body with ESC, BEL, a CR inside a line, NUL, or bytes that
        are not UTF-8 gets ERROR 10: nobody hears it, nothing is stored,
        and the next message goes through.
        """
        alice, t = self.tchatUser("alice")
        for body in [
            b"clt: hi \x1b[2J\x07",
            b"clt: ok\rsrv: MSGPV root 1700000000",
            b"clt: nul\x00",
            b"clt: \xed\xa0\x80",  # a surrogate, as (invalid) UTF-8
            b"clt: del\x7f",
        ]:
            reply = self.send(alice, t, b"clt: SPEAK lobby\n" + body + b"\nclt: .\n")
            self.assertEqual(reply, b"srv: ERROR 10\n", body)
        self.assertEqual(self.heardNow(), b"")
        self.assertEqual(self.stored(), [])
        reply = self.send(alice, t, b"clt: SPEAK lobby\nclt: fine\tthanks\nclt: .\n")
        self.assertEqual(reply, b"srv: OKAY!\n")
        self.assertEqual(
            self.heardNow(), b"srv: SPEAK alice lobby 1700000000\nsrv: fine\tthanks\nsrv: .\n"
        )
        self.assertEqual(self.stored(), [("alice", ("fine\tthanks",))])

    def test_privateRefused(self) -> None:
        """
        A MSGPV with a control character gets ERROR 10 and is not kept,
        for a connected recipient or for a registered one who is away.
        """
        alice, t = self.tchatUser("alice")
        bob = self.login("bob")
        self.successResultOf(self.service.register(bob, "sesame"))
        output(t, self.clock)
        del bob.events[:]
        reply = self.send(alice, t, b"clt: MSGPV bob\nclt: psst\x1b\nclt: .\n")
        self.assertEqual(reply, b"srv: ERROR 10\n")
        self.assertEqual(bob.events, [])
        self.service.disconnect(bob)
        output(t, self.clock)
        reply = self.send(alice, t, b"clt: MSGPV bob\nclt: later\x07\nclt: .\n")
        self.assertEqual(reply, b"srv: ERROR 10\n")
        self.assertEqual(self.successResultOf(self.store.undelivered("bob")), [])


class IRCTests(FrontEndTestCase):
    def test_refused(self) -> None:
        """
        A PRIVMSG with BEL or ESC gets C{404} naming the channel, a
        NOTICE nothing (IRC never answers one); neither is relayed nor
        stored.
        """
        alice, t = self.ircUser("alice")
        reply = self.send(alice, t, b"PRIVMSG #lobby :ring\x07 \x1b[2J\r\n")
        self.assertEqual(
            reply,
            b':chatd 404 alice #lobby :"ring [2J" not delivered: the message holds U+0007 (a'
            b" control character), which chatd does not accept\r\n",
        )
        self.assertEqual(self.send(alice, t, b"NOTICE #lobby :ring\x07\r\n"), b"")
        self.assertEqual(self.heardNow(), b"")
        self.assertEqual(self.stored(), [])

    def test_bareCR(self) -> None:
        """
        A bare CR ends an IRC line, as LF and CR LF do: the text after it
        is a line of its own (here an unknown command), never part of the
        message; formatting codes and CTCP actions are relayed to IRC and
        shown as plain text elsewhere.
        """
        alice, t = self.ircUser("alice")
        bob, tb = self.ircUser("bob")
        output(tb, self.clock)
        reply = self.send(alice, t, b"PRIVMSG #lobby :hi\rsrv: MSGPV root 1\r\n")
        self.assertIn(b" 421 alice SRV: ", reply)
        self.assertEqual(self.heardNow(), b"srv: SPEAK alice lobby 1700000000\nsrv: hi\nsrv: .\n")
        self.send(alice, t, b"PRIVMSG #lobby :\x02bold\x02 \x0304red\r")
        self.send(alice, t, b"\nPRIVMSG #lobby :\x01ACTION waves\x01\n")
        self.assertEqual(
            self.heardNow(),
            b"srv: SPEAK alice lobby 1700000000\nsrv: bold red\nsrv: .\n"
            b"srv: SPEAK alice lobby 1700000000\nsrv: * alice waves\nsrv: .\n",
        )
        alice = f":alice!alice@{guestHost(self.service)}"
        self.assertEqual(
            output(tb, self.clock),
            (
                f"{alice} PRIVMSG #lobby :hi\r\n"
                f"{alice} PRIVMSG #lobby :\x02bold\x02 \x0304red\r\n"
                f"{alice} PRIVMSG #lobby :\x01ACTION waves\x01\r\n"
            ).encode(),
        )
        self.assertEqual(
            self.stored(),
            [
                ("alice", ("hi",)),
                ("alice", ("\x02bold\x02 \x0304red",)),
                ("alice", ("\x01ACTION waves\x01",)),
            ],
        )

    def test_otherText(self) -> None:
        """
        A topic, a KICK reason, an operator's message or an away message
        with a control character is refused with C{FAIL <command>
        INVALID_TEXT}; a room key with one is not set; nothing changes.  A
        PART reason loses it instead: whoever asks to leave leaves.
        """
        alice, t = self.ircUser("alice")
        self.service.grantOperator(alice)  # may set the topic of a +t room
        output(t, self.clock)  # (her MODE #lobby +o)
        reply = self.send(alice, t, b"TOPIC #lobby :new\x1b[1m topic\r\n")
        self.assertTrue(reply.startswith(b":chatd FAIL TOPIC INVALID_TEXT #lobby :"), reply)
        self.assertEqual(self.service.topic("lobby"), "")
        reply = self.send(alice, t, b"PART #lobby :bye\x07\r\n")
        self.assertTrue(reply.endswith(b" PART #lobby :bye\r\n"), reply)
        self.assertNotIn("lobby", self.service.roomsOf(alice))
        self.send(alice, t, b"JOIN #lobby\r\n")
        self.ircUser("bob")
        output(t, self.clock)
        reply = self.send(alice, t, b"KICK #lobby bob :out\x07\r\n")
        self.assertTrue(reply.startswith(b":chatd FAIL KICK INVALID_TEXT bob :"), reply)
        self.assertIn("lobby", self.service.roomsOf(self.service.find("bob")))  # type: ignore[arg-type]
        reply = self.send(alice, t, b"WALLOPS :hear\x1b[5m\r\n")
        self.assertTrue(reply.startswith(b":chatd FAIL WALLOPS INVALID_TEXT WALLOPS :"), reply)
        reply = self.send(alice, t, b"MODE #lobby +k key\x1b\r\n")
        self.assertIn(b" 696 alice #lobby k * :the mode argument holds U+001B (ESC)", reply)
        self.assertIsNone(self.service.roomKey("lobby"))
        reply = self.send(alice, t, b"AWAY :gone\x1b\r\n")
        self.assertTrue(reply.startswith(b":chatd FAIL AWAY INVALID_TEXT AWAY :"), reply)
        self.assertIsNone(alice.awayMessage)
        self.assertEqual(self.heardNow(), b"")

    def test_legacyEncoding(self) -> None:
        """
        A line that is not UTF-8 is read as Windows-1252, whose curly
        quotes are accepted; a byte it leaves undefined reads as a C1
        control, which is refused.
        """
        alice, t = self.ircUser("alice")
        self.send(alice, t, b"PRIVMSG #lobby :\x93quoted\x94\r\n")
        self.assertEqual(self.stored(), [("alice", ("\u201cquoted\u201d",))])
        reply = self.send(alice, t, b"PRIVMSG #lobby :odd\x81\r\n")
        self.assertIn(b'404 alice #lobby :"odd" not delivered: the message holds U+0081', reply)


class TalkTests(FrontEndTestCase):
    def test_refused(self) -> None:
        """
        A talk line with ESC (an arrow key, say) gets a clear refusal;
        nothing is relayed or stored.
        """
        alice, t = self.talkUser("alice")
        output(t, self.clock)
        reply = self.send(alice, t, b"up\x1b[A\r\n")
        self.assertEqual(
            reply,
            b"*** Sorry, the message holds U+001B (ESC), which chatd does not accept.\r\n",
        )
        self.assertEqual(self.heardNow(), b"")
        self.assertEqual(self.stored(), [])
        self.send(alice, t, b"fine\r\n")
        self.assertEqual(self.stored(), [("alice", ("fine",))])

    def test_lineTooLong(self) -> None:
        """
        A talk line over C{--max-line-length} (4096 bytes: 1366 Japanese
        characters) is refused saying the limit in bytes and what it holds
        in characters, as a topic's refusal does; nothing is said.
        """
        alice, t = self.talkUser("alice")
        output(t, self.clock)
        reply = self.send(alice, t, "\u65e5".encode() * 1366 + b"\r\n")
        self.assertEqual(
            reply.decode(),
            "*** Your line was too long and was ignored: a line is at most 4096 bytes of UTF-8"
            " (4096 ASCII characters, 1365 Chinese or Japanese ones).\r\n",
        )
        self.assertEqual(self.stored(), [])
        self.send(alice, t, "\u65e5".encode() * 1365 + b"\r\n")
        self.assertEqual(self.stored(), [("alice", ("\u65e5" * 1365,))])


class WebTests(WebTestCase):
    """
    The web front-end, whose JSON may carry lone surrogates and any control.
    """

    def makeService(self) -> ChatService:
        self.store = MemoryChatStore()
        self.store.startService()
        checker = PasswordChecker(FAST, runInThread=inline)
        service = ChatService(
            self.reactor, store=self.store, accounts=Accounts(self.store, self.reactor, checker)
        )
        service.startService()
        service.addRoom("lobby")
        return service

    def setUp(self) -> None:
        super().setUp()
        self.alice = self.web.connect("alice")
        self.bob = self.web.connect("bob")
        for client in (self.alice, self.bob):
            self.assertEqual(self.request(client, type="join", room="lobby")["type"], "join")
        self.web.flush()
        self.alice.take()
        self.bob.take()

    def stored(self) -> list[tuple[str, ...]]:
        history = self.successResultOf(self.store.history("lobby", 100))
        return [event.lines for event in history]

    def test_loneSurrogate(self) -> None:
        """
        A C{say} of C{"x\\ud800"} gets an error frame with code 10; nobody
        gets it, nothing is stored, and the next message is.
        """
        self.bob.transport.sendTextMessage('{"type":"say","id":7,"room":"lobby","text":"x\\ud800"}')
        self.web.flush()
        [error] = self.bob.take()
        self.assertEqual(
            (error["type"], error["code"], error["id"], error["request"]), ("error", 10, 7, "say")
        )
        self.assertIn("U+D800", error["text"])
        self.assertEqual(self.alice.take(), [])
        self.assertEqual(self.stored(), [])
        self.assertEqual(self.request(self.bob, type="say", room="lobby", text="ok")["type"], "say")
        self.assertEqual(self.stored(), [("ok",)])

    def test_controls(self) -> None:
        """
        ESC, BEL, NUL and a lone surrogate in an C{id} are refused (code
        10, the id echoed escaped); CR and LF end lines.
        """
        for text in ["esc\x1b[2J", "bell\x07", "nul\x00", "\x1e"]:
            reply = self.request(self.bob, type="say", room="lobby", text=text)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), text)
        reply = self.request(self.bob, type="tell", to="alice", text="psst\x07")
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        self.bob.transport.sendTextMessage(
            json.dumps({"type": "say", "id": "\ud800", "room": "lobby", "text": "\x1b"})
        )
        self.web.flush()
        [error] = self.bob.take()
        self.assertEqual((error["id"], error["code"]), ("\ud800", 10))
        self.assertEqual(self.alice.take(), [])
        self.assertEqual(self.stored(), [])
        reply = self.request(self.bob, type="say", room="lobby", text="one\r\ntwo\rthree\x02!")
        self.assertEqual(reply["text"], "one\ntwo\nthree!")  # as the others see it
        self.assertEqual(self.stored(), [("one", "two", "three\x02!")])
        [message] = self.alice.take()
        self.assertEqual(message["text"], "one\ntwo\nthree!")

    def test_tchatPieces(self) -> None:
        """
        A web line of 200 family emoji (5000 bytes) reaches TCHAT in
        pieces of at most 4096 bytes a line, each of whole emoji.
        """
        tchat = TchatFactory(self.service, self.reactor, floodBurst=None, aliveAfter=None)
        carol, t = connect(tchat, self.reactor)
        carol.dataReceived(b"clt: LOGIN carol\nclt: ENTER lobby\n")
        output(t, self.reactor)
        self.request(self.bob, type="say", room="lobby", text=FAMILY * 200)
        lines = output(t, self.reactor).split(b"\n")
        self.assertEqual(lines[0], b"srv: SPEAK bob lobby 1000")
        pieces = [line.removeprefix(b"srv: ").decode() for line in lines[1:-2]]
        self.assertEqual(len(pieces), 2)
        self.assertTrue(all(len(line) <= 4096 for line in lines))
        for piece in pieces:
            self.assertEqual(piece, FAMILY * (len(piece) // len(FAMILY)))
        self.assertEqual("".join(pieces), FAMILY * 200)

    def test_invisible(self) -> None:
        """
        A C{say} or C{tell} that shows nothing (zero-width characters) is
        refused with code 10, as one of spaces is; nobody gets it.
        """
        for text in ["  \t\u00a0", *INVISIBLE, "\u200b\n\ufeff"]:
            reply = self.request(self.bob, type="say", room="lobby", text=text)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), ascii(text))
        reply = self.request(self.bob, type="tell", to="alice", text="\u200b")
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        self.assertEqual(self.alice.take(), [])
        self.assertEqual(self.stored(), [])


class InvisibleTests(FrontEndTestCase):
    """
    A message that shows nothing is empty, whichever front-end sends it,
    by the rule that refuses one of spaces: refused as the protocol
    refuses an empty message, neither delivered nor stored.
    """

    def test_tchat(self) -> None:
        """
        A SPEAK body of invisible characters gets C{ERROR 10}, as one of
        spaces does; a line with something visible is said as it is.
        """
        alice, t = self.tchatUser("alice")
        for body in ["   ", *INVISIBLE]:
            data = f"clt: SPEAK lobby\nclt: {body}\nclt: .\n".encode()
            self.assertEqual(self.send(alice, t, data), b"srv: ERROR 10\n", ascii(body))
        self.assertEqual(self.heardNow(), b"")
        self.assertEqual(self.stored(), [])
        reply = self.send(alice, t, "clt: SPEAK lobby\nclt: \u200bhi\nclt: .\n".encode())
        self.assertEqual(reply, b"srv: OKAY!\n")  # something shows: said as it is
        self.assertEqual(self.stored(), [("alice", ("\u200bhi",))])

    def test_irc(self) -> None:
        """
        A PRIVMSG of invisible characters gets the C{404} a PRIVMSG of
        spaces gets.
        """
        alice, t = self.ircUser("alice")
        spaces = self.send(alice, t, b"PRIVMSG #lobby :   \r\n")
        self.assertIn(b" 404 alice #lobby :Message not delivered: empty message", spaces)
        for body in INVISIBLE:
            reply = self.send(alice, t, f"PRIVMSG #lobby :{body}\r\n".encode())
            self.assertEqual(reply, spaces, ascii(body))
        self.assertEqual(self.heardNow(), b"")
        self.assertEqual(self.stored(), [])

    def test_talk(self) -> None:
        """
        A talk line of invisible characters is an empty message.
        """
        alice, t = self.talkUser("alice")
        output(t, self.clock)
        for body in INVISIBLE:
            reply = self.send(alice, t, f"{body}\r\n".encode())
            self.assertEqual(reply, b"*** Sorry, empty message.\r\n", ascii(body))
        self.assertEqual(self.heardNow(), b"")
        self.assertEqual(self.stored(), [])


def ircTexts(data: bytes) -> list[str]:
    """The text of each PRIVMSG line in C{data}."""
    lines = data.decode("utf-8").split("\r\n")
    return [
        line.split(" PRIVMSG ", 1)[1].split(" :", 1)[1] for line in lines if " PRIVMSG " in line
    ]


class ClusterTests(FrontEndTestCase):
    """
    Text cut to fit a line is cut between characters as a reader sees
    them (grapheme clusters), never inside an emoji sequence or an
    accented letter.
    """

    def test_tchatToIRC(self) -> None:
        """
        A TCHAT line of 160 family emoji reaches IRC in several lines of
        whole emoji, live and replayed by CHATHISTORY.
        """
        alice, t = self.tchatUser("alice")
        bob, tb = self.ircUser("bob")
        output(tb, self.clock)
        self.send(alice, t, f"clt: SPEAK lobby\nclt: {FAMILY * 160}\nclt: .\n".encode())
        live = ircTexts(output(tb, self.clock))
        replayed = ircTexts(self.send(bob, tb, b"CHATHISTORY LATEST #lobby * 5\r\n"))
        for pieces in (live, replayed):
            self.assertGreater(len(pieces), 1)
            for piece in pieces:
                self.assertEqual(piece, FAMILY * (len(piece) // len(FAMILY)))
            self.assertEqual("".join(pieces), FAMILY * 160)

    def test_ircTopic(self) -> None:
        """
        An IRC TOPIC of 127 accented letters in NFD (381 bytes, over
        TOPICLEN) is cut to 126 whole letters, not to a bare C{e}.
        """
        alice, t = self.ircUser("alice")
        self.service.grantOperator(alice)
        self.send(alice, t, "TOPIC #lobby :{}\r\n".format("e\u0301" * 127).encode())
        self.assertEqual(self.service.topic("lobby"), "e\u0301" * 126)


class RedactReasonTests(StoredWebTestCase):
    """
    A deletion's reason is as long as a kick's (379 bytes of UTF-8), the
    rule that lets IRC show it whole.
    """

    accountsAtStart = ()

    def test_webToIRC(self) -> None:
        """
        A web C{redact} with a reason over 379 bytes (300 Chinese
        characters) is refused with code 10, saying the limit; one of 126
        reaches an IRC client with C{draft/message-redaction} whole, in a
        line within 512 bytes.
        """
        irc = IRCFactory(self.service, self.reactor, floodBurst=None, aliveAfter=None)
        bob, t = connect(irc, self.reactor)
        bob.dataReceived(
            b"CAP REQ :draft/message-redaction\r\nNICK bob\r\nUSER b 0 * :b\r\n"
            b"CAP END\r\nJOIN #lobby\r\n"
        )
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        msgid = self.request(alice, type="say", room="lobby", text="oops")["msgid"]
        output(t, self.reactor)
        for reason in ["\u7406" * 300, "\u7406" * 127]:
            refused = self.request(alice, type="redact", room="lobby", msgid=msgid, reason=reason)
            self.assertEqual((refused["type"], refused["code"]), ("error", 10))
            self.assertIn("at most 379 bytes of UTF-8", refused["text"])
        self.assertEqual(output(t, self.reactor), b"")
        reply = self.request(alice, type="redact", room="lobby", msgid=msgid, reason="\u7406" * 126)
        self.assertEqual(reply["reason"], "\u7406" * 126)
        [line] = output(t, self.reactor).split(b"\r\n")[:-1]
        self.assertLessEqual(len(line), 510)
        self.assertTrue(
            line.endswith(f" REDACT #lobby {msgid} :".encode() + "\u7406".encode() * 126)
        )


class SeparatorTests(StoredWebTestCase):
    """
    U+2028 and U+2029 (line and paragraph separators) in a message are
    spaces before it is delivered or stored: every front-end, live and in
    history, shows the same words.
    """

    accountsAtStart = ()

    def test_webToIRC(self) -> None:
        """
        A web C{say} of C{a\\u2028b\\u2029c} reaches IRC as C{a b c}, as the
        C{say} reply, the web history and C{CHATHISTORY} give it.
        """
        irc = IRCFactory(self.service, self.reactor, floodBurst=None, aliveAfter=None)
        bob, t = connect(irc, self.reactor)
        bob.dataReceived(
            b"CAP REQ :draft/chathistory batch\r\nNICK bob\r\nUSER b 0 * :b\r\n"
            b"CAP END\r\nJOIN #lobby\r\n"
        )
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        output(t, self.reactor)
        reply = self.request(alice, type="say", room="lobby", text="a\u2028b\u2029c")
        self.assertEqual(reply["text"], "a b c")
        self.assertEqual(ircTexts(output(t, self.reactor)), ["a b c"])
        history = self.request(alice, type="history", room="lobby")["messages"]
        self.assertEqual([m["text"] for m in history], ["a b c"])
        bob.dataReceived(b"CHATHISTORY LATEST #lobby * 5\r\n")
        self.assertEqual(ircTexts(output(t, self.reactor)), ["a b c"])
        stored = self.successResultOf(self.store.history("lobby", 5))
        self.assertEqual([event.lines for event in stored], [("a b c",)])
