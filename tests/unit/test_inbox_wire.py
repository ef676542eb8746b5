"""
The wire side of waiting private messages: L{Outbox.whenDrained}, a slow
TCHAT reader receiving a large inbox, C{ERROR 28}, and the options; in
memory with a L{Clock}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.usage import UsageError
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.limits import MAX_SHARE, MAX_WAITING, PAGE_BYTES
from chatd.core.service import ChatService
from chatd.lines.outbox import FlushScheduler, Outbox
from chatd.options import Options
from chatd.tap import makeService
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import SlowTransport, output
from tests.support.persistencecase import PersistenceTestCase


class WhenDrainedTests(SynchronousTestCase):
    """
    L{Outbox.whenDrained}: fires once what was written reached the transport
    and the transport takes more.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.overflows: list[int] = []

    def outbox(self, transport: StringTransport, limit: int = 1000) -> Outbox:
        return Outbox(
            transport, FlushScheduler(self.clock), limit, lambda: self.overflows.append(1)
        )

    def test_idle(self) -> None:
        """
        With nothing queued, the outbox is drained now.
        """
        box = self.outbox(StringTransport())
        self.assertIs(self.successResultOf(box.whenDrained()), True)

    def test_afterFlush(self) -> None:
        """
        Written output counts as drained once this turn's flush handed it
        to the transport, not before.
        """
        transport = StringTransport()
        box = self.outbox(transport)
        box.write(b"hello\n")
        drained = box.whenDrained()
        self.assertNoResult(drained)
        self.clock.advance(0)
        self.assertEqual(transport.value(), b"hello\n")
        self.assertIs(self.successResultOf(drained), True)

    def test_waitsWhileTheTransportIsFull(self) -> None:
        """
        A write that fills the transport's buffer pauses the outbox: it is
        drained only once the transport resumes it, i.e. the reader read.
        """
        transport = SlowTransport(bufferSize=4)
        box = self.outbox(transport)
        box.write(b"more than four\n")
        drained = box.whenDrained()
        self.clock.advance(0)
        self.assertTrue(transport.paused)
        self.assertNoResult(drained)
        self.assertEqual(transport.read(), b"more than four\n")
        self.assertIs(self.successResultOf(drained), True)

    def test_closedFirst(self) -> None:
        """
        A connection that closes (or is cut for overflowing) before its
        output was handed over is not drained: C{False}.
        """
        transport = SlowTransport(bufferSize=0)
        box = self.outbox(transport)
        box.write(b"x")
        self.clock.advance(0)
        box.write(b"y")
        drained = box.whenDrained()
        box.stopProducing()
        self.assertIs(self.successResultOf(drained), False)
        self.assertIs(self.successResultOf(box.whenDrained()), False)

        box = self.outbox(SlowTransport(bufferSize=0), limit=3)
        box.write(b"x")
        self.clock.advance(0)
        drained = box.whenDrained()
        box.write(b"toolong")
        self.assertEqual(self.overflows, [1])
        self.assertIs(self.successResultOf(drained), False)


