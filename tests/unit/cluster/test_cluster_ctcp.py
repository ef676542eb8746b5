"""
CTCP other than actions between cluster nodes (L{chatd.core.ctcp}): the
recipient's node gives it to their IRC connections only, or answers for
them, and the answer finds its way back.
"""

from __future__ import annotations

from chatd.tchat import TchatFactory
from tests.support.fakenode import GUEST_HOST, TwoNodes
from tests.support.helpers import connect, output

VERSION = "\x01VERSION\x01"


class ClusterCtcpTests(TwoNodes):
    def test_answeredOnRecipientsNode(self) -> None:
        """
        A CTCP request from an IRC user on node A to a TCHAT user on node B
        is not shown to the TCHAT user; node B answers for them, and the
        answer reaches the asker on node A.
        """
        carol = self.ircClient(self.a, "carol")
        factory = TchatFactory(self.b.service, self.clock, floodBurst=None, aliveAfter=None)
        bob, tb = connect(factory, self.clock)
        bob.dataReceived(b"clt: LOGIN bob\n")
        self.settle()
        output(tb, self.clock)
        carol.send(f"PRIVMSG bob :{VERSION}")
        self.settle()
        self.assertEqual(output(tb, self.clock), b"")
        self.assertIn(
            f":bob!bob@{GUEST_HOST} NOTICE carol"
            " :\x01VERSION chatd (bob uses tchat, not IRC: the server answers for them)\x01\r\n",
            carol.read(),
        )

    def test_ircRecipientOnOtherNode(self) -> None:
        """
        A CTCP request to an IRC user on the other node reaches their client
        as it is, and no server answers for them.
        """
        carol = self.ircClient(self.a, "carol")
        dave = self.ircClient(self.b, "dave")
        carol.send(f"PRIVMSG dave :{VERSION}")
        self.settle()
        self.assertIn(f":carol!carolx@{GUEST_HOST} PRIVMSG dave :{VERSION}\r\n", dave.read())
        self.assertNotIn("NOTICE", carol.read())
