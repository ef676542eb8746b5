# -*- test-case-name: tests.unit.irc.test_irc_renamedaccount -*-
"""
An account stays its connection's whatever nickname it takes: a user who
signed in with their password and then renamed is still shown as that
account (by its name as registered, never by its look-alike key), the
rooms they enter are kept for the account, and the rooms they create
belong to it.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.core.delivery import connectionsOf
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.ircstorecase import IRCStoreTestCase


class RenamedAccountTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("emma", "passphrase")  # its key, a look-alike skeleton, is not its name

    def signedIn(self, caps: str = "") -> tuple[IRCProtocol, StringTransport]:
        emma, te = self.client()
        lines = [f"CAP REQ :{caps}", "CAP END"] if caps else []
        self.welcome = self.send(
            emma, te, *lines, "PASS passphrase", "NICK emma", "USER emma 0 * :E"
        )
        return emma, te

    def watcher(self) -> tuple[IRCProtocol, StringTransport]:
        proto, transport = self.client()
        self.send(
            proto, transport, "CAP REQ :account-tag", "CAP END", "NICK watch", "USER w 0 * :W"
        )
        self.send(proto, transport, "JOIN #lobby")
        return proto, transport

    def only(self, messages: list[Message], command: str) -> Message:
        (found,) = [m for m in messages if m.command == command]
        return found

    def test_shownAsTheAccountAfterARename(self) -> None:
        """
        After C{NICK emx}, the rename and the user's messages carry
        C{account=emma}; C{WHOIS} says C{330 ... emx emma} and WHOX's C{%a}
        gives C{emma}.
        """
        watch, tw = self.watcher()
        emma, te = self.signedIn()
        self.send(emma, te, "JOIN #lobby")
        self.send(watch, tw)
        self.send(emma, te, "NICK emx")
        renamed = self.only(self.send(watch, tw), "NICK")
        self.assertEqual((renamed.params, renamed.tags.get("account")), (["emx"], "emma"))
        self.send(emma, te, "PRIVMSG #lobby :still me")
        said = self.only(self.send(watch, tw), "PRIVMSG")
        self.assertEqual(said.tags.get("account"), "emma")
        whois = self.only(self.send(watch, tw, "WHOIS emx"), "330")
        self.assertEqual(whois.params[1:3], ["emx", "emma"])
        who = self.only(self.send(watch, tw, "WHO emx %na"), "354")
        self.assertEqual(who.params[1:], ["emx", "emma"])

    def test_messageJustBeforeARename(self) -> None:
        """
        A message and a rename in one packet: the message, relayed after
        the rename happened, still comes from the sender's own prefix, with
        its account.
        """
        watch, tw = self.watcher()
        emma, te = self.signedIn()
        self.send(emma, te, "JOIN #lobby")
        self.send(watch, tw)
        emma.dataReceived(b"PRIVMSG #lobby :said as emma\r\nNICK emx\r\n")
        self.clock.advance(0)
        said = self.only(self.send(watch, tw), "PRIVMSG")
        self.assertEqual((said.prefix, said.tags.get("account")), ("emma!emma@user/emma", "emma"))

    def test_whoxShowsAnAccountSignedInOnAnotherProtocol(self) -> None:
        """
        WHOX's C{%a} gives the account of a TCHAT user who logged in with
        their password, as C{WHOIS}'s C{330} does.
        """
        watch, tw = self.watcher()
        tchat, tt = connect(TchatFactory(self.service, self.clock, aliveAfter=None), self.clock)
        tchat.dataReceived(b"clt: LOGIN emma passphrase\r\n")
        self.clock.advance(0)
        self.assertIn(b"srv: OKAY!", output(tt, self.clock))
        who = self.only(self.send(watch, tw, "WHO emma %na"), "354")
        self.assertEqual(who.params[1:], ["emma", "emma"])

    def test_loginJoinsTheRenamedPerson(self) -> None:
        """
        A login with the password of an account signed in here under
        another nickname joins that person (its nickname, rooms and limit
        of connections, past which the connection heard from least recently
        makes room), instead of making a second person of the account.
        """
        emma, te = self.signedIn()
        self.send(emma, te, "NICK emx", "JOIN #den")
        self.service.people.maxConnections = 2
        tchat = TchatFactory(self.service, self.clock, aliveAfter=None)
        second, ts = connect(tchat, self.clock)
        second.dataReceived(b"clt: LOGIN emma passphrase\r\n")
        self.clock.advance(0)
        self.assertIn(b"srv: OKAY!", output(ts, self.clock))
        self.assertIsNone(self.service.find("emma"))
        person = self.service.find("emx")
        self.assertEqual(len(connectionsOf(person)), 2)
        self.assertIn("den", self.service.roomsOf(second))
        self.clock.advance(1)
        self.send(emma, te, "PING x")  # heard from: the TCHAT connection is the staler
        third, tt = connect(tchat, self.clock)
        third.dataReceived(b"clt: LOGIN emma passphrase\r\n")
        self.clock.advance(0)
        self.assertIn(b"srv: OKAY!", output(tt, self.clock))  # the account's limit: makes room
        self.assertEqual(output(ts, self.clock), b"srv: ERROR 40\n")
        self.assertIsNone(self.service.find("emma"))
        self.assertEqual(connectionsOf(self.service.find("emx")), [emma, third])

    def test_registerWhenSignedInWithPass(self) -> None:
        """
        IRC's C{REGISTER} from a connection signed in with C{PASS} is
        refused (C{ALREADY_AUTHENTICATED}): it would change the password
        and say an account was created.
        """
        self.factory.accountRegistration = True  # as with a store (tap.py)
        emma, te = self.signedIn()
        before = self.successResultOf(self.store.accountHash("emma"))
        seen = self.send(emma, te, "REGISTER emma * other-passphrase")
        fails = [m.params[:2] for m in seen if m.command == "FAIL"]
        self.assertEqual(fails, [["REGISTER", "ALREADY_AUTHENTICATED"]])
        self.assertEqual(self.successResultOf(self.store.accountHash("emma")), before)

    def test_roomsKeptForTheAccount(self) -> None:
        """
        A room entered under another nickname is stored as the account's:
        the next login with the password puts the user back in it; one it
        left is not.
        """
        emma, te = self.signedIn()
        self.send(emma, te, "NICK emx", "JOIN #kept", "JOIN #dropped")
        self.send(emma, te, "PART #dropped")
        stored = self.successResultOf(self.store.memberships("emma"))
        self.assertEqual(("kept" in stored, "dropped" in stored), (True, False))
        emma.connectionLost(None)
        self.clock.advance(0)
        self.signedIn()
        self.assertIn("#kept", [m.params[0] for m in self.welcome if m.command == "JOIN"])

    def test_roomCreatedUnderAnotherNicknameIsTheAccounts(self) -> None:
        """
        A room created under another nickname lasts once emptied (a guest's
        would vanish), and its founder, the account, is made its operator
        again on entering it, whatever nickname it then has.
        """
        emma, te = self.signedIn()
        self.send(emma, te, "NICK emx", "JOIN #founded", "PART #founded")
        self.assertIsNotNone(self.service.registry.find("founded"))
        self.send(emma, te, "NICK emy")
        names = self.only(self.send(emma, te, "JOIN #founded"), "353")
        self.assertEqual(names.params[-1], "@emy")

    def test_founderOpTimedWithItsJoin(self) -> None:
        """
        The operator status a founder gets on entering its room is stamped
        to the millisecond, as its C{JOIN} is, so it does not sort before it.
        """
        emma, te = self.signedIn()
        self.send(emma, te, "JOIN #founded")
        watcher, tw = self.client()
        self.send(watcher, tw, "CAP REQ server-time", "NICK watch", "USER w 0 * :W", "CAP END")
        self.send(watcher, tw, "JOIN #founded")
        self.send(emma, te, "PART #founded")
        self.clock.advance(0.291)
        self.send(emma, te, "JOIN #founded")
        seen = self.send(watcher, tw)
        join, mode = self.only(seen, "JOIN"), self.only(seen, "MODE")
        self.assertEqual(mode.tags["time"], join.tags["time"])
        self.assertFalse(mode.tags["time"].endswith(".000Z"), mode.tags["time"])
