"""
Tests for L{chatd.talk.telnet}: telnet commands never reach the chat as text.
"""

from __future__ import annotations

from twisted.conch import telnet
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.talk.telnet import BINARY, TelnetFilter, editLine


class TelnetFilterTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.delivered: list[bytes] = []
        self.replies: list[bytes] = []
        self.transport = StringTransport()
        self.filter = TelnetFilter(self.delivered.append, self.replies.append, self.transport)

    def feed(self, *chunks: bytes) -> bytes:
        for chunk in chunks:
            self.filter.dataReceived(chunk)
        return b"".join(self.delivered)

    def test_plainText(self) -> None:
        """
        Text without telnet commands passes through; CR LF becomes LF.
        """
        self.assertEqual(self.feed(b"hello\r\nworld\r\n"), b"hello\nworld\n")
        self.assertEqual(self.replies, [])

    def test_crNul(self) -> None:
        """
        C{CR NUL} (a telnet client's bare carriage return) ends a line too, as
        does a bare CR followed by text from a non-conforming client.
        """
        self.assertEqual(self.feed(b"one\r\0two\rthree\r\n"), b"one\ntwo\nthree\n")

    def test_bareCRAtOnce(self) -> None:
        """
        A CR that ends what arrived ends its line at once, without waiting
        for the byte after it; an LF or NUL that comes next, in the same
        read or the next, is part of that line end, not an empty line.
        """
        self.assertEqual(self.feed(b"crnick\r"), b"crnick\n")
        self.assertEqual(self.feed(b"\n"), b"crnick\n")
        self.assertEqual(self.feed(b"/quit\r"), b"crnick\n/quit\n")
        self.assertEqual(self.feed(b"\0next\r"), b"crnick\n/quit\nnext\n")
        self.assertEqual(self.feed(b"last\r"), b"crnick\n/quit\nnext\nlast\n")

    def test_lineEndsByteByByte(self) -> None:
        """
        Typed a byte at a time (character mode), every kind of line end
        ends its line as its CR arrives, and makes one line end, as it does
        in one read.
        """
        typed = b"one\r\ntwo\r\0three\rfour\n\r\n"
        expected = b"one\ntwo\nthree\nfour\n\n"
        lineEnds: list[int] = []
        for i in range(len(typed)):
            self.filter.dataReceived(typed[i : i + 1])
            lineEnds.append(b"".join(self.delivered).count(b"\n"))
        self.assertEqual(b"".join(self.delivered), expected)
        # The line count goes up at each CR, not at the byte after it.
        self.assertEqual(lineEnds[3], 1)
        self.assertEqual(lineEnds[8], 2)
        self.assertEqual(lineEnds[15], 3)
        self.delivered.clear()
        self.assertEqual(self.feed(typed), expected)

    def test_lineEndingSplitAcrossChunks(self) -> None:
        """
        A CR at the end of one read and its LF at the start of the next make
        one line ending, not two.
        """
        self.assertEqual(self.feed(b"hi\r", b"\nyo\r", b"\0"), b"hi\nyo\n")

    def test_negotiationRefused(self) -> None:
        """
        Option requests are answered with refusals (so the client stays in
        line mode) and never delivered as text.
        """
        doStatus = telnet.IAC + telnet.DO + b"\x05"
        willLinemode = telnet.IAC + telnet.WILL + telnet.LINEMODE
        data = self.feed(b"a" + doStatus + b"b" + willLinemode + b"c\r\n")
        self.assertEqual(data, b"abc\n")
        self.assertEqual(
            b"".join(self.replies),
            telnet.IAC + telnet.WONT + b"\x05" + telnet.IAC + telnet.DONT + telnet.LINEMODE,
        )

    def test_commandSplitAcrossChunks(self) -> None:
        """
        An IAC sequence cut between two reads is still recognised.
        """
        data = self.feed(b"x" + telnet.IAC, telnet.WILL, telnet.NAWS + b"y\r\n")
        self.assertEqual(data, b"xy\n")
        self.assertEqual(b"".join(self.replies), telnet.IAC + telnet.DONT + telnet.NAWS)

    def test_subnegotiationDropped(self) -> None:
        """
        A subnegotiation (here a window size) is consumed silently.
        """
        windowSize = telnet.IAC + telnet.SB + telnet.NAWS + b"\x00\x50\x00\x18"
        data = self.feed(b"a" + windowSize + telnet.IAC + telnet.SE + b"b\r\n")
        self.assertEqual(data, b"ab\n")

    def test_escapedIAC(self) -> None:
        """
        C{IAC IAC} is a literal 0xFF byte of data (left for UTF-8 decoding to
        refuse).
        """
        self.assertEqual(self.feed(b"a" + telnet.IAC + telnet.IAC + b"b\r\n"), b"a\xffb\n")

    def test_strayIAC(self) -> None:
        """
        An IAC followed by a byte that is no telnet command (which makes the
        base class raise) is dropped with that byte; the rest of the data,
        before and after it, still arrives.
        """
        self.assertEqual(self.feed(b"ab" + telnet.IAC + b"Xcd\r\n"), b"abcd\n")
        self.assertEqual(self.feed(b"e" + telnet.IAC, b"Yf\r\n"), b"abcd\nef\n")
        self.assertEqual(self.feed(telnet.IAC + telnet.SE + b"g\n"), b"abcd\nef\ng\n")

    def test_eraseCommands(self) -> None:
        """
        Telnet's erase-character and erase-line commands become the control
        characters L{editLine} understands.
        """
        data = self.feed(b"abc" + telnet.IAC + telnet.EC + b"d\r\n")
        self.assertEqual(editLine(data.decode().rstrip("\n")), "abd")
        self.delivered.clear()
        data = self.feed(b"junk" + telnet.IAC + telnet.EL + b"ok\r\n")
        self.assertEqual(editLine(data.decode().rstrip("\n")), "ok")

    def test_areYouThere(self) -> None:
        """
        AYT gets a visible answer.
        """
        self.feed(telnet.IAC + telnet.AYT)
        self.assertIn(b"still here", b"".join(self.replies))

    def test_endlessSubnegotiation(self) -> None:
        """
        A subnegotiation that never ends closes the connection instead of
        growing without bound.
        """
        self.feed(telnet.IAC + telnet.SB + b"x" * 5000)
        self.assertTrue(self.transport.disconnecting)
        self.assertEqual(self.delivered, [])

    def test_endlessSubnegotiationTold(self) -> None:
        """
        What ends it is L{TelnetFilter.endlessNegotiation}, called once;
        nothing sent after it is parsed, text or commands.
        """
        ended: list[None] = []
        self.filter.endlessNegotiation = lambda: ended.append(None)
        self.feed(b"a" + telnet.IAC + telnet.SB + b"x" * 3000, b"y" * 3000 + b"\r\n")
        self.assertEqual(ended, [None])
        self.feed(telnet.IAC + telnet.SE + b"b\r\n" + telnet.IAC + telnet.AYT, b"c\r\n")
        self.assertEqual((ended, self.delivered, self.replies), ([None], [b"a"], []))
        self.assertFalse(self.transport.disconnecting)


