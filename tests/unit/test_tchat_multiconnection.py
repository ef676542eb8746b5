"""
TCHAT connections of one account signed in at once: LOGIN with the
password joins the person; what it does from one connection comes to the
other as the documented events about oneself (docs/PROTOCOL.md).
"""

from __future__ import annotations

from chatd.testing import settled
from tests.support.tchatstorecase import TchatStoreTestCase


class TchatSeveralConnectionsTests(TchatStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.clock.advance(0)
        self.registered("alice", "sesame")

    def test_eventsAboutOneself(self) -> None:
        """
        A second LOGIN with the password is OKAY!; ENTER, SPEAK, MSGPV and
        LEAVE from one connection come to the other as ENTER, SPEAK, MSGPV
        and LEAVE lines from oneself; the other member sees one ENTER and
        one LEAVE.
        """
        one, t1 = self.connectAs("alice", "sesame")
        two, t2 = self.connectAs("alice", "sesame")
        bob, tb = self.connectAs("bob")
        self.send(bob, tb, "clt: CREAT den", "clt: ENTER den")
        self.assertEqual(self.send(one, t1, "clt: ENTER den"), b"srv: OKAY!\n")
        self.assertEqual(self.send(two, t2), b"srv: ENTER den alice 1700000000\n")
        self.assertEqual(self.send(bob, tb), b"srv: ENTER den alice 1700000000\n")
        self.send(
            one, t1, "clt: SPEAK den", "clt: hi", "clt: .", "clt: MSGPV bob", "clt: psst", "clt: ."
        )
        self.assertEqual(
            self.send(two, t2),
            b"srv: SPEAK alice den 1700000000\nsrv: hi\nsrv: .\n"
            b"srv: MSGPV alice 1700000000\nsrv: psst\nsrv: .\n",
        )
        self.send(bob, tb)
        self.assertEqual(self.send(two, t2, "clt: LEAVE den"), b"srv: OKAY!\n")
        self.assertEqual(self.send(one, t1), b"srv: LEAVE den alice 1700000000\n")
        self.assertEqual(self.send(bob, tb), b"srv: LEAVE den alice 1700000000\n")

    def test_toldItsNickname(self) -> None:
        """
        A LOGIN that joins its account under another nickname is told that
        nickname, after its OKAY!; when its person is renamed later (from
        another connection), it is told its new one before the LEAVE and
        ENTER lines its groups show.
        """
        one, t1 = self.connectAs("alice", "sesame")
        self.successResultOf(settled(self.service.rename(one, "renamed1")))
        two, t2 = self.connectAs("alice", "sesame")
        self.assertTrue(
            self.loginReply.startswith(
                b"srv: OKAY!\nsrv: NOTICE 1700000000\n"
                b"srv: you are renamed1 (your account's nickname on its other connections)\n"
                b"srv: .\n"
            ),
            self.loginReply,
        )
        self.assertIn(b"srv: renamed1\n", self.send(two, t2, "clt: LSMEM G\u00e9n\u00e9ral"))
        self.successResultOf(settled(self.service.rename(one, "again2")))
        self.assertEqual(
            self.send(two, t2),
            b"srv: NOTICE 1700000000\nsrv: you are now again2\nsrv: .\n"
            + "srv: LEAVE Général renamed1 1700000000\n"
            "srv: ENTER Général again2 1700000000\n".encode(),
        )

    def test_sameNicknameNoNotice(self) -> None:
        """
        A LOGIN under the nickname its account has is told nothing more.
        """
        self.connectAs("alice", "sesame")
        self.connectAs("alice", "sesame")
        self.assertNotIn(b"you are alice", self.loginReply)
