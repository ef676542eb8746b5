"""
Tests for a private message to a user of a node that was not dead but
stalled past the TTL (C{SIGSTOP}, a frozen VM), told to its sender as not
delivered when that node was counted dead, and read by it when it runs
again (L{chatd.cluster.receipts}): its sender is told it reached them after
all, as of one Redis ran late, and it is stored once; over TCHAT and IRC.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.testing import StringTransport

from chatd.cluster.receipts import LATE, LEFT, NOT_DELIVERED
from chatd.core.events import PrivateMessage
from chatd.tchat import TchatFactory
from tests.support.fakenode import IRCClient, PrivateAcrossNodes
from tests.support.helpers import connect, output


def notices(said: str) -> list[str]:
    """The texts of the C{NOTICE} blocks in TCHAT output C{said}."""
    lines = said.splitlines()
    return [
        lines[i + 1][len("srv: ") :]
        for i, line in enumerate(lines)
        if line.startswith("srv: NOTICE ")
    ]


class StalledNodeCase(PrivateAcrossNodes):
    """
    L{PrivateAcrossNodes} (nodes C{a} and C{b} sharing one database) whose
    node C{b} stalls and runs again, with TCHAT and IRC clients.
    """

    def tchat(self, *lines: str) -> tuple[Any, StringTransport]:
        """
        A TCHAT connection to node C{a} that sent C{lines}, its output so
        far read; closed when the test ends.
        """
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        self.send(proto, *lines)
        output(transport, self.clock)
        return proto, transport

    def send(self, proto: Any, *lines: str) -> None:
        proto.dataReceived("".join(line + "\n" for line in lines).encode())
        self.a.turns()

    def irc(self, nick: str, sasl: tuple[str, str] | None = None) -> IRCClient:
        """
        An IRC client C{nick} on node C{b} (on C{a}, signed in to the
        account C{sasl}, if given), its welcome read.
        """
        client = IRCClient(self.a if sasl else self.b, self.clock, nick, nick, sasl=sasl)
        self.addCleanup(client.proto.connectionLost, None)
        client.read()
        return client

    def stall(self) -> None:
        """Node C{b} stops: it neither beats nor reads its inbox."""
        self.b.hold()
        self.b.presence.stop()

    def countedDead(self) -> None:
        """Past the TTL, node C{a} counts C{b} dead."""
        for _ in range(6):
            self.clock.advance(1)
            self.settle()
        self.assertNotIn("b", self.a.presence.peers)

    def runsAgain(self) -> None:
        """Node C{b} runs again: it beats, and reads what waited for it."""
        self.b.presence.start()
        self.b.release()
        for _ in range(3):
            self.clock.advance(1)
            self.settle()

    def stored(self, text: str) -> tuple[str, str, tuple[str, ...]] | None:
        """
        The message C{text} node C{a} sent to C{b}, as the store holds it:
        sender, recipient, text (C{None}: not stored).
        """
        [msgid] = [
            e["id"]
            for _, m in self.redis.published
            if (e := json.loads(m))["k"] == "tell" and e["l"] == [text]
        ]
        found = self.successResultOf(self.store.findMessage(msgid))
        if found is None:
            return None
        assert isinstance(found, PrivateMessage)
        return str(found.sender), found.recipient, found.lines


class StalledRecipientNodeTests(StalledNodeCase):
    def test_guestReachedAfterAll(self) -> None:
        """
        ctc (TCHAT, on a) sends cir (an IRC guest on b) a message as b
        stalls: OKAY!, then, once b is counted dead, a notice that it was
        not delivered; b runs again and cir gets it live: ctc is told, by a
        notice naming it, that it reached them after all, and it is stored
        once, as sent from ctc to cir.
        """
        ctc, said = self.tchat("clt: LOGIN ctc")
        cir = self.irc("cir")
        self.stall()
        self.send(ctc, "clt: MSGPV cir", "clt: meet at noon", "clt: .")
        self.assertEqual(output(said, self.clock), b"srv: OKAY!\n")
        self.countedDead()
        self.assertIsNone(self.stored("meet at noon"))  # its copy stored as sent: deleted
        told = notices(output(said, self.clock).decode())
        self.assertEqual(len(told), 1, told)
        self.assertTrue(
            told[0].startswith(
                'cir\'s server went away before your private message ("meet at noon", sent at '
            ),
            told,
        )
        self.assertTrue(
            told[0].endswith(
                NOT_DELIVERED.format(to="", what="")[-len(" reached them: not delivered") :]
            ),
            told,
        )
        self.runsAgain()
        self.assertTrue(any(line.endswith(" PRIVMSG cir :meet at noon") for line in cir.lines()))
        late = notices(output(said, self.clock).decode())
        self.assertEqual(len(late), 1, late)
        self.assertTrue(late[0].startswith('your private message ("meet at noon", sent at '), late)
        self.assertTrue(
            late[0].endswith(
                " to cir reached them after all, late (you were told it was not delivered:"
                " no need to send it again)"
            ),
            late,
        )
        self.assertEqual(self.stored("meet at noon"), ("ctc", "cir", ("meet at noon",)))
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_everyConnectionOfTheSenderTold(self) -> None:
        """
        A registered sender with two connections on a (TCHAT and IRC) is
        told on both that the message reached cir after all, and it is in
        her private history once (TCHAT C{HISTP}).
        """
        self.successResultOf(self.a.service.register(self.alice, "secret1"))
        self.a.service.disconnect(self.alice)
        tchat, said = self.tchat("clt: LOGIN alice secret1")
        irc = self.irc("alice", sasl=("alice", "secret1"))
        self.irc("cir")
        self.stall()
        self.send(tchat, "clt: MSGPV cir", "clt: see you", "clt: .")
        self.countedDead()
        output(said, self.clock)
        irc.read()
        self.runsAgain()
        [late] = notices(output(said, self.clock).decode())
        self.assertIn(" to cir reached them after all, late", late)
        [ircLate] = [line for line in irc.lines() if " NOTICE alice :" in line]
        self.assertIn('your private message ("see you", sent at ', ircLate)
        self.assertIn(" to cir reached them after all, late", ircLate)
        self.send(tchat, "clt: HISTP cir")
        shown = output(said, self.clock).decode()
        self.assertEqual(shown.count("srv: see you\n"), 1, shown)
        self.assertTrue(shown.startswith("srv: MSGPV alice "), shown)
        self.assertTrue(shown.endswith("srv: OKAY!\n"), shown)

    def test_guestLeftMeanwhile(self) -> None:
        """
        cir leaves b while it stalls: when b runs again, the message reaches
        nobody; ctc is told cir left, naming the message, never that it
        reached them, and it is not stored.
        """
        ctc, said = self.tchat("clt: LOGIN ctc")
        cir = self.irc("cir")
        self.stall()
        self.send(ctc, "clt: MSGPV cir", "clt: anyone?", "clt: .")
        self.countedDead()
        output(said, self.clock)
        cir.send("QUIT :bye")
        self.runsAgain()
        told = notices(output(said, self.clock).decode())
        self.assertEqual(len(told), 1, told)
        self.assertTrue(told[0].startswith(LEFT.format(to="cir", what=' ("anyone?"')[:40]), told)
        self.assertIn('("anyone?", sent at ', told[0])
        self.assertNotIn(LATE.format(to="cir", what="")[-30:], told[0])
        self.assertIsNone(self.stored("anyone?"))