WILL_ECHO = telnet.IAC + telnet.WILL + telnet.ECHO
WONT_ECHO = telnet.IAC + telnet.WONT + telnet.ECHO
DO_ECHO = telnet.IAC + telnet.DO + telnet.ECHO
DONT_ECHO = telnet.IAC + telnet.DONT + telnet.ECHO


class HiddenInputTests(SynchronousTestCase):
    """
    L{TelnetFilter.hideInput} and L{TelnetFilter.showInput}: the server side
    of C{ECHO} offered for a password and given up after, per RFC 1143.
    """

    def setUp(self) -> None:
        self.replies: list[bytes] = []
        self.delivered: list[bytes] = []
        self.filter = TelnetFilter(self.delivered.append, self.replies.append, StringTransport())

    def sent(self) -> bytes:
        data = b"".join(self.replies)
        self.replies.clear()
        return data

    def test_hideAndShow(self) -> None:
        """
        Hiding offers C{WILL ECHO}; the client's C{DO ECHO} is not answered
        (that would loop) and the input is then hidden; showing sends C{WONT
        ECHO}, and the client's C{DONT ECHO} is not answered either.
        """
        self.filter.hideInput()
        self.assertEqual(self.sent(), WILL_ECHO)
        self.assertFalse(self.filter.inputHidden())
        self.filter.dataReceived(DO_ECHO)
        self.assertEqual(self.sent(), b"")
        self.assertTrue(self.filter.inputHidden())
        self.filter.showInput()
        self.assertEqual(self.sent(), WONT_ECHO)
        self.filter.dataReceived(DONT_ECHO)
        self.assertEqual(self.sent(), b"")
        self.assertFalse(self.filter.inputHidden())
        self.filter.hideInput()
        self.assertEqual(self.sent(), WILL_ECHO)

    def test_doEchoAfterWont(self) -> None:
        """
        A client that answers the server's C{WONT ECHO} with C{DO ECHO}
        (as one did after a password prompt) is taken to agree, as RFC 1143
        says, instead of raising: echo is off, the line after it arrives,
        and a later offer works.
        """
        self.filter.hideInput()
        self.filter.dataReceived(DO_ECHO)
        self.filter.showInput()
        self.assertEqual(self.sent(), WILL_ECHO + WONT_ECHO)
        self.filter.dataReceived(DO_ECHO + b"still here\r\n")
        self.assertFalse(self.filter.inputHidden())
        self.assertEqual(b"".join(self.delivered), b"still here\n")
        self.filter.hideInput()
        self.assertEqual(self.sent()[-3:], WILL_ECHO)

    def test_showWhileOffering(self) -> None:
        """
        Input shown again before the client answered the offer: once the
        C{DO ECHO} arrives, C{WONT ECHO} follows, so echo is never left off.
        """
        self.filter.hideInput()
        self.filter.showInput()
        self.assertEqual(self.sent(), WILL_ECHO)
        self.filter.dataReceived(DO_ECHO)
        self.assertEqual(self.sent(), WONT_ECHO)
        self.filter.dataReceived(DONT_ECHO)
        self.assertEqual(self.sent(), b"")
        self.assertFalse(self.filter.inputHidden())

    def test_refused(self) -> None:
        """
        A client that refuses (C{DONT ECHO}) is not asked again.
        """
        self.filter.hideInput()
        self.filter.dataReceived(DONT_ECHO)
        self.filter.showInput()
        self.filter.hideInput()
        self.assertEqual(self.sent(), WILL_ECHO)
        self.assertFalse(self.filter.inputHidden())

    def test_unansweredOffer(self) -> None:
        """
        A client that never answers (C{nc}) gets one offer, no more.
        """
        self.filter.hideInput()
        self.filter.showInput()
        self.filter.hideInput()
        self.assertEqual(self.sent(), WILL_ECHO)

    def test_passwordInCharacterMode(self) -> None:
        """
        A client that asked chatd to echo (character mode) already has
        C{ECHO} on: hiding input sends nothing and echoes nothing, showing
        it again keeps C{ECHO} on (the client still wants chatd's echo).
        """
        self.filter.dataReceived(DO_ECHO)
        self.assertEqual(self.sent(), WILL_ECHO)
        self.filter.hideInput()
        self.assertTrue(self.filter.inputHidden())
        self.filter.dataReceived(b"secret\r")
        self.assertEqual(self.sent(), b"")
        self.filter.showInput()
        self.assertEqual(self.sent(), b"")
        self.assertFalse(self.filter.inputHidden())
        self.filter.dataReceived(b"hi")
        self.assertEqual(self.sent(), b"hi")


