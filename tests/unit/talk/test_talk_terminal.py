"""
Tests for L{chatd.talk.protocol} as real telnet clients drive it: the line
ends they send for Enter and the options they agree to, and what their
screen then shows.
"""

from __future__ import annotations

from twisted.conch import telnet

from chatd.talk.telnet import BINARY
from tests.support.protocolcases import TalkTestCase


def command(verb: bytes, option: bytes) -> bytes:
    return telnet.IAC + verb + option


class EnterTests(TalkTestCase):
    """
    Enter sent as a bare CR (character mode, PuTTY, Windows telnet) acts at
    once, without waiting for another key.
    """

    def test_nicknameAtOnce(self) -> None:
        """
        A nickname ended by a bare CR logs in at once.
        """
        proto, transport = self.connect()
        proto.dataReceived(b"crnick\r")
        self.assertIn(b"*** Welcome, crnick!\r\n", self.read(transport))
        self.assertEqual(proto.nick, "crnick")

    def test_lineAtOnce(self) -> None:
        """
        A line ended by a bare CR reaches the room at once; the LF that a
        slow client sends after it does not make an empty line, and
        C{/quit} ended by a bare CR ends the session.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.read(tb)
        alice.dataReceived(b"cr only line\r")
        self.assertEqual(self.read(tb), b"[lobby] <alice> cr only line\r\n")
        alice.dataReceived(b"\n")
        self.assertEqual(self.read(ta), b"")
        alice.dataReceived(b"/quit\r")
        self.assertIn(b"*** Goodbye, alice!\r\n", self.read(ta))
        self.assertTrue(ta.disconnecting)


#: What a client that agrees to everything sends: it will send binary data,
#: and asks to receive it.
AGREE = command(telnet.WILL, BINARY) + command(telnet.DO, BINARY)


class EchoedEnterTests(TalkTestCase):
    """
    A telnet client that agrees to every option chatd asks for (Debian's
    C{telnet}), or asks for more, keeps its terminal's output processing, so
    the Enter it echoes returns to the first column: chatd sends nothing for
    it.
    """

    def test_noBlankLineBeforeWelcome(self) -> None:
        """
        The answer to the nickname starts with the welcome, on the line the
        echoed Enter made: no stray line end or CR before it.
        """
        proto, transport = self.connect()
        proto.dataReceived(AGREE)
        self.read(transport)
        proto.dataReceived(b"alice\r\n")
        self.assertTrue(self.read(transport).startswith(b"*** Welcome, alice!\r\n"))

    def test_pastedLines(self) -> None:
        """
        Lines pasted at once are said in order, and the sender's terminal
        gets nothing for them (its own echo is right).
        """
        alice, ta = self.connect()
        alice.dataReceived(AGREE + b"alice\r\n")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.read(tb)
        alice.dataReceived(b"".join(b"line %d\r\n" % n for n in range(5)))
        self.assertEqual(self.read(ta), b"")
        self.assertEqual(
            self.read(tb), b"".join(b"[lobby] <alice> line %d\r\n" % n for n in range(5))
        )
