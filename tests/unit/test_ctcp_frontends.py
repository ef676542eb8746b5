"""
Actions and CTCP bytes mean the same on every front-end: a CTCP line is a
whole message of one line (L{chatd.core.text.checkCtcp}), refused otherwise
with each front-end's answer to bad text; talk mode shows an action by the
message's flag, never by its look, and shows invitations and TABs as its
own lines.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.webclient import StoredWebTestCase

#: Messages the CTCP rule refuses: an action spanning lines, a CTCP mark
#: inside a line, text after the closing mark, an action with text.
MISPLACED = [
    "\x01ACTION dances\nall night\x01",
    "mid \x01ACTION x\x01 line",
    "\x01ACTION closed\x01 then trailing",
    "\x01ACTION dances\x01\nall night",
    "one\n\x01ACTION dances\x01",
]


class ClubTestCase(StoredWebTestCase):
    """
    One room, C{lobby}, with a web user (walt), an IRC user (irma), a TCHAT
    user (tess) and a talk user (tini) in it.
    """

    accountsAtStart = ()

    def setUp(self) -> None:
        super().setUp()
        kw: dict[str, Any] = {"floodBurst": None, "aliveAfter": None}
        self.walt = self.web.connect("walt")
        self.assertEqual(self.request(self.walt, type="join", room="lobby")["type"], "join")
        self.irma, self.ti = connect(IRCFactory(self.service, self.reactor, **kw), self.reactor)
        self.send(self.irma, self.ti, b"NICK irma\r\nUSER irma 0 * :irma\r\nJOIN #lobby\r\n")
        self.tess, self.tt = connect(TchatFactory(self.service, self.reactor, **kw), self.reactor)
        self.send(self.tess, self.tt, b"clt: LOGIN tess\nclt: ENTER lobby\n")
        self.tini, self.tk = connect(TalkFactory(self.service, self.reactor, **kw), self.reactor)
        self.send(self.tini, self.tk, b"tini\r\n/join lobby\r\n")
        self.quiet()

    def send(self, proto: Any, transport: StringTransport, data: bytes) -> bytes:
        proto.dataReceived(data)
        return output(transport, self.reactor)

    def quiet(self) -> None:
        """Forget what everyone was told so far."""
        self.web.flush()
        self.walt.take()
        for transport in (self.ti, self.tt, self.tk):
            output(transport, self.reactor)

    def heard(self) -> tuple[bytes, bytes, bytes]:
        """What the IRC, TCHAT and talk users were told since last asked."""
        irc, tchat, talk = (output(t, self.reactor) for t in (self.ti, self.tt, self.tk))
        return irc, tchat, talk

    def stored(self) -> list[tuple[str, ...]]:
        return [event.lines for event in self.successResultOf(self.store.history("lobby", 100))]


class MisplacedCtcpTests(ClubTestCase):
    def test_web(self) -> None:
        """
        A web C{say} or C{tell} whose CTCP is not a whole message of one line
        is error 10, naming U+0001 or saying a CTCP line is a message of its
        own; nobody hears it and nothing is stored.
        """
        for text in MISPLACED:
            reply = self.request(self.walt, type="say", room="lobby", text=text)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), text)
            self.assertIn("CTCP", reply["text"])
            reply = self.request(self.walt, type="tell", to="tini", text=text)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), text)
        self.assertEqual(self.heard(), (b"", b"", b""))
        self.assertEqual(self.stored(), [])

    def test_tchat(self) -> None:
        """
        A TCHAT body whose CTCP is not a whole body of one line is
        C{ERROR 10}, in a room or in private.
        """
        for text in MISPLACED:
            body = b"".join(b"clt: " + line.encode() + b"\n" for line in text.split("\n"))
            for verb in (b"SPEAK lobby", b"MSGPV tini"):
                reply = self.send(self.tess, self.tt, b"clt: " + verb + b"\n" + body + b"clt: .\n")
                self.assertEqual(reply, b"srv: ERROR 10\n", text)
        self.web.flush()
        self.assertEqual(self.walt.take(), [])
        self.assertEqual(self.heard(), (b"", b"", b""))
        self.assertEqual(self.stored(), [])

    def test_irc(self) -> None:
        """
        An IRC C{PRIVMSG} with C{\\x01} inside its text, or after the
        closing one, gets C{404} naming the channel and is not relayed
        (no stray C{^A} for anyone); a C{draft/multiline} batch with a CTCP
        line among others is refused as one message.
        """
        for text in ("mid \x01ACTION x\x01 line", "\x01ACTION closed\x01 then trailing"):
            reply = self.send(self.irma, self.ti, f"PRIVMSG #lobby :{text}\r\n".encode())
            self.assertTrue(reply.startswith(b":chatd 404 irma #lobby :"), reply)
        self.send(self.irma, self.ti, b"CAP REQ :draft/multiline batch\r\n")
        reply = self.send(
            self.irma,
            self.ti,
            b"BATCH +b draft/multiline #lobby\r\n@batch=b PRIVMSG #lobby :\x01ACTION dances\x01\r\n"
            b"@batch=b PRIVMSG #lobby :all night\r\nBATCH -b\r\n",
        )
        self.assertIn(b'404 irma #lobby :"/me dances\xe2\x80\xa6" not delivered: a CTCP', reply)
        self.web.flush()
        self.assertEqual(self.walt.take(), [])
        self.assertEqual(self.heard()[1:], (b"", b""))
        self.assertEqual(self.stored(), [])

    def test_talk(self) -> None:
        """
        A talk line with C{\\x01} inside it, or a C{/me} whose words hold
        one, is refused with the text rule's answer.
        """
        for line in ("mid \x01ACTION x\x01 line", "/me closed\x01 then trailing"):
            reply = self.send(self.tini, self.tk, line.encode() + b"\r\n")
            self.assertTrue(reply.startswith(b"*** Sorry, the message holds U+0001"), reply)
        self.assertEqual(self.heard()[:2], (b"", b""))
        self.assertEqual(self.stored(), [])

    def test_wholeLineAccepted(self) -> None:
        """
        A CTCP that is a whole line is accepted as before: an action with
        or without its closing C{\\x01}, which IRC users get as sent and
        the others as an action.
        """
        for text in ("\x01ACTION waves\x01", "\x01ACTION waves"):
            reply = self.request(self.walt, type="say", room="lobby", text=text)
            self.assertEqual((reply["type"], reply.get("action")), ("say", True), reply)
            irc, tchat, talk = self.heard()
            self.assertTrue(irc.endswith(f"PRIVMSG #lobby :{text}\r\n".encode()), irc)
            self.assertIn(b"srv: * walt waves\n", tchat)
            self.assertEqual(talk, b"[lobby] * walt waves\r\n")


class TalkDisplayTests(ClubTestCase):
    def test_actionByFlag(self) -> None:
        """
        Talk mode shows an action by the message's flag: a real action
        reads C{[lobby] * walt dances}, a plain message that looks like one
        C{[lobby] <walt> * walt pretends to act}, in a room and in private
        (C{*private* * walt pokes tini}, as the room's form).
        """
        self.request(self.walt, type="say", room="lobby", text="* walt pretends to act")
        self.assertEqual(self.heard()[2], b"[lobby] <walt> * walt pretends to act\r\n")
        self.request(self.walt, type="say", room="lobby", text="\x01ACTION dances\x01")
        self.assertEqual(self.heard()[2], b"[lobby] * walt dances\r\n")
        self.request(self.walt, type="tell", to="tini", text="\x01ACTION pokes tini\x01")
        self.assertEqual(self.heard()[2], b"*private* * walt pokes tini\r\n")
        self.request(self.walt, type="tell", to="tini", text="* walt pokes tini")
        self.assertEqual(self.heard()[2], b"*private* <walt> * walt pokes tini\r\n")
        self.tini.dataReceived(b"/history\r\n")
        self.reactor.advance(1)
        shown = self.heard()[2]
        self.assertRegex(shown, rb"\[lobby [0-9: A-Za-z-]+\] <walt> \* walt pretends to act\r\n")
        self.assertRegex(shown, rb"\[lobby [0-9: A-Za-z-]+\] \* walt dances\r\n")

    def test_invitation(self) -> None:
        """
        An invitation reads C{*** irma invites you to join side: /join
        side}, not as an administrators' C{Server notice}.
        """
        self.send(self.irma, self.ti, b"JOIN #side\r\nINVITE tini #side\r\n")
        self.assertEqual(self.heard()[2], b"*** irma invites you to join side: /join side\r\n")

    def test_tabs(self) -> None:
        """
        A TAB in a message reaches a talk terminal as spaces up to the next
        multiple of 8 columns, counted from the start of the text, whatever
        comes before it on the line.
        """
        self.request(self.walt, type="say", room="lobby", text="a\tb\n\tc\nabcdefgh\ti")
        self.assertEqual(
            self.heard()[2],
            b"[lobby] <walt> a       b\r\n[lobby] <walt>         c\r\n"
            b"[lobby] <walt> abcdefgh        i\r\n",
        )
        self.request(self.walt, type="tell", to="tini", text="x\ty")
        self.assertEqual(self.heard()[2], b"*private* <walt> x       y\r\n")