def command(verb: bytes, option: bytes) -> bytes:
    return telnet.IAC + verb + option


class OptionTests(SynchronousTestCase):
    """
    L{TelnetFilter.start} asks the client for C{BINARY}, so a telnet client
    sends what is typed as 8-bit data (UTF-8 intact); C{SGA} is
    accepted when asked; every other option is refused; nothing is ever
    answered twice.
    """

    def setUp(self) -> None:
        self.delivered: list[bytes] = []
        self.replies: list[bytes] = []
        self.filter = TelnetFilter(self.delivered.append, self.replies.append, StringTransport())

    def sent(self) -> bytes:
        data = b"".join(self.replies)
        self.replies.clear()
        return data

    def test_binaryFromClientOnly(self) -> None:
        """
        C{DO BINARY}, and nothing more once the client agrees: 8-bit data
        is on from the client.  The other direction is refused when asked,
        so the client keeps its terminal's output processing (the Enter it
        echoes goes back to the first column).
        """
        self.filter.start()
        self.assertEqual(self.sent(), command(telnet.DO, BINARY))
        self.assertEqual(self.filter.binary(), (False, False))
        self.filter.dataReceived(command(telnet.WILL, BINARY))
        self.assertEqual(self.sent(), b"")
        self.assertEqual(self.filter.binary(), (True, False))
        self.filter.dataReceived(command(telnet.DO, BINARY))
        self.assertEqual(self.sent(), command(telnet.WONT, BINARY))
        self.assertEqual(self.filter.binary(), (True, False))

    def test_utf8Untouched(self) -> None:
        """
        Once binary, every typed byte is data: a UTF-8 line with bytes that
        are telnet commands or escape characters when stripped to 7 bits
        (U+201D is E2 80 9D: 0x9D is ^] with its top bit) arrives intact.
        """
        self.filter.start()
        self.filter.dataReceived(command(telnet.WILL, BINARY))
        typed = "Ü я σ \u201d 中文 👍🏽 👩🏽\u200d💻"
        self.filter.dataReceived(typed.encode("utf-8") + b"\r\n")
        self.assertEqual(b"".join(self.delivered).decode("utf-8"), typed + "\n")

    def test_nothingAfterLines(self) -> None:
        """
        Lines typed, one by one or pasted many at once, get no answer from
        the telnet layer: the client's terminal echoes each line end whole,
        so no CR is sent to bring its cursor back.
        """
        self.filter.start()
        self.filter.dataReceived(command(telnet.WILL, BINARY))
        self.sent()
        self.filter.dataReceived(b"one\r\ntwo\r\nthree\r\n")
        self.filter.dataReceived(b"four\r")
        self.filter.dataReceived(b"\n")
        self.assertEqual(self.sent(), b"")
        self.assertEqual(b"".join(self.delivered), b"one\ntwo\nthree\nfour\n")

    def test_refusedBinary(self) -> None:
        """
        A client refusing C{DO BINARY} keeps its default; nothing more is
        asked.
        """
        self.filter.start()
        self.filter.dataReceived(command(telnet.WONT, BINARY))
        self.assertEqual(self.sent(), command(telnet.DO, BINARY))
        self.assertEqual(self.filter.binary(), (False, False))

    def test_clientAsksFirst(self) -> None:
        """
        A client offering C{WILL BINARY} before being asked is taken as the
        answer to C{DO BINARY}; its C{DO BINARY} is refused.
        """
        self.filter.dataReceived(command(telnet.WILL, BINARY))
        self.assertEqual(self.sent(), command(telnet.DO, BINARY))
        self.filter.dataReceived(command(telnet.DO, BINARY))
        self.assertEqual(self.sent(), command(telnet.WONT, BINARY))
        self.filter.start()
        self.assertEqual(self.sent(), b"")
        self.assertEqual(self.filter.binary(), (True, False))

    def test_suppressGoAhead(self) -> None:
        """
        C{SGA} is agreed in whichever direction the client asks, once.
        Agreed on the server's side, it puts the client in character mode,
        so chatd offers to echo (C{WILL ECHO}).
        """
        self.filter.dataReceived(command(telnet.DO, telnet.SGA) + command(telnet.WILL, telnet.SGA))
        self.assertEqual(
            self.sent(),
            command(telnet.WILL, telnet.SGA) + WILL_ECHO + command(telnet.DO, telnet.SGA),
        )
        self.filter.dataReceived(command(telnet.DO, telnet.SGA) + command(telnet.WILL, telnet.SGA))
        self.assertEqual(self.sent(), b"")
        self.assertFalse(self.filter.echoing())
        self.filter.dataReceived(DO_ECHO + b"x")
        self.assertEqual(self.sent(), b"x")

    def test_echoOfferRefused(self) -> None:
        """
        A client that refuses the echo offered with C{SGA} echoes itself;
        it is not asked again.
        """
        self.filter.dataReceived(command(telnet.DO, telnet.SGA) + DONT_ECHO + b"x")
        self.assertEqual(self.sent(), command(telnet.WILL, telnet.SGA) + WILL_ECHO)
        self.assertFalse(self.filter.echoing())
        self.filter.hideInput()
        self.assertEqual(self.sent(), b"")

    def test_turnedOff(self) -> None:
        """
        A client turning an agreed option off is acknowledged once, and the
        data that follows is still delivered.
        """
        self.filter.start()
        self.filter.dataReceived(command(telnet.WILL, BINARY))
        self.sent()
        self.filter.dataReceived(command(telnet.WONT, BINARY) + b"x\n")
        self.assertEqual(self.sent(), command(telnet.DONT, BINARY))
        self.filter.dataReceived(command(telnet.WONT, BINARY))
        self.assertEqual(self.sent(), b"")
        self.assertEqual(self.filter.binary(), (False, False))
        self.assertEqual(b"".join(self.delivered), b"x\n")

    def test_otherOptionsRefused(self) -> None:
        """
        Every other option, in either direction, is refused once; repeated
        requests for a refused option are refused again but never loop.
        """
        for option in (telnet.LINEMODE, telnet.NAWS, b"\x18", b"\x20"):
            self.filter.dataReceived(command(telnet.DO, option) + command(telnet.WILL, option))
            self.assertEqual(
                self.sent(), command(telnet.WONT, option) + command(telnet.DONT, option)
            )
            self.filter.dataReceived(command(telnet.WONT, option) + command(telnet.DONT, option))
            self.assertEqual(self.sent(), b"")
        # The client does not echo for the server.
        self.filter.dataReceived(command(telnet.WILL, telnet.ECHO))
        self.assertEqual(self.sent(), command(telnet.DONT, telnet.ECHO))


