"""
Credentials kept for an outage on one node of a cluster go when another
node changes or deletes the account (the relayed store change), or when
the node may have missed such a change.
"""

from __future__ import annotations

from chatd.core import sharing
from chatd.core.accounts import Accounts
from chatd.core.keptcredentials import Credentials
from chatd.tchat import TchatFactory
from tests.support.fakenode import FakeNode
from tests.support.keptsignin import loginReply
from tests.support.outagenodes import OutageNodesCase
from tests.support.persistencecase import DATABASE_DOWN


class KeptAcrossNodesTests(OutageNodesCase):
    """
    Nodes C{a} and C{b} sharing one database; C{alice} (password
    C{sesame}) registered on C{a}, and signed in once on C{b}, which keeps
    her credentials.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.a, "alice", "sesame")
        self.b.service.disconnect(self.b.user("alice", password="sesame"))
        self.b.turns()
        self.onB = TchatFactory(self.b.service, self.clock, floodBurst=None, aliveAfter=None)

    def down(self) -> None:
        self.store.down |= DATABASE_DOWN

    def loginOnB(self, password: str) -> bytes:
        return loginReply(self.onB, self.clock, "alice", password)

    def test_kept(self) -> None:
        """
        With no change elsewhere, C{b} signs alice in during the outage.
        """
        self.down()
        self.assertTrue(self.loginOnB("sesame").startswith(b"srv: OKAY!\n"))

    def test_passwordSetElsewhere(self) -> None:
        """
        An administrator sets alice's password on C{a}: C{b} drops what it
        kept, so neither password signs in there during the outage (C{03}).
        """
        self.successResultOf(self.a.service.setAccountPassword("alice", "console-pw", "admin"))
        self.a.turns()
        self.down()
        self.assertEqual(self.loginOnB("sesame"), b"srv: ERROR 03\n")
        self.assertEqual(self.loginOnB("console-pw"), b"srv: ERROR 03\n")

    def test_passwordChangedElsewhere(self) -> None:
        """
        Alice changes her password on C{a}: C{b} drops what it kept.
        """
        alice = self.a.user("alice", password="sesame")
        self.successResultOf(self.a.service.register(alice, "open-sesame"))
        self.a.service.disconnect(alice)
        self.a.turns()
        self.down()
        self.assertEqual(self.loginOnB("sesame"), b"srv: ERROR 03\n")

    def test_deletedElsewhere(self) -> None:
        """
        An administrator deletes alice's account on C{a}: C{b} drops what
        it kept, and never lets her in.
        """
        self.successResultOf(self.a.service.deleteAccount("alice", "admin"))
        self.a.turns()
        self.down()
        self.assertEqual(self.loginOnB("sesame"), b"srv: ERROR 03\n")

    def test_missedChanges(self) -> None:
        """
        A node that may have missed changes (its bus was away) reads the
        store again, and drops every credential it kept.
        """
        persistence = self.b.service.persistence
        assert persistence is not None
        self.successResultOf(sharing.reload(persistence))
        self.down()
        self.assertEqual(self.loginOnB("sesame"), b"srv: ERROR 03\n")

    def test_busAway(self) -> None:
        """
        While Redis is away, C{b} could not hear a change made on C{a}: it
        decides nothing from what it kept (C{03}); once the link is back,
        what it kept before goes (C{03}), and a sign-in then keeps anew.
        """
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()
        self.down()
        self.assertEqual(self.loginOnB("sesame"), b"srv: ERROR 03\n")
        self.store.down.clear()
        self.redis.down = False
        for node in (self.a, self.b):
            node.bridge.linkUp()
        self.b.turns()
        self.down()
        self.assertEqual(self.loginOnB("sesame"), b"srv: ERROR 03\n")
        self.store.down.clear()
        self.assertTrue(self.loginOnB("sesame").startswith(b"srv: OKAY!\n"))
        self.down()
        self.assertTrue(self.loginOnB("sesame").startswith(b"srv: OKAY!\n"))

    def test_firstLinkDrops(self) -> None:
        """
        A node keeps nothing it read before it first linked to Redis (it
        could not hear changes made elsewhere then).
        """
        accounts = Accounts(self.store, self.clock)
        late = FakeNode(
            self, self.redis, "c", sharedStore=True, store=self.store, accounts=accounts
        )
        accounts.kept.keep("alice", Credentials("alice", "a hash read before the link"))
        late.start()
        self.assertEqual(len(accounts.kept), 0)
