"""
Tests for the cluster-wide claim of an account proven under another
nickname (L{chatd.core.accountclaim}, L{chatd.cluster.claims}): IRC's
SASL after registration and NickServ's C{IDENTIFY} typed at the same
moment on two nodes (or one of them and a TCHAT C{LOGIN} under the
account's name) let exactly one in, the other told the account is signed
in on another server; the claim lives in Redis's claim space of the
account's name while the account is signed in on its node, and is given
back when its last connection there leaves, or expires with the node.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from twisted.internet.testing import StringTransport

from chatd.cluster.barrier import WAIT
from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from tests.support.fakenode import FakeNode
from tests.support.helpers import SIGNED_IN_ELSEWHERE, connect, output
from tests.support.outagenodes import SharedNodesCase

#: SASL PLAIN's lines for bob's password.
SASL = [b"AUTHENTICATE PLAIN", b"AUTHENTICATE " + base64.b64encode(b"\0bob\0secret1")]
#: NickServ's sign-in to bob.
IDENTIFY = [b"PRIVMSG NickServ :IDENTIFY bob secret1"]
#: Where Redis keeps the claim of bob's name, and so of his account.
BOB = "chatd:nick:bob"


class Typed:
    """A connection to a node: what it is sent, and what it was told since."""

    def __init__(self, proto: Any, transport: StringTransport, case: SharedNodesCase) -> None:
        self.proto, self.transport, self.case = proto, transport, case

    def send(self, *lines: bytes) -> None:
        """C{lines}, received in this reactor turn (nothing else runs)."""
        self.proto.dataReceived(b"".join(line + b"\r\n" for line in lines))

    def said(self) -> str:
        return output(self.transport, self.case.clock).decode()


class SignInNodes(SharedNodesCase):
    """
    Nodes C{a} and C{b} sharing one database; bob and carol registered,
    signed in nowhere.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.a, "bob", "secret1")
        self.registerOn(self.a, "carol", "secret2")
        self.settle()

    def guest(self, node: FakeNode, nick: str, password: bytes = b"", late: bool = False) -> Typed:
        """
        An IRC connection to C{node}, registered as C{nick} (a guest, or
        with C{password} the account's owner), SASL on; C{late}: another
        node does not answer, so the login waits out its round (L{WAIT}).
        """
        factory = IRCFactory(
            node.service, self.clock, floodBurst=None, aliveAfter=60, accountRegistration=True
        )
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        typed = Typed(proto, transport, self)
        if password:
            typed.send(b"PASS " + password)
        typed.send(b"CAP LS 302", b"CAP REQ :sasl", b"NICK " + nick.encode(), b"USER z 0 * :Z")
        typed.send(b"CAP END")
        self.settle()
        if late:
            self.clock.advance(WAIT)
            self.settle()
        self.assertIn(f" 001 {nick} ", typed.said())
        return typed

    def tchat(self, node: FakeNode) -> Typed:
        """A TCHAT connection to C{node}, past its greeting."""
        factory = TchatFactory(node.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        typed = Typed(proto, transport, self)
        typed.said()
        return typed

    def signedInTo(self, node: FakeNode, typed: Typed) -> bool:
        participant = typed.proto.participant
        return node.service.accountName(participant) == "bob"


class AccountClaimTests(SignInNodes):
    """
    Two sign-ins to bob at the same moment on two nodes.
    """

    def assertOneIrcWins(self, lines: list[bytes]) -> tuple[str, str]:
        """
        A guest on C{a} (zed) and one on C{b} (zoe) send C{lines} in one
        reactor turn: exactly one is signed in to bob, the other told he is
        signed in on another server.  Gives what the winner and the loser
        were told.
        """
        zed, zoe = self.guest(self.a, "zed"), self.guest(self.b, "zoe")
        zed.send(*lines)
        zoe.send(*lines)
        self.settle()
        said = [zed.said(), zoe.said()]
        signedIn = [self.signedInTo(self.a, zed), self.signedInTo(self.b, zoe)]
        self.assertEqual(sorted(signedIn), [False, True], said)
        winner, loser = said if signedIn[0] else said[::-1]
        self.assertIn(" 900 ", winner)
        self.assertNotIn(" 900 ", loser)
        self.assertIn(SIGNED_IN_ELSEWHERE, loser)
        return winner, loser

    def test_saslAfterRegistrationOnTwoNodes(self) -> None:
        """
        SASL after registration to bob, typed at the same moment on two
        nodes: one is signed in (C{900}, C{903}), the other refused with
        C{904} and why.
        """
        winner, loser = self.assertOneIrcWins(SASL)
        self.assertIn(" 903 ", winner)
        self.assertRegex(
            loser, " 904 (zed|zoe) :SASL authentication failed: " + re.escape(SIGNED_IN_ELSEWHERE)
        )

    def test_identifyOnTwoNodes(self) -> None:
        """
        NickServ's C{IDENTIFY bob}, typed at the same moment on two nodes:
        one is signed in, the other told bob is signed in on another
        server.
        """
        self.assertOneIrcWins(IDENTIFY)

    def test_signInAndLoginOnTwoNodes(self) -> None:
        """
        SASL after registration to bob on C{a} and TCHAT's C{LOGIN bob} on
        C{b} at the same moment, C{b} slow to read what C{a} says (its
        login goes on past the round it waits for without having heard
        C{a}'s sign-in): the sign-in on C{a}, which claimed bob first, is
        in; the login on C{b} is refused (C{ERROR 23}), as a second login
        to bob is.
        """
        zed, login = self.guest(self.a, "zed"), self.tchat(self.b)
        self.b.hold()
        zed.send(*SASL)
        login.send(b"clt: LOGIN bob secret1")
        self.settle()
        self.clock.advance(WAIT)  # b's login waited for a's answer long enough
        self.settle()
        self.b.release()
        self.settle()
        irc, tchat = zed.said(), login.said()
        self.assertIn(" 900 zed ", irc)
        self.assertEqual(tchat, "srv: ERROR 23\n")
        self.assertTrue(self.signedInTo(self.a, zed))
        self.assertIsNone(self.b.service.find("bob"))
        self.assertEqual(self.redis.cmd_GET(BOB), "a")  # a holds bob's claim


class ClaimLifeTests(SignInNodes):
    """
    The claim of bob's account signed in under another nickname, in Redis.
    """

    def zedAsBob(self) -> Typed:
        """zed, a guest on C{a}, signs in to bob with SASL."""
        zed = self.guest(self.a, "zed")
        zed.send(*SASL)
        self.settle()
        self.assertIn(" 903 zed ", zed.said())
        return zed

    def loginOnB(self) -> str:
        """What TCHAT's C{LOGIN bob} with his password is answered on C{b}."""
        login = self.tchat(self.b)
        login.send(b"clt: LOGIN bob secret1")
        self.settle()
        return login.said()

    def beats(self, seconds: int) -> None:
        for _ in range(seconds):
            self.clock.advance(1)
            self.settle()

    def test_heldWhileSignedIn(self) -> None:
        """
        bob signed in on C{a} as zed: C{a} holds the claim of bob's name,
        renewed by its heartbeat past the claims' lifetime; when zed
        leaves, it is given back at once, and bob logs in on C{b}.
        """
        zed = self.zedAsBob()
        self.assertEqual(self.redis.cmd_GET(BOB), "a")
        self.beats(5)  # past the TTL (3 s)
        self.assertEqual(self.redis.cmd_GET(BOB), "a")
        zed.send(b"QUIT :bye")
        self.settle()
        self.assertIsNone(self.redis.cmd_GET(BOB))
        self.assertTrue(self.loginOnB().startswith("srv: OKAY!"))

    def test_expiresWithItsNode(self) -> None:
        """
        The node where bob is signed in as zed dies: his account's claim
        expires with its heartbeat, and bob logs in on C{b}.
        """
        self.zedAsBob()
        self.a.crash()
        self.beats(6)  # past the TTL: a is counted dead
        self.assertIsNone(self.redis.cmd_GET(BOB))
        self.assertTrue(self.loginOnB().startswith("srv: OKAY!"))

    def test_otherAccountGivesItBack(self) -> None:
        """
        zed, signed in to bob, signs in to carol (SASL again): bob's claim
        is given back, carol's taken.
        """
        zed = self.zedAsBob()
        plain = base64.b64encode(b"\0carol\0secret2")
        zed.send(b"AUTHENTICATE PLAIN", b"AUTHENTICATE " + plain)
        self.settle()
        self.assertIn(" 903 zed ", zed.said())
        self.assertIsNone(self.redis.cmd_GET(BOB))
        self.assertEqual(self.redis.cmd_GET("chatd:nick:carol"), "a")

    def test_renameKeepsTheAccountsClaim(self) -> None:
        """
        bob, logged in on C{b} under his name, renames to bobo: C{b} keeps
        his account's claim (bob is still signed in), and a sign-in to bob
        on C{a} that has not heard of him is refused by it; he renames
        back to bob, the claim his already.
        """
        zed = self.guest(self.a, "zed")
        self.a.hold()  # a hears nothing of bob
        bob = self.guest(self.b, "bob", b"secret1", late=True)
        bob.send(b"NICK bobo")
        self.settle()
        self.assertIn(":bob!z@user/bob NICK :bobo", bob.said())
        self.assertEqual(self.redis.cmd_GET(BOB), "b")
        zed.send(*SASL)
        self.settle()
        self.assertIn(f" 904 zed :SASL authentication failed: {SIGNED_IN_ELSEWHERE}", zed.said())
        self.assertIsNone(self.a.service.accountName(zed.proto.participant))
        self.a.release()
        bob.send(b"NICK bob")
        self.settle()
        self.assertIn(":bobo!z@user/bob NICK :bob", bob.said())
        self.assertEqual(self.redis.cmd_GET(BOB), "b")
