"""
Tests for a login, through every front-end, to an account signed in on
another node of a cluster (L{chatd.core.login.Logins.checkName}): the
password is checked first, so a wrong one (or none) is refused as a wrong
password, as on an account nobody holds; only the password's owner is
told that the account is signed in on another server, and why (TCHAT in a
notice before C{ERROR 23}).
"""

from __future__ import annotations

import base64
from typing import Any

from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport

from chatd.talk.protocol import TalkFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import SIGNED_IN_ELSEWHERE, connect, output, refusedElsewhere
from tests.support.loginsona import LoginsOnACase
from tests.support.webclient import WebHarness


class SecondDeviceTests(LoginsOnACase):
    """
    Nodes C{a} and C{b} sharing one database; bob registered and signed in
    on C{b} (his first device), which was just heard from.
    """

    def makeClock(self) -> Clock:
        return MemoryReactorClock()  # the web front-end listens on it

    def setUp(self) -> None:
        super().setUp()
        self.registerOn(self.b, "bob", "secret1")
        self.registerOn(self.a, "carol", "secret2")  # an account nobody holds
        self.bob = RecordingParticipant()
        self.b.service.connect(self.bob)
        self.successResultOf(self.b.outcome(self.b.service.login, self.bob, "bob", "secret1"))
        self.settle()
        self.b.service.enter(self.bob, "lobby")  # b heard from a moment ago
        self.settle()

    def sasl(self, password: bytes) -> str:
        """What an IRC client's SASL PLAIN login to bob on C{a} is answered."""
        _, transport = self.saslBeforeRegistration(password)
        return output(transport, self.clock).decode()

    def talk(self, *typed: str) -> list[str]:
        """What each line C{typed} in talk mode on C{a} shows."""
        factory = TalkFactory(self.a.service, self.clock, floodBurst=None)
        proto, terminal = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(terminal, self.clock)  # the greeting
        shown = []
        for line in typed:
            proto.dataReceived(f"{line}\r\n".encode())
            self.settle()
            shown.append(output(terminal, self.clock).decode(errors="replace"))  # telnet IAC
        return shown

    def webLogin(self, password: str) -> dict[str, Any]:
        """The web page's answer to a login to bob on C{a} with C{password}."""
        assert isinstance(self.clock, MemoryReactorClock)
        web = WebHarness(self.a.service, self.clock)
        client = web.connect()
        client.send(type="login", nick="bob", password=password)
        web.flush()
        self.settle()
        web.flush()
        [reply] = [frame for frame in client.take() if frame["type"] in ("login", "error")]
        return reply

    def test_tchatWrongPassword(self) -> None:
        """
        A TCHAT LOGIN with a wrong password, or with none, is C{ERROR 22}, as
        for carol's account, which nobody holds: nothing says bob is in.
        """
        self.assertEqual(self.tchatLogin(b"clt: LOGIN carol wrong"), b"srv: ERROR 22\n")
        self.assertEqual(self.tchatLogin(b"clt: LOGIN bob wrong"), b"srv: ERROR 22\n")
        self.assertEqual(self.tchatLogin(b"clt: LOGIN bob"), b"srv: ERROR 22\n")

    def test_tchatRightPasswordTold(self) -> None:
        """
        bob's second device logging in on C{a} over TCHAT is told why in a
        notice, then C{ERROR 23}: not "someone else has this name".
        """
        said = self.tchatLogin(b"clt: LOGIN bob secret1")
        self.assertTrue(refusedElsewhere(said), said)

    def test_ircPassWrongPassword(self) -> None:
        """
        IRC C{PASS} with a wrong password: C{464}, never the C{433} that
        says the account is signed in on another server.
        """
        _, transport = self.irc(b"PASS wrong", b"NICK bob", b"USER bob 0 * :Bob")
        said = output(transport, self.clock).decode()
        self.assertIn(" 464 ", said)
        self.assertNotIn("another server", said)
        self.assertNotIn(" 433 ", said)

    def test_saslWrongPassword(self) -> None:
        """
        SASL with a wrong password: C{904}, as any wrong password; with
        bob's, C{904} says the account is signed in on another server.
        """
        said = self.sasl(b"wrong")
        self.assertIn(" 904 ", said)
        self.assertNotIn("another server", said)
        said = self.sasl(b"secret1")
        self.assertIn(" 904 ", said)
        self.assertIn(SIGNED_IN_ELSEWHERE, said)
        self.assertNotIn(" 903 ", said)

    def test_talkPasswordFirst(self) -> None:
        """
        Talk mode asks bob's password as for any account; a wrong one is a
        wrong password, his own is told why he cannot sign in here.
        """
        shown = self.talk("bob", "wrong", "secret1")
        self.assertIn("bob is a registered nickname.", shown[0])
        self.assertNotIn("another server", shown[0] + shown[1])
        self.assertIn("Sorry, wrong password", shown[1])
        self.assertIn(f"Sorry, {SIGNED_IN_ELSEWHERE}.", shown[2])

    def test_webPasswordFirst(self) -> None:
        """
        The web page: a wrong password is error 22; bob's is error 23 with
        the reason.
        """
        wrong = self.webLogin("wrong")
        self.assertEqual((wrong["type"], wrong["code"]), ("error", 22), wrong)
        right = self.webLogin("secret1")
        self.assertEqual(
            (right["type"], right["code"], right["text"]), ("error", 23, SIGNED_IN_ELSEWHERE)
        )

    def signedInIrc(self, nick: bytes, *lines: bytes) -> str:
        """
        What C{lines} are answered on C{a}, sent by an IRC connection logged
        in as a guest, C{nick} (with SASL on), once registered.
        """
        irc, transport = self.irc(
            b"CAP LS 302", b"CAP REQ :sasl", b"NICK " + nick, b"USER z 0 * :Z"
        )
        irc.dataReceived(b"CAP END\r\n")
        self.settle()
        self.assertIn(" 001 ", output(transport, self.clock).decode())
        irc.dataReceived(b"".join(line + b"\r\n" for line in lines))
        self.settle()
        return output(transport, self.clock).decode()

    def test_saslAgainPasswordFirst(self) -> None:
        """
        SASL after registration (reauthentication) to bob, signed in on
        C{b}: a wrong password is C{904} as any wrong password, never that
        bob is signed in on another server; bob's own says why.
        """
        plain = b"AUTHENTICATE " + base64.b64encode(b"\0bob\0wrong")
        said = self.signedInIrc(b"zed", b"AUTHENTICATE PLAIN", plain)
        self.assertIn(" 904 ", said)
        self.assertNotIn("another server", said)
        self.assertNotIn("elsewhere", said)
        plain = b"AUTHENTICATE " + base64.b64encode(b"\0bob\0secret1")
        said = self.signedInIrc(b"zoe", b"AUTHENTICATE PLAIN", plain)
        self.assertIn(" 904 ", said)
        self.assertIn(SIGNED_IN_ELSEWHERE, said)
        self.assertNotIn(" 900 ", said)

    def test_nickservIdentifyPasswordFirst(self) -> None:
        """
        NickServ's C{IDENTIFY bob} from a logged-in connection: a wrong
        password is a wrong password; bob's own is told he is signed in on
        another server.
        """
        said = self.signedInIrc(b"zed", b"PRIVMSG NickServ :IDENTIFY bob wrong")
        self.assertNotIn("another server", said)
        self.assertNotIn("elsewhere", said)
        self.assertIn("assword", said)
        said = self.signedInIrc(b"zoe", b"PRIVMSG NickServ :IDENTIFY bob secret1")
        self.assertIn(SIGNED_IN_ELSEWHERE, said)
        self.assertNotIn(" 900 ", said)

    def assertGuestOnA(self, irc: Any, transport: StringTransport, nick: str) -> None:
        """
        C{irc}, registered as C{nick} on C{a}, is a guest: no account in
        C{WHOIS} (no C{330}), not bob's host, and a channel it creates has
        no founder, as a guest's.
        """
        said = output(transport, self.clock).decode()
        self.assertIn(f" 001 {nick} ", said)
        self.assertNotIn("user/bob", said)
        self.assertIsNone(self.a.service.accountName(irc.participant))
        irc.dataReceived(f"WHOIS {nick}\r\nJOIN #fresh\r\n".encode())
        self.settle()
        said = output(transport, self.clock).decode()
        self.assertIn(" 311 ", said)
        self.assertNotIn(" 330 ", said)
        self.assertNotIn("user/bob", said)
        self.assertIn(f" 366 {nick} #fresh ", said)
        self.assertEqual(self.a.service.registry.get("fresh").settings.founder, "")

    def test_saslRefusedLeavesGuest(self) -> None:
        """
        SASL with bob's password, refused (C{904}) because bob is signed in
        on C{b}: after C{CAP END} the connection is a guest, not signed in
        to bob's account under the nickname it asked for.
        """
        plain = base64.b64encode(b"\0bob\0secret1")
        irc, transport = self.irc(
            b"CAP LS 302",
            b"NICK bobby",
            b"USER b 0 * :B",
            b"CAP REQ :sasl account-notify extended-join",
            b"AUTHENTICATE PLAIN",
            b"AUTHENTICATE " + plain,
        )
        said = output(transport, self.clock).decode()
        self.assertIn(f" 904 bobby :SASL authentication failed: {SIGNED_IN_ELSEWHERE}", said)
        irc.dataReceived(b"CAP END\r\n")
        self.settle()
        self.assertGuestOnA(irc, transport, "bobby")

    def test_passRefusedThenOtherNickIsGuest(self) -> None:
        """
        C{PASS} with bob's password and C{NICK bob}, refused (C{433} with
        why) because bob is signed in on C{b}; a C{NICK} nobody registered
        next comes in as a guest, not as bob's account under that name.
        """
        irc, transport = self.irc(b"PASS secret1", b"NICK bob", b"USER b 0 * :B")
        said = output(transport, self.clock).decode()
        self.assertIn(f" bob :{SIGNED_IN_ELSEWHERE}", said)
        self.assertIn(" 433 ", said)
        irc.dataReceived(b"NICK bob2\r\n")
        self.settle()
        self.assertGuestOnA(irc, transport, "bob2")

    def renameBob(self) -> None:
        """bob, on C{b}, goes by C{bobo} now: still signed in to bob's account."""
        self.successResultOf(self.b.outcome(self.b.service.rename, self.bob, "bobo"))
        self.settle()

    def test_renamedHolderLoginRefused(self) -> None:
        """
        bob signed in on C{b} under another nickname still holds his
        account: a login to it on C{a} is refused as signed in on another
        server (TCHAT, IRC's SASL, the web page), once the password is
        proven; a wrong one is a wrong password.
        """
        self.renameBob()
        self.assertEqual(self.tchatLogin(b"clt: LOGIN bob wrong"), b"srv: ERROR 22\n")
        tchat = self.tchatLogin(b"clt: LOGIN bob secret1")
        self.assertTrue(refusedElsewhere(tchat), tchat)
        said = self.sasl(b"secret1")
        self.assertIn(f" 904 bob :SASL authentication failed: {SIGNED_IN_ELSEWHERE}", said)
        self.assertNotIn(" 903 ", said)
        right = self.webLogin("secret1")
        self.assertEqual((right["type"], right["code"]), ("error", 23), right)

    def test_renamedHolderSignInRefused(self) -> None:
        """
        SASL after registration, or NickServ's C{IDENTIFY}, to bob, signed
        in on C{b} as C{bobo}: refused as signed in on another server, the
        connection staying a guest.
        """
        self.renameBob()
        plain = b"AUTHENTICATE " + base64.b64encode(b"\0bob\0secret1")
        said = self.signedInIrc(b"zoe", b"AUTHENTICATE PLAIN", plain)
        self.assertIn(f" 904 zoe :SASL authentication failed: {SIGNED_IN_ELSEWHERE}", said)
        self.assertNotIn(" 900 ", said)
        said = self.signedInIrc(b"zed", b"PRIVMSG NickServ :IDENTIFY bob secret1")
        self.assertIn(SIGNED_IN_ELSEWHERE, said)
        self.assertNotIn(" 900 ", said)
