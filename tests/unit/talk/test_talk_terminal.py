"""
Tests for L{chatd.talk.protocol} as real telnet clients drive it: the line
ends they send for Enter and the options they agree to, and what their
screen then shows.
"""

from __future__ import annotations

from twisted.conch import telnet

from chatd.talk.format import PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.talk.telnet import BINARY
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase
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


#: What C{telnet}'s C{mode character} sends: the server is to suppress Go
#: Ahead and to echo.
CHARACTER_MODE = command(telnet.DO, telnet.SGA) + command(telnet.DO, telnet.ECHO)


class CharacterModeTests(TalkTestCase):
    """
    A client in character mode gets chatd's echo: it shows what is typed,
    key by key, edited as chatd edits the line.
    """

    def test_typing(self) -> None:
        """
        Keys typed at the nickname prompt show as they come; a backspace
        rubs the last one out; Enter goes to a new line, and the welcome
        starts there.
        """
        proto, transport = self.connect()
        proto.dataReceived(CHARACTER_MODE)
        self.assertEqual(
            self.read(transport),
            command(telnet.WILL, telnet.SGA) + command(telnet.WILL, telnet.ECHO),
        )
        shown = []
        for key in [b"a", b"l", b"x", b"\x7f", b"i", b"c", b"e"]:
            proto.dataReceived(key)
            shown.append(self.read(transport))
        self.assertEqual(shown, [b"a", b"l", b"x", b"\b \b", b"i", b"c", b"e"])
        proto.dataReceived(b"\r")
        self.assertTrue(self.read(transport).startswith(b"\r\n*** Welcome, alice!\r\n"))
        self.assertEqual(proto.nick, "alice")

    def test_messageWhileTyping(self) -> None:
        """
        A message that arrives while a line is half typed shows on a line of
        its own, and the half-typed line is shown again below it, where
        typing goes on.
        """
        alice, ta = self.connect()
        alice.dataReceived(CHARACTER_MODE + b"alice\r")
        bob, tb = self.connect("bob")
        self.read(ta)
        alice.dataReceived(b"hel")
        self.assertEqual(self.read(ta), b"hel")
        self.send(bob, tb, "hi alice")
        self.assertEqual(self.read(ta), b"\r\n[lobby] <bob> hi alice\r\nhel")
        alice.dataReceived(b"lo\r")
        self.assertEqual(self.read(ta), b"lo\r\n")
        self.assertEqual(self.read(tb), b"[lobby] <alice> hello\r\n")
        self.send(bob, tb, "welcome")
        self.assertEqual(self.read(ta), b"[lobby] <bob> welcome\r\n")

    def test_backspaceErasesWhatIsSeen(self) -> None:
        """
        A backspace (C{DEL} or C{^H}) erases one character as the person
        sees it, a grapheme cluster, from the screen and from the line
        alike: a family emoji joined by zero-width joiners (two columns), a
        letter typed with a combining accent (one), a flag (two), a Chinese
        character (two), an ASCII letter (one).
        """
        alice, ta = self.connect()
        alice.dataReceived(CHARACTER_MODE + b"alice\r")
        bob, tb = self.connect("bob")
        self.read(ta)
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
        cases = [
            ("X" + family + "Y", b"\x7f\x08", ["\b \b", "\b \b" * 2], "!", "X!"),
            ("Cafe\u0301!", b"\x7f\x7f", ["\b \b", "\b \b"], "e", "Cafe"),
            ("go\U0001f1eb\U0001f1f7", b"\x08", ["\b \b" * 2], "!", "go!"),
            ("\u4e2d\u6587", b"\x7f", ["\b \b" * 2], "!", "\u4e2d!"),
            ("abc", b"\x7f", ["\b \b"], "d", "abd"),
        ]
        for typed, keys, rubbed, more, sent in cases:
            alice.dataReceived(typed.encode())
            self.assertEqual(self.read(ta), typed.encode())
            shown = []
            for key in keys:
                alice.dataReceived(bytes([key]))
                shown.append(self.read(ta).decode())
            self.assertEqual(shown, rubbed, ascii(typed))
            alice.dataReceived(more.encode() + b"\r")
            self.read(ta)
            self.assertEqual(self.read(tb), f"[lobby] <alice> {sent}\r\n".encode(), ascii(typed))


class CharacterModePasswordTests(PersistenceTestCase):
    def test_passwordNotShown(self) -> None:
        """
        In character mode, the password typed shows nothing, its Enter
        one line end; what is typed after it shows again.
        """
        self.registered("alice", "sesame")
        factory = TalkFactory(self.service, self.clock, floodBurst=None)
        proto, transport = connect(factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        proto.dataReceived(CHARACTER_MODE)
        output(transport, self.clock)
        for key in b"alice\r":
            proto.dataReceived(bytes([key]))
        self.assertTrue(output(transport, self.clock).endswith(PASSWORD_PROMPT.encode()))
        for key in b"sesame":
            proto.dataReceived(bytes([key]))
        self.assertEqual(output(transport, self.clock), b"")
        proto.dataReceived(b"\r\0")
        self.assertTrue(output(transport, self.clock).startswith(b"\r\n*** Welcome, alice!\r\n"))
        proto.dataReceived(b"ok")
        self.assertEqual(output(transport, self.clock), b"ok")
