"""
Tests for L{chatd.core.hosts} through IRC: each person's own host, and
client-made bans on it (HexChat's C{*!*@host}, WeeChat's C{*!user@host}).
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred
from twisted.internet.testing import StringTransport

from chatd.core import errors
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.helpers import connect
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.protocolcases import plain


class GuestHostTests(IRCTestCase):
    """
    A guest's host is the cloak of its address.
    """

    def setUp(self) -> None:
        super().setUp()
        self.service.people.hosts.secret = b"a fixed cloak secret, for tests"

    def guestFrom(self, address: str, nick: str) -> tuple[IRCProtocol, StringTransport]:
        """
        An IRC client of C{address}, registered as C{nick} (ident C{nick}).
        """
        proto, transport = connect(self.factory, self.clock, address)
        assert isinstance(proto, IRCProtocol)
        self.assertIn(" 001 ", self.send(proto, transport, f"NICK {nick}", f"USER {nick} 0 * :R"))
        return proto, transport

    def hostOf(self, asker: IRCProtocol, transport: StringTransport, nick: str) -> str:
        """
        C{nick}'s host, as C{asker}'s C{USERHOST} shows it.
        """
        self.read(transport)
        [reply] = self.messages(self.send(asker, transport, f"USERHOST {nick}"))
        return reply.params[1].partition("@")[2]

    def lines(self, text: str) -> list[Message]:
        return [m for m in self.messages(text) if m.command != "PING"]

    def test_twoGuestsTwoHosts(self) -> None:
        """
        Guests of two addresses have two hosts, as every prefix shows them.
        """
        alice, ta = self.guestFrom("192.0.2.1", "alice")
        bob, tb = self.guestFrom("198.51.100.7", "bob")
        aliceHost, bobHost = self.hostOf(bob, tb, "alice"), self.hostOf(alice, ta, "bob")
        self.assertNotEqual(aliceHost, bobHost)
        self.assertRegex(aliceHost, r"^guest-[0-9a-f]{8}\.chatd$")
        self.send(alice, ta, "JOIN #lobby")
        self.send(bob, tb, "JOIN #lobby")
        self.send(alice, ta, "PRIVMSG #lobby :hi")
        [said] = self.lines(self.read(tb))
        self.assertEqual(said.prefix, f"alice!alice@{aliceHost}")

    def test_cloakStableAndHidesTheAddress(self) -> None:
        """
        A guest of one address has the same cloak at each connection, one
        of another address another; the cloak shows nothing of the address.
        """
        watcher, tw = self.guestFrom("203.0.113.9", "watcher")
        first, tf = self.guestFrom("192.0.2.1", "first")
        host = self.hostOf(watcher, tw, "first")
        self.send(first, tf, "QUIT :bye")
        self.guestFrom("192.0.2.1", "again")
        self.assertEqual(self.hostOf(watcher, tw, "again"), host)
        self.guestFrom("192.0.2.2", "other")
        self.assertNotEqual(self.hostOf(watcher, tw, "other"), host)
        for shown in ("192", "0.2.1", "0-2-1", "c000"):  # c0000201: the address in hexadecimal
            self.assertNotIn(shown, host)

    def test_oneIPv6NetworkOneCloak(self) -> None:
        """
        Guests of one IPv6 C{/64} share a cloak; another C{/64} has another.
        """
        watcher, tw = self.guestFrom("203.0.113.9", "watcher")
        self.guestFrom("2001:db8:1:2::10", "one")
        self.guestFrom("2001:db8:1:2:abcd::1", "two")
        self.guestFrom("2001:db8:1:3::10", "three")
        one = self.hostOf(watcher, tw, "one")
        self.assertEqual(self.hostOf(watcher, tw, "two"), one)
        self.assertNotEqual(self.hostOf(watcher, tw, "three"), one)

    def test_hexchatBanHoldsOnePerson(self) -> None:
        """
        HexChat's C{/ban troll} sets C{*!*@<troll's host>}: troll may no
        longer speak (404) nor come back (474); others of other addresses
        speak and enter as before.
        """
        op, to = self.guestFrom("203.0.113.9", "op")
        troll, tt = self.guestFrom("192.0.2.66", "troll")
        bob, tb = self.guestFrom("198.51.100.7", "bob")
        self.send(op, to, "JOIN #club")
        self.send(troll, tt, "JOIN #club")
        self.send(bob, tb, "JOIN #club")
        host = self.hostOf(op, to, "troll")
        self.send(op, to, f"MODE #club +b *!*@{host}")
        self.assertIn(" 404 troll #club ", self.send(troll, tt, "PRIVMSG #club :spam"))
        self.assertNotIn(" 404 ", self.send(bob, tb, "PRIVMSG #club :hello"))
        self.assertIn("PRIVMSG #club :hello", self.read(to))
        self.send(troll, tt, "PART #club")
        self.assertIn(" 474 troll #club ", self.send(troll, tt, "JOIN #club"))
        carol, tc = self.guestFrom("198.51.100.8", "carol")
        self.assertNotIn(" 474 ", self.send(carol, tc, "JOIN #club"))

    def test_weechatBanHoldsAnotherIdent(self) -> None:
        """
        WeeChat's C{/ban troll} sets C{*!troll@<host>}; a ban on the host
        alone holds troll back under another ident and nickname too.
        """
        op, to = self.guestFrom("203.0.113.9", "op")
        troll, tt = self.guestFrom("192.0.2.66", "troll")
        self.send(op, to, "JOIN #club")
        host = self.hostOf(op, to, "troll")
        self.send(op, to, f"MODE #club +b *!troll@{host}")
        self.assertIn(" 474 troll #club ", self.send(troll, tt, "JOIN #club"))
        self.send(troll, tt, "QUIT")
        self.send(op, to, f"MODE #club +b *!*@{host}")
        back, tk = self.guestFrom("192.0.2.66", "newname")
        self.assertIn(" 474 newname #club ", self.send(back, tk, "JOIN #club"))


class AccountHostTests(IRCStoreTestCase):
    """
    One signed in to an account is C{user/<account>} from every device.
    """

    def signedIn(self, address: str, nick: str) -> tuple[IRCProtocol, StringTransport]:
        """
        An IRC client of C{address} signed in to alice with SASL as C{nick}.
        """
        proto, t = connect(self.factory, self.clock, address)
        assert isinstance(proto, IRCProtocol)
        self.send(proto, t, "CAP REQ sasl", f"NICK {nick}", "USER u 0 * :U", "AUTHENTICATE PLAIN")
        told = self.send(proto, t, "AUTHENTICATE " + plain("", "alice", "sesame"), "CAP END")
        self.assertIn("001", self.codes(told))
        return proto, t

    def test_sameHostEverywhere(self) -> None:
        """
        alice's host is C{user/alice} from two connections and addresses,
        and a ban on it holds her from either.
        """
        phone, tp = self.signedIn("192.0.2.1", "alice")
        laptop, tl = self.signedIn("198.51.100.7", "alice")
        op, to = connect(self.factory, self.clock, "203.0.113.9")
        assert isinstance(op, IRCProtocol)
        self.send(op, to, "NICK op", "USER op 0 * :Op")
        [reply] = self.send(op, to, "USERHOST alice")
        self.assertEqual(reply.params[1], "alice=+u@user/alice")
        self.send(op, to, "JOIN #club", "MODE #club +b *!*@user/alice")
        for proto, t in ((phone, tp), (laptop, tl)):
            self.assertIn("474", self.codes(self.send(proto, t, "JOIN #club")))

    def test_otherFrontEnd(self) -> None:
        """
        A ban on C{user/alice} holds alice signed in on another protocol
        too; a guest of the same address is not held.
        """
        op, to = connect(self.factory, self.clock, "203.0.113.9")
        assert isinstance(op, IRCProtocol)
        self.send(
            op, to, "NICK op", "USER op 0 * :Op", "JOIN #club", "MODE #club +b *!*@user/alice"
        )
        alice = self.login("alice", "sesame", address="192.0.2.1")
        self.assertRaises(errors.BannedFromRoom, self.service.enter, alice, "club")
        guest = self.login("guest", address="192.0.2.1")
        entered = self.service.enter(guest, "club")
        self.assertEqual(self.successResultOf(maybeDeferred(lambda: entered)), "club")

    def test_cloakBanHoldsOnceSignedIn(self) -> None:
        """
        A ban on a guest's cloak still holds once that guest signs in to an
        account (its host is then C{user/<account>}): the cloak of its
        address is one of the forms it is matched as.  Someone signed in
        from another address is not held.
        """
        op, to = connect(self.factory, self.clock, "203.0.113.9")
        assert isinstance(op, IRCProtocol)
        self.send(op, to, "NICK op", "USER op 0 * :Op", "JOIN #club")
        cloak = self.service.people.hosts.cloak("192.0.2.66")
        self.send(op, to, f"MODE #club +b *!*@{cloak}")
        evader, te = self.signedIn("192.0.2.66", "alice")
        self.assertIn("474", self.codes(self.send(evader, te, "JOIN #club")))
        elsewhere, tl = self.signedIn("198.51.100.7", "alice2")
        self.assertNotIn("474", self.codes(self.send(elsewhere, tl, "JOIN #club")))

    def test_whowasKeepsTheHost(self) -> None:
        """
        C{WHOWAS} and the C{QUIT} line show the host alice had when she left.
        """
        alice, ta = self.signedIn("192.0.2.1", "alice")
        op, to = connect(self.factory, self.clock, "203.0.113.9")
        assert isinstance(op, IRCProtocol)
        self.send(op, to, "NICK op", "USER op 0 * :Op", "JOIN #club")
        self.send(alice, ta, "JOIN #club")
        self.send(op, to, "PING x")
        self.send(alice, ta, "QUIT :bye")
        told = self.send(op, to, "WHOWAS alice")
        self.assertIn(
            ("u@user/alice", "QUIT"),
            [(m.prefix.partition("!")[2], m.command) for m in told if m.prefix],
        )
        user = next(m for m in told if m.command == "314")  # the latest first
        self.assertEqual(user.params[1:4], ["alice", "u", "user/alice"])
