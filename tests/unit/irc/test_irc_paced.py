"""
IRC history larger than C{--max-output}: C{CHATHISTORY} (labelled or not)
and the replay on joining reach a slow client a page at a time, inside one
C{chathistory} batch, and it stays connected; what is said live meanwhile
comes after the batch's end.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message, parse
from chatd.irc.protocol import IRCProtocol
from tests.support.helpers import SlowTransport, readAll
from tests.support.ircstorecase import IRCStoreTestCase

MAX_OUTPUT = 64 * 1024
CAPS = "CAP REQ :batch server-time message-tags labeled-response"


class PacedIRCHistoryTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(self.service, self.clock, floodBurst=None, maxOutput=MAX_OUTPUT)
        bob, self.tb = self.client()
        self.bob = bob
        self.send(bob, self.tb, "NICK bob", "USER b 0 * :B", "JOIN #busy")

    def fill(self, count: int, size: int) -> None:
        for i in range(count):
            self.store.addMessage(
                "busy", "bob", None, (f"{i:04}" + "x" * (size - 4),), int(self.clock.seconds()) + i
            )

    def slowClient(self, caps: str) -> tuple[IRCProtocol, SlowTransport]:
        slow = SlowTransport(bufferSize=16 * 1024)
        proto = self.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 4000))
        assert isinstance(proto, IRCProtocol)
        proto.makeConnection(slow)
        proto.dataReceived(f"{caps}\r\nNICK carol\r\nUSER c 0 * :C\r\nCAP END\r\n".encode())
        readAll(slow, self.clock, b" 376 ", 10)
        return proto, slow

    def read(self, proto: IRCProtocol, slow: SlowTransport, until: bytes) -> list[Message]:
        def bounded() -> None:
            assert proto.outbox is not None
            self.assertLess(proto.outbox.pending, MAX_OUTPUT // 2)

        got = readAll(slow, self.clock, until, check=bounded)
        self.assertFalse(slow.disconnecting)
        return [parse(line) for line in got.decode().split("\r\n") if line]

    def assertBatch(self, messages: list[Message], count: int) -> list[Message]:
        """
        C{messages} hold one chathistory batch of C{count} messages, in
        order, nothing else inside it; what follows its end.
        """
        commands = [m.command for m in messages]
        start = commands.index("BATCH")
        batch = messages[start].params[0][1:]
        end = commands.index("BATCH", start + 1)
        self.assertEqual(messages[end].params, ["-" + batch])
        inside = messages[start + 1 : end]
        self.assertEqual({m.tags.get("batch") for m in inside}, {batch})
        numbered = [m.params[1][:4] for m in inside if m.params[1][:4].isdigit()]
        self.assertEqual(numbered, [f"{i:04}" for i in range(count)])
        return messages[end + 1 :]

    def test_chathistory(self) -> None:
        """
        C{CHATHISTORY LATEST #busy * 1000} over 100 messages of 2 KiB
        (three times the limit), labelled: the batch carries the label,
        and a message said while it is read follows it.
        """
        carol, slow = self.slowClient(CAPS)
        carol.dataReceived(b"JOIN #busy\r\n")
        readAll(slow, self.clock, b" 366 ", 10)
        self.fill(100, 2048)
        carol.dataReceived(b"@label=h1 CHATHISTORY LATEST #busy * 1000\r\n")
        self.clock.advance(0)
        self.bob.dataReceived(b"PRIVMSG #busy :live\r\n")
        messages = self.read(carol, slow, b":live\r\n")
        self.assertEqual(messages[0].tags.get("label"), "h1")
        after = self.assertBatch(messages, 100)
        self.assertEqual([(m.command, m.params) for m in after], [("PRIVMSG", ["#busy", "live"])])

    def test_joinReplay(self) -> None:
        """
        Joining a room whose last 20 messages are 8 KiB each replays them
        all, in one batch after the JOIN's names.
        """
        self.fill(20, 8192)
        carol, slow = self.slowClient(CAPS)
        carol.dataReceived(b"JOIN #busy\r\n")
        self.clock.advance(0)
        self.clock.advance(0)
        self.bob.dataReceived(b"PRIVMSG #busy :live\r\n")
        messages = self.read(carol, slow, b":live\r\n")
        commands = [m.command for m in messages]
        self.assertLess(commands.index("366"), commands.index("BATCH"))
        after = self.assertBatch(messages, 20)
        self.assertEqual([m.params for m in after], [["#busy", "live"]])
