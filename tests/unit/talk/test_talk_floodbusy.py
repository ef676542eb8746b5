"""
A talk client's flood sent while its previous command still waits for the
server (here, entering a room its store records slowly, as a database
does): the lines read meanwhile wait for the server, and nothing is cut for
that; once the server takes lines again, those the flood limit holds back
count, whenever they came (L{chatd.lines.floodcut}).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.testing import StringTransport

from chatd.lines.throttle import waitingLines
from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

#: The default flood limit's burst for talk.
BURST = 100


class FloodWhileBusyTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.factory = TalkFactory(self.service, self.clock)  # the default flood limit
        self.proto, self.t = self.signIn()
        self.clock.advance(60)  # the burst whole again
        output(self.t, self.clock)
        self.recorded: list[Deferred[None]] = self.delayMemberships()

    def signIn(self) -> tuple[TalkProtocol, StringTransport]:
        proto, t = connect(self.factory, self.clock)
        proto.dataReceived(b"alice\r\n")
        output(t, self.clock)
        proto.dataReceived(b"sesame\r\n")
        self.assertIn(b"Welcome, alice", output(t, self.clock))
        return proto, t

    def busyThenSay(self, lines: int) -> bytes:
        """
        C{/join den}, which waits for the store, then C{lines} lines in the
        same read; what is shown once the store answers.
        """
        said = b"".join(b"s%d\r\n" % n for n in range(lines))
        self.proto.dataReceived(b"/join den\r\n" + said)
        output(self.t, self.clock)
        self.assertFalse(self.t.disconnecting)  # they wait for the server, not the flood limit
        self.assertEqual(len(self.recorded), 1)
        self.recorded[0].callback(None)
        return output(self.t, self.clock)

    def test_floodCutOnceTheServerTakesLines(self) -> None:
        """
        400 lines sent while C{/join} waits: once it is answered, the burst
        goes, and with more than L{waitingLines} left for the flood limit
        the client is told it sends too fast and cut, as if they had come
        then, rather than having all 400 said at 20 a second.
        """
        shown = self.busyThenSay(400)
        self.assertEqual(shown.splitlines()[-1], b"*** You are sending too fast: disconnecting.")
        self.assertTrue(self.t.disconnecting)

    def test_fewerWaitForTheirTurn(self) -> None:
        """
        The burst (less the C{/join}) and L{waitingLines} more sent while C{/join}
        waits are all said in turn: nobody is cut for lines the server held.
        """
        shown = self.busyThenSay(BURST - 1 + self.factory.floodLines)  # /join took one
        for _ in range(60):
            self.clock.advance(1)
            shown += output(self.t, self.clock)
        self.assertNotIn(b"sending too fast", shown)
        self.assertFalse(self.t.disconnecting)
        self.assertEqual(self.factory.floodLines, waitingLines(100))

    def test_oneMoreCut(self) -> None:
        """
        One line more than that is a flood.
        """
        shown = self.busyThenSay(BURST + self.factory.floodLines)
        self.assertEqual(shown.splitlines()[-1], b"*** You are sending too fast: disconnecting.")
