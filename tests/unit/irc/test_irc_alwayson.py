"""
IRC's C{ALWAYSON} (L{chatd.irc.alwayson}): an account reads and changes its
always-on setting; the channels stay joined, away, after it quits; when it
comes back its client is put back in them with what it missed.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.protocolcases import plain


class AlwaysOnCommandTests(IRCStoreTestCase):
    def signIn(
        self, nick: str = "alice", password: str | None = "sesame"
    ) -> tuple[IRCProtocol, StringTransport]:
        proto, transport = self.client()
        lines = ["CAP LS 302", "CAP REQ :away-notify", f"NICK {nick}", f"USER {nick} 0 * :X"]
        if password is not None:
            lines.insert(2, f"PASS {password}")
        self.send(proto, transport, *lines, "CAP END")
        return proto, transport

    def answers(self, messages: list[Message]) -> list[list[str]]:
        return [[m.command, *m.params] for m in messages if m.command in ("NOTE", "FAIL")]

    def test_readAndChange(self) -> None:
        """
        C{ALWAYSON} says the setting; C{ON} and C{OFF} change it, in any
        case, and a later C{ALWAYSON} reads it back.
        """
        alice, t = self.signIn()
        [[command, verb, state, _]] = self.answers(self.send(alice, t, "ALWAYSON"))
        self.assertEqual((command, verb, state), ("NOTE", "ALWAYSON", "OFF"))
        [[_, _, state, _]] = self.answers(self.send(alice, t, "ALWAYSON on"))
        self.assertEqual(state, "ON")
        self.assertEqual(self.successResultOf(self.store.alwaysOnAccounts()), ["alice"])
        [[_, _, state, _]] = self.answers(self.send(alice, t, "ALWAYSON"))
        self.assertEqual(state, "ON")
        [[_, _, state, _]] = self.answers(self.send(alice, t, "ALWAYSON OFF"))
        self.assertEqual(state, "OFF")

    def test_changedElsewhere(self) -> None:
        """
        The account's other IRC connection is told when one changes the
        setting, as its own C{ALWAYSON} would answer.
        """
        alice, t = self.signIn()
        phone, pt = self.signIn()
        self.send(alice, t, "ALWAYSON ON")
        told = self.answers(self.send(phone, pt))
        self.assertEqual([answer[:3] for answer in told], [["NOTE", "ALWAYSON", "ON"]])

    def test_rightAfterRegistering(self) -> None:
        """
        A guest who registers their nickname (NickServ C{REGISTER}) has just
        set its password: they may make the account always on at once.
        """
        self.factory = IRCFactory(
            self.service, self.clock, floodBurst=None, accountRegistration=True
        )
        carol, t = self.signIn("carol", password=None)
        self.send(carol, t, "PRIVMSG NickServ :REGISTER sesame1")
        [[command, _, state, _]] = self.answers(self.send(carol, t, "ALWAYSON ON"))
        self.assertEqual((command, state), ("NOTE", "ON"))
        self.assertEqual(self.successResultOf(self.store.alwaysOnAccounts()), ["carol"])

    def test_refused(self) -> None:
        """
        A guest gets C{FAIL ALWAYSON ACCOUNT_REQUIRED}; a word other than
        ON and OFF gets C{INVALID_PARAMS}; C{HELP ALWAYSON} explains it.
        """
        guest, t = self.signIn("carol", None)
        [fail] = self.answers(self.send(guest, t, "ALWAYSON ON"))
        self.assertEqual(fail[:3], ["FAIL", "ALWAYSON", "ACCOUNT_REQUIRED"])
        alice, ta = self.signIn()
        [fail] = self.answers(self.send(alice, ta, "ALWAYSON maybe"))
        self.assertEqual(fail[:3], ["FAIL", "ALWAYSON", "INVALID_PARAMS"])
        helped = self.send(alice, ta, "HELP ALWAYSON")
        self.assertIn("ALWAYSON [ON|OFF]", " ".join(m.params[-1] for m in helped))

    def test_quitStaysAndComesBack(self) -> None:
        """
        After C{ALWAYSON ON} and C{QUIT}, bob (with C{away-notify}) sees
        alice go away, not part; C{WHOIS alice} says she is away and still
        logged in to her account (a guest's C{WHOIS} has no C{330}); his
        C{PRIVMSG} is answered with C{301} and waits for her.  Her next
        client is put back in C{#Blabla} (a C{JOIN}), told what she missed,
        and given bob's message, saying when he sent it; bob sees her back.
        """
        alice, ta = self.signIn()
        self.send(alice, ta, "JOIN #Blabla", "ALWAYSON ON")
        bob, tb = self.signIn("bob", None)
        self.send(bob, tb, "JOIN #Blabla")
        self.send(alice, ta, "QUIT :bye")
        alice.connectionLost(None)
        seen = self.send(bob, tb, "WHOIS alice", "PRIVMSG alice :ping")
        self.assertNotIn("PART", self.codes(seen))
        self.assertNotIn("QUIT", self.codes(seen))
        self.assertIn("AWAY", self.codes(seen))
        self.assertEqual(self.codes(seen).count("301"), 2)  # WHOIS, then the PRIVMSG
        [account] = [m.params for m in seen if m.command == "330"]
        self.assertEqual(account[1:3], ["alice", "alice"])  # still signed in to her account
        guest = self.send(bob, tb, "WHOIS bob")
        self.assertNotIn("330", self.codes(guest))
        again, tc = self.client()
        back = self.send(
            again, tc, "CAP LS 302", "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END"
        )
        self.clock.advance(0)
        joins = [m.params[0] for m in back if m.command == "JOIN"]
        self.assertEqual(sorted(joins), ["#Blabla", "#Général"])  # Général: at registration
        privmsgs = [m.params for m in back if m.command == "PRIVMSG"]
        self.assertIn(["alice", "[sent 2023-11-14 22:13 UTC] ping"], privmsgs)  # no server-time
        [returned] = [m for m in self.send(bob, tb) if m.command == "AWAY"]
        self.assertEqual(returned.params, [])

    def alwaysOnAway(self) -> tuple[IRCProtocol, StringTransport]:
        """
        Alice, always on in C{#club}, has quit; bob is there with her.
        """
        alice, ta = self.signIn()
        self.send(alice, ta, "JOIN #club", "ALWAYSON ON")
        bob, tb = self.signIn("bob", None)
        self.send(bob, tb, "JOIN #club")
        self.send(alice, ta, "QUIT :bye")
        alice.connectionLost(None)
        self.send(bob, tb)
        return bob, tb

    def test_saslComesBackUnderItsName(self) -> None:
        """
        A client that asks for C{alice} while negotiating capabilities,
        then proves her account with SASL before C{CAP END}, is put back
        under her name: no C{433} at C{NICK}, C{001 alice}, and bob sees
        her back (C{AWAY}), not renamed.
        """
        bob, tb = self.alwaysOnAway()
        again, t = self.client()
        told = self.send(again, t, "CAP LS 302", "NICK alice", "USER alice 0 * :A", "CAP REQ :sasl")
        told += self.send(again, t, "AUTHENTICATE PLAIN")
        told += self.send(again, t, "AUTHENTICATE " + plain("", "alice", "sesame"), "CAP END")
        self.assertNotIn("433", self.codes(told))
        [welcome] = [m for m in told if m.command == "001"]
        self.assertEqual(welcome.params[0], "alice")
        seen = self.send(bob, tb)
        self.assertNotIn("NICK", self.codes(seen))
        self.assertIn("AWAY", self.codes(seen))

    def test_heldUnproven(self) -> None:
        """
        Without proving her account by C{CAP END}, the client is told
        C{433} then, and registers under the next nickname it asks for.
        """
        self.alwaysOnAway()
        other, t = self.client()
        told = self.send(other, t, "CAP LS 302", "NICK alice", "USER x 0 * :X")
        self.assertNotIn("433", self.codes(told))
        told = self.send(other, t, "CAP END")
        self.assertEqual(self.codes(told), ["433"])
        self.assertEqual(told[0].params[:2], ["*", "alice"])
        [welcome] = [m for m in self.send(other, t, "NICK carol") if m.command == "001"]
        self.assertEqual(welcome.params[0], "carol")

    def test_heldWithoutCap(self) -> None:
        """
        A client that does not negotiate capabilities is told C{433} at
        C{NICK}, as before.
        """
        self.alwaysOnAway()
        other, t = self.client()
        self.assertEqual(self.codes(self.send(other, t, "NICK alice")), ["433"])
