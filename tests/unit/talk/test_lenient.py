"""
Tests for L{chatd.talk.lenient}: plain data skips the per-byte telnet parser
and comes out as the parser would give it; and for talk mode's bound on
bytes without a line end (L{chatd.talk.protocol.TalkProtocol.dataReceived}).
"""

from __future__ import annotations

import random

from twisted.conch import telnet
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.talk.lenient import LenientTelnet
from tests.support.protocolcases import TalkTestCase


class Recorded(LenientTelnet):
    """
    A parser whose data (as the parser hands it on, before talk mode turns
    every line end into C{\\n}), replies and commands are kept in one
    list, in order.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, bytes]] = []
        super().__init__()
        self.makeConnection(StringTransport())

    def applicationDataReceived(self, data: bytes) -> None:
        self.events.append(("data", data))

    def _write(self, data: bytes) -> None:
        self.events.append(("reply", data))

    def unhandledCommand(self, command: bytes, argument: bytes | None) -> None:
        self.events.append(("command", command))

    def joined(self) -> list[tuple[str, bytes]]:
        """
        The events, with data next to data joined (how it was cut into
        deliveries is not what the parser means).
        """
        joined: list[tuple[str, bytes]] = []
        for kind, value in self.events:
            if joined and kind == "data" == joined[-1][0]:
                joined[-1] = ("data", joined[-1][1] + value)
            else:
                joined.append((kind, value))
        return joined


class Reference(Recorded):
    """
    The same parser parsing every byte with the base class, as it did.
    """

    def _parse(self, data: bytes) -> None:
        telnet.Telnet.dataReceived(self, data)


# Pieces of a telnet stream without stray IACs (the base class fails on
# them): text, every line end, IAC IAC, commands and negotiation.
PIECES = [
    b"a",
    b"hello",
    b"\r",
    b"\n",
    b"\0",
    b"\r\n",
    b"\r\0",
    b"\xc3\xa9",
    telnet.IAC + telnet.IAC,
    telnet.IAC + telnet.NOP,
    telnet.IAC + telnet.AYT,
    telnet.IAC + telnet.EC,
    telnet.IAC + telnet.DO + telnet.SGA,
    telnet.IAC + telnet.WILL + b"\x00",
    telnet.IAC + telnet.DONT + telnet.ECHO,
    telnet.IAC + telnet.SB + b"\x18\x00xterm" + telnet.IAC + telnet.SE,
]


class FastPathTests(SynchronousTestCase):
    def test_plainDataSkipsTheParser(self) -> None:
        """
        A long run of data without C{IAC} is not handed to the base class's
        per-byte parser: only the CR of a line end that ends a read and the
        command bytes are; the data comes out whole.
        """
        parsed: list[bytes] = []
        base = telnet.Telnet.dataReceived

        def counting(self: telnet.Telnet, data: bytes) -> None:
            parsed.append(data)
            base(self, data)

        self.patch(telnet.Telnet, "dataReceived", counting)
        filter = Recorded()
        filter.dataReceived(b"A" * 100_000 + b"\r\nB" * 1000 + telnet.IAC + telnet.NOP + b"C\r")
        self.assertLessEqual(sum(map(len, parsed)), 3)
        data = b"".join(value for kind, value in filter.events if kind == "data")
        self.assertEqual(data, b"A" * 100_000 + b"\nB" * 1000 + b"C\r")

    def test_sameAsTheParser(self) -> None:
        """
        Whatever the stream and however it is cut into reads, the filter
        delivers the same data, replies and commands, in the same order, as
        the base class's parser does.
        """
        chance = random.Random(1854)
        for attempt in range(400):
            stream = b"".join(chance.choice(PIECES) for _ in range(chance.randint(1, 30)))
            cuts = sorted(chance.sample(range(len(stream) + 1), min(3, len(stream))))
            bounds = zip([0, *cuts], [*cuts, len(stream)], strict=True)
            reads = [stream[a:b] for a, b in bounds if a < b]
            fast, reference = Recorded(), Reference()
            for read in reads:
                fast.dataReceived(read)
                reference.dataReceived(read)
            self.assertEqual(fast.joined(), reference.joined(), (attempt, reads))


class EndlessLineTests(TalkTestCase):
    def test_longLineKept(self) -> None:
        """
        A line far past the flood backlog, over many reads, is only refused,
        once, when it ends: its text is the line layer's, not counted as
        bytes that never end a line.
        """
        proto, t = self.connect("bob")
        self.factory.floodBacklog = 1000
        self.read(t)
        for _ in range(100):
            proto.dataReceived(b"y" * 100)
        self.assertFalse(t.disconnecting)
        proto.dataReceived(b"\r\n")
        said = self.read(t)
        self.assertEqual(said.count(b"too long and was ignored"), 1, said)
        self.assertFalse(t.disconnecting)

    def test_commandsWithoutLineCut(self) -> None:
        """
        Telnet commands count too, though they deliver no text: an endless
        stream of them is cut the same way; and once closing, nothing more
        is parsed.
        """
        proto, t = self.connect("bob")
        self.factory.floodBacklog = 1000
        proto.dataReceived((telnet.IAC + telnet.NOP) * 600)
        self.assertTrue(t.disconnecting)
        parsed: list[bytes] = []
        self.patch(proto.telnet, "dataReceived", parsed.append)
        proto.dataReceived(b"more\r\n")
        self.assertEqual(parsed, [])

    def test_endlessSubnegotiation(self) -> None:
        """
        A subnegotiation never ended (C{IAC SB} without C{IAC SE}) holds
        what follows, lines too, as its parameters; past the telnet
        parser's 4 KiB the person is told, as of commands without a line,
        and the connection closes, far below the bound above.
        """
        proto, t = self.connect("bob")
        self.read(t)
        proto.dataReceived(telnet.IAC + telnet.SB + b"\x18" + b"garbage" * 100 + b"\r\n")
        proto.dataReceived(b"after sb\r\n/bogus\r\n")
        self.assertEqual(self.read(t), b"")
        self.assertFalse(t.disconnecting)
        proto.dataReceived(b"z" * 4000)
        self.assertEqual(
            self.read(t), b"*** You sent a line far too long, without end: disconnecting.\r\n"
        )
        self.assertTrue(t.disconnecting)
        self.assertLess(4000 + 800, self.factory.floodBacklog)
        proto.dataReceived(b"z" * 5000)
        self.assertEqual(self.read(t), b"")

    def test_subnegotiationBound(self) -> None:
        """
        A subnegotiation of 4 KiB after C{IAC SB} (its option and
        parameters, an escaped C{IAC} once), over several reads and ended by
        C{IAC SE}, is read;
        so is another as long after it; one byte more and the person is
        told before the connection closes.
        """
        proto, t = self.connect("bob")
        self.read(t)
        iac, sb, se = telnet.IAC, telnet.SB, telnet.SE
        for _ in range(2):
            proto.dataReceived(iac + sb + b"\x18" + b"x" * 2000 + iac + iac)
            proto.dataReceived(b"y" * 2094 + iac + se)
            self.assertFalse(t.disconnecting)
        proto.dataReceived(b"/who\r\n")
        self.assertEqual(self.read(t), b"*** In lobby (1): bob\r\n")
        proto.dataReceived(iac + sb + b"\x18" + b"x" * 2000 + iac + iac + b"y" * 2094)
        self.assertFalse(t.disconnecting)
        proto.dataReceived(b"z")
        self.assertEqual(
            self.read(t), b"*** You sent a line far too long, without end: disconnecting.\r\n"
        )
        self.assertTrue(t.disconnecting)

    def test_linesResetTheCount(self) -> None:
        """
        Reads that end lines start the count again: a long session of
        ordinary lines is never cut.
        """
        proto, t = self.connect("bob")
        self.factory.floodBacklog = 1000
        for _ in range(40):
            proto.dataReceived(b"z" * 90)
            proto.dataReceived(b"\r\n")
        self.assertFalse(t.disconnecting)
