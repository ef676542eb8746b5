"""
Tests for an account signed in on one node under another nickname than
its own (L{chatd.core.joining.Joining.holderOf}): a login that waited, a
rename, and an always-on account's stand-in all find it by its account,
not by the name typed, so the account is live on one node only.
"""

from __future__ import annotations

import base64
from typing import Any

from twisted.internet.testing import StringTransport

from chatd.cluster.remote import RemoteParticipant
from chatd.core.alwayson import KEEP_PRESENT_EVERY
from chatd.core.participant import IParticipant
from chatd.core.person import Person
from chatd.irc.factory import IRCFactory
from chatd.testing import RecordingParticipant
from tests.support.fakenode import FakeNode
from tests.support.helpers import SIGNED_IN_ELSEWHERE, connect, output, refusedElsewhere
from tests.support.loginsona import LoginsOnACase


class RenamedHolderTests(LoginsOnACase):
    """
    Nodes C{a} and C{b} sharing one database; bob registered, signed in
    nowhere yet.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.b, "bob", "secret1")

    def bobOnB(self, nick: str = "bobo") -> RecordingParticipant:
        """bob signs in on C{b} and goes by C{nick} there."""
        bob = RecordingParticipant()
        self.b.service.connect(bob)
        self.successResultOf(self.b.outcome(self.b.service.login, bob, "bob", "secret1"))
        self.settle()
        self.successResultOf(self.b.outcome(self.b.service.rename, bob, nick))
        self.settle()
        return bob

    def signedInOn(self, node: FakeNode) -> list[IParticipant]:
        """Those of C{node}'s own that are signed in to bob's account."""
        proven = node.service.people.accounts.signedIn("bob")
        return [each for each in proven if not isinstance(each, RemoteParticipant)]

    def assertLiveOnBOnly(self) -> None:
        """bob's account is signed in on C{b} only: nobody on C{a} proved it."""
        self.assertEqual(self.signedInOn(self.a), [])
        self.assertNotIsInstance(self.a.service.find("bob"), Person)
        self.assertNotEqual(self.signedInOn(self.b), [])

    def test_heldLoginSignedInMeanwhile(self) -> None:
        """
        SASL before registration proves bob's password on C{a}, and waits
        for C{CAP END}; meanwhile bob signs in on C{b} and takes another
        nickname: the login, once it goes on, is refused as signed in on
        another server, not admitted as a second bob.
        """
        irc, transport = self.saslBeforeRegistration(b"secret1")
        output(transport, self.clock)
        self.bobOnB()
        irc.dataReceived(b"CAP END\r\n")
        self.settle()
        said = output(transport, self.clock).decode()
        self.assertIn(f" 433 bob bob :{SIGNED_IN_ELSEWHERE}", said)
        self.assertNotIn(" 001 bob ", said)
        self.assertLiveOnBOnly()

    def test_alwaysOnRenamedNotPutBack(self) -> None:
        """
        bob, always on, signed in on C{b} as C{bobo}: no node puts his
        account back as present with no connection (the rounds that put
        back the always-on accounts no node has): it is live on C{b} alone.
        """
        bob = self.bobOnB("bob")
        alwaysOn = self.b.service.persistence.alwaysOn  # type: ignore[union-attr]
        self.assertTrue(self.successResultOf(alwaysOn.set(bob, True)))
        self.successResultOf(self.b.outcome(self.b.service.rename, bob, "bobo"))
        for _ in range(int(4 * (KEEP_PRESENT_EVERY + 1))):
            self.clock.advance(0.25)
            self.settle()
        self.assertLiveOnBOnly()
        self.assertIsNone(self.b.service.find("bob"))

    def test_alwaysOnStandInTakenOver(self) -> None:
        """
        bob, always on, closes his last connection on C{b} under another
        nickname: his person is back there at once under his own name,
        absent, and a login to bob on C{a} makes C{b} let it go: bob is
        live on C{a} alone, under his name.
        """
        bob = self.bobOnB("bob")
        alwaysOn = self.b.service.persistence.alwaysOn  # type: ignore[union-attr]
        self.assertTrue(self.successResultOf(alwaysOn.set(bob, True)))
        self.successResultOf(self.b.outcome(self.b.service.rename, bob, "bobo"))
        self.b.service.disconnect(bob, "bye")
        self.settle()
        self.assertIsInstance(self.b.service.find("bob"), Person)
        said = self.tchatLogin(b"clt: LOGIN bob secret1")
        self.assertTrue(said.startswith(b"srv: OKAY!\n"), said)
        self.assertIsInstance(self.a.service.find("bob"), Person)
        self.assertIsInstance(self.b.service.find("bob"), RemoteParticipant)
        self.assertEqual(self.signedInOn(self.b), [])

    def identifiedOnB(self) -> None:
        """
        bob signs in on C{b} from an IRC connection registered as the guest
        C{bobo} (NickServ's C{IDENTIFY}): other nodes see C{bobo} signed in
        to bob's account in its profile only (no proof of its name).
        """
        self.identify(*self.guestOn(self.b, b"bobo"))

    def guestOn(self, node: FakeNode, nick: bytes) -> tuple[Any, StringTransport]:
        """An IRC connection registered on C{node} as the guest C{nick}."""
        factory = IRCFactory(node.service, self.clock, floodBurst=None, accountRegistration=True)
        irc, transport = connect(factory, self.clock)
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(b"NICK " + nick + b"\r\nUSER z 0 * :Z\r\n")
        self.settle()
        self.assertIn(b" 001 ", output(transport, self.clock))
        return irc, transport

    def identify(self, irc: Any, transport: StringTransport) -> None:
        """C{irc} signs in to bob's account with NickServ's C{IDENTIFY}."""
        irc.dataReceived(b"PRIVMSG NickServ :IDENTIFY bob secret1\r\n")
        self.settle()
        self.assertIn(" 900 ", output(transport, self.clock).decode())

    def test_ownNameRefusedWhileHeldElsewhere(self) -> None:
        """
        zed on C{a} and bobo on C{b} sign in to bob's account at the same
        moment, before either node heard of the other's: bobo, whose node
        claimed the account first, is signed in; zed is told bob is signed
        in on another server, and may not take bob's name then; the name
        stays free on both nodes.
        """
        zed, onA = self.guestOn(self.a, b"zed")
        bobo, onB = self.guestOn(self.b, b"bobo")
        self.a.hold()
        self.identify(bobo, onB)
        zed.dataReceived(b"PRIVMSG NickServ :IDENTIFY bob secret1\r\n")
        self.settle()
        said = output(onA, self.clock).decode()
        self.assertIn(SIGNED_IN_ELSEWHERE, said)
        self.assertNotIn(" 900 ", said)
        self.a.release()
        self.settle()
        zed.dataReceived(b"NICK bob\r\n")
        self.settle()
        said = output(onA, self.clock).decode()
        self.assertNotIn(" NICK ", said)
        self.assertIsNone(self.a.service.find("bob"))
        self.assertIsNone(self.b.service.find("bob"))
        self.assertEqual(self.signedInOn(self.a), [])
        self.assertNotEqual(self.signedInOn(self.b), [])

    def test_identifiedElsewhereHolds(self) -> None:
        """
        bob signed in on C{b} as the guest C{bobo} by C{IDENTIFY} holds his
        account: a login to it on C{a} is refused as signed in on another
        server once the password is proven (TCHAT; IRC's SASL after
        registration), a wrong one is a wrong password.
        """
        self.identifiedOnB()
        self.assertEqual(self.tchatLogin(b"clt: LOGIN bob wrong"), b"srv: ERROR 22\n")
        tchat = self.tchatLogin(b"clt: LOGIN bob secret1")
        self.assertTrue(refusedElsewhere(tchat), tchat)
        plain = b"AUTHENTICATE " + base64.b64encode(b"\0bob\0secret1")
        irc, transport = self.irc(b"CAP LS 302", b"CAP REQ :sasl", b"NICK zoe", b"USER z 0 * :Z")
        irc.dataReceived(b"CAP END\r\nAUTHENTICATE PLAIN\r\n" + plain + b"\r\n")
        self.settle()
        said = output(transport, self.clock).decode()
        self.assertIn(f" 904 zoe :SASL authentication failed: {SIGNED_IN_ELSEWHERE}", said)
        self.assertLiveOnBOnly()

    def assertGuestRenameRefused(self) -> None:
        """
        A guest on C{a} may not take bob's name: it is refused as a login
        without the password is (C{464}), and nothing says where bob is.
        """
        irc, transport = self.irc(b"NICK zed", b"USER z 0 * :Z")
        output(transport, self.clock)
        irc.dataReceived(b"NICK bob\r\n")
        self.settle()
        said = output(transport, self.clock).decode()
        self.assertIn(" 464 zed :that nickname is registered: log in with its password", said)
        self.assertIsNone(self.a.service.find("bob"))
        self.assertIsNone(self.b.service.find("bob"))

    def test_guestRenameRefused(self) -> None:
        """
        A guest on C{a} may not take bob's name while bob is signed in on
        C{b} renamed.
        """
        self.bobOnB()
        self.assertGuestRenameRefused()

    def test_guestRenameRefusedIdentified(self) -> None:
        """
        The same with bob signed in on C{b} as the guest C{bobo}.
        """
        self.identifiedOnB()
        self.assertGuestRenameRefused()