class EditLineTests(SynchronousTestCase):
    def test_backspaceAndDelete(self) -> None:
        """
        BS and DEL erase the character before them as it is seen, a whole
        grapheme cluster (an accented letter however typed, an emoji
        sequence); extra erasures at the start do nothing.
        """
        self.assertEqual(editLine("helo\x08lo"), "hello")
        self.assertEqual(editLine("caf\u00e9\x7f\x7fe"), "cae")
        self.assertEqual(editLine("cafe\u0301\x7f\x7fe"), "cae")
        self.assertEqual(editLine("X\U0001f468\u200d\U0001f469Y\x08\x08!"), "X!")
        self.assertEqual(editLine("\x08\x7fhi"), "hi")
        self.assertEqual(editLine("plain"), "plain")

    def test_killLine(self) -> None:
        """
        ^U erases everything typed before it.
        """
        self.assertEqual(editLine("oops\x15fine"), "fine")


class CharacterModeTests(SynchronousTestCase):
    """
    A client that asks chatd to echo (C{DO ECHO}: C{telnet}'s C{mode
    character}, PuTTY) gets it: chatd shows what is typed, erasing with
    C{\\b \\b}; one that takes it back (C{DONT ECHO}) echoes again itself.
    """

    def setUp(self) -> None:
        self.delivered: list[bytes] = []
        self.replies: list[bytes] = []
        self.filter = TelnetFilter(self.delivered.append, self.replies.append, StringTransport())

    def sent(self) -> bytes:
        data = b"".join(self.replies)
        self.replies.clear()
        return data

    def test_agreed(self) -> None:
        """
        C{DO ECHO} is agreed once; what is typed is then shown by chatd,
        key by key, and Enter (a bare CR, then its NUL) as a line end; the
        line handed on is the line shown, edited.
        """
        self.filter.dataReceived(command(telnet.DO, telnet.SGA) + DO_ECHO)
        self.assertEqual(self.sent(), command(telnet.WILL, telnet.SGA) + WILL_ECHO)
        self.assertTrue(self.filter.echoing())
        self.assertFalse(self.filter.inputHidden())
        shown = []
        for key in [b"h", b"i", b"!", b"\x7f", b"\r", b"\0"]:
            self.filter.dataReceived(key)
            shown.append(self.sent())
        self.assertEqual(shown, [b"h", b"i", b"!", b"\b \b", b"\r\n", b""])
        self.assertEqual(b"".join(self.delivered), b"hi\n")
        self.filter.dataReceived(DO_ECHO)
        self.assertEqual(self.sent(), b"")

    def test_eraseCommands(self) -> None:
        """
        Telnet's erase-character and erase-line commands are shown erased
        too, as much as the line typed so far holds.
        """
        self.filter.dataReceived(DO_ECHO)
        self.sent()
        self.filter.dataReceived(b"abc" + telnet.IAC + telnet.EC)
        self.assertEqual(self.sent(), b"abc\b \b")
        self.assertEqual(self.filter.typed(), b"ab")
        self.filter.dataReceived(telnet.IAC + telnet.EL)
        self.assertEqual(self.sent(), b"\b \b\b \b")
        self.filter.dataReceived(b"\x08")
        self.assertEqual(self.sent(), b"")

    def test_backToLineMode(self) -> None:
        """
        C{DONT ECHO} (C{telnet}'s C{mode line}) is acknowledged and chatd
        stops echoing: the client echoes its lines again.
        """
        self.filter.dataReceived(DO_ECHO + b"ab")
        self.sent()
        self.filter.dataReceived(DONT_ECHO)
        self.assertEqual(self.sent(), WONT_ECHO)
        self.assertFalse(self.filter.echoing())
        self.filter.dataReceived(b"line\r\n")
        self.assertEqual(self.sent(), b"")
        self.assertEqual(self.filter.typed(), b"")

    def test_lineModeNotEchoed(self) -> None:
        """
        A client that never asked (line mode, the default) is never
        echoed, even when its keys come one by one.
        """
        for key in b"ab\x7fc\r\n":
            self.filter.dataReceived(bytes([key]))
        self.assertEqual(self.sent(), b"")
        self.assertEqual(self.filter.typed(), b"")