class TchatInboxTests(PersistenceTestCase):
    """
    Over TCHAT: a slow reader gets a large inbox without being cut off, and
    a sender to a full inbox gets C{ERROR 28}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.maxOutput = 64 * 1024
        self.factory = TchatFactory(
            self.service,
            self.clock,
            floodBurst=None,
            aliveAfter=None,
            maxOutput=self.maxOutput,
        )
        assert self.service.persistence is not None
        self.inbox = self.service.persistence.inbox
        self.inbox.pageBytes = self.maxOutput // 4

    def tchat(self, nick: str, transport: StringTransport | None = None) -> Any:
        """
        Connect over TCHAT on C{transport} and log in as C{nick} (bob with
        his password).
        """
        address = IPv4Address("TCP", "127.0.0.1", 4321)
        transport = transport if transport is not None else StringTransport()
        proto = self.factory.buildProtocol(address)
        assert isinstance(proto, TchatProtocol)
        proto.makeConnection(transport)
        password = " sesame" if nick == "bob" else ""
        proto.dataReceived(f"clt: LOGIN {nick}{password}\r\n".encode())
        return proto, transport

    def test_slowReaderGetsEverything(self) -> None:
        """
        Twenty messages of 12 KiB (four times the output limit) reach a
        reader whose transport takes 16 KiB at a time: in order, without a
        disconnect, and the outbox never holds more than a page or so.
        """
        self.registered("bob", "sesame")
        alice, ta = self.tchat("alice")
        output(ta, self.clock)
        body = "x" * 4000
        for i in range(20):
            alice.dataReceived(
                f"clt: MSGPV bob\r\nclt: {i:04}\r\n"
                f"clt: {body}\r\nclt: {body}\r\nclt: {body}\r\nclt: .\r\n".encode()
            )
            self.assertEqual(output(ta, self.clock), b"srv: OKAY!\n")
        slow = SlowTransport(bufferSize=16 * 1024)
        bob, _ = self.tchat("bob", slow)
        got = b""
        for _ in range(100):  # each round: the reactor turns, then bob reads
            self.clock.advance(0)
            assert bob.outbox is not None
            self.assertLessEqual(bob.outbox.pending, self.maxOutput // 2)
            got += slow.read()
            if b"srv: 0019\n" in got:
                break
        self.assertFalse(slow.disconnecting)
        numbers = [
            line[5:] for line in got.decode().split("\n") if line[5:9].isdigit() and len(line) == 9
        ]
        self.assertEqual(numbers, [f"{i:04}" for i in range(20)])
        self.assertEqual(self.successResultOf(self.store.waitingCount("bob")), 0)

    def test_full(self) -> None:
        """
        MSGPV to a registered user who is away and whose inbox is full is
        C{ERROR 28}; the message is not kept.
        """
        self.registered("bob", "sesame")
        self.inbox.maxWaiting = 2
        alice, ta = self.tchat("alice")
        output(ta, self.clock)
        replies = []
        for i in range(3):
            alice.dataReceived(f"clt: MSGPV bob\r\nclt: m{i}\r\nclt: .\r\n".encode())
            replies.append(output(ta, self.clock))
        self.assertEqual(replies, [b"srv: OKAY!\n", b"srv: OKAY!\n", b"srv: ERROR 28\n"])
        self.assertEqual(self.successResultOf(self.store.waitingCount("bob")), 2)

    def test_senderShare(self) -> None:
        """
        A guest's MSGPV beyond their share of a user's inbox (20 by default)
        is C{ERROR 28}, and another sender's still goes through.
        """
        self.registered("bob", "sesame")
        alice, ta = self.tchat("alice")
        carol, tc = self.tchat("carol")
        output(ta, self.clock)
        output(tc, self.clock)
        replies = []
        for i in range(MAX_SHARE + 1):
            alice.dataReceived(f"clt: MSGPV bob\r\nclt: m{i}\r\nclt: .\r\n".encode())
            replies.append(output(ta, self.clock))
        self.assertEqual(replies, [b"srv: OKAY!\n"] * MAX_SHARE + [b"srv: ERROR 28\n"])
        carol.dataReceived(b"clt: MSGPV bob\r\nclt: hello\r\nclt: .\r\n")
        self.assertEqual(output(tc, self.clock), b"srv: OKAY!\n")
        self.assertEqual(self.successResultOf(self.store.waitingCount("bob")), MAX_SHARE + 1)


def test_options(tmp_path: Path) -> None:
    """
    C{--max-inbox} and C{--max-inbox-per-sender} reach the inbox (0: no
    limit; negative is refused), and pages are a quarter of
    C{--max-output}, at most 64 KiB.
    """
    for args, expected in [
        ([], (MAX_WAITING, MAX_SHARE, PAGE_BYTES)),
        (["--max-inbox", "5", "--max-output", "100000"], (5, MAX_SHARE, 25000)),
        (["--max-inbox", "0", "--max-inbox-per-sender", "0"], (None, None, PAGE_BYTES)),
        (["--max-inbox-per-sender", "3"], (MAX_WAITING, 3, PAGE_BYTES)),
    ]:
        options = Options()
        options.parseOptions(["--data-dir", str(tmp_path / "data"), *args])
        top = makeService(options, MemoryReactorClock())
        _, store, chat = list(top)[:3]  # type: ignore[call-overload]
        assert isinstance(chat, ChatService) and chat.persistence is not None
        inbox = chat.persistence.inbox
        assert (inbox.maxWaiting, inbox.maxPerSender, inbox.pageBytes) == expected
        store.pool.close()
    with pytest.raises(UsageError):
        Options().parseOptions(["--max-inbox", "-1"])
    with pytest.raises(UsageError):
        Options().parseOptions(["--max-inbox-per-sender", "-1"])
