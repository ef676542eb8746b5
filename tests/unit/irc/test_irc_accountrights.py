"""
What belongs to an account stays the account's when a client signs in to
it under another nickname (SASL with another C{NICK}): its operator rights,
its requests to enter approval rooms, and the console's sanctions of the
nickname it goes by.
"""

from __future__ import annotations

from chatd.admin.commands import AdminConsole, Consoles
from chatd.storage.conversations import Conversation
from tests.support.ircstorecase import IRCStoreTestCase


class AccountRightsTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("kid", "kidpass")

    def console(self) -> AdminConsole:
        return Consoles(self.service)("root")

    def command(self, console: AdminConsole, line: str) -> str:
        reply: str = self.successResultOf(console.execute(line))
        return reply

    def test_operatorRightsFollowTheAccount(self) -> None:
        """
        An account the console made an operator keeps its rights under
        another nickname: its C{KILL} ends the victim's session.
        """
        console = self.console()
        self.command(console, "op kid")
        victim, tv = self.client()
        self.send(victim, tv, "NICK victimz", "USER v 0 * :V")
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal3")
        self.assertEqual(self.service.find("kal3"), self.service.people.personOf(kid))
        self.assertTrue(self.service.isOperator(kid))
        self.assertNotIn("481", self.codes(self.send(kid, tk, "KILL victimz :x")))
        self.assertTrue(tv.disconnecting)
        whois = self.command(console, "whois kal3").splitlines()
        self.assertIn("operator (the account kid)", whois)

    def test_approvalRequestIsTheAccounts(self) -> None:
        """
        A request to enter an approval room made under another nickname is
        the account's: listed and accepted by the account's name or the
        nickname it goes by (not as a guest's), it lasts over a restart, and
        accepting it lets the client in.
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal")
        self.assertEqual(self.codes(self.send(kid, tk, "JOIN #Marketing")), ["473"])
        console = self.console()
        self.assertEqual(
            self.command(console, "pending rooms kid"), "kid waits to enter: Marketing"
        )
        self.assertEqual(  # the nickname it goes by names the account
            self.command(console, "pending rooms kal"), "kid waits to enter: Marketing"
        )
        restarted = self.makeService()
        self.assertIn(("Marketing", "kid"), restarted.pendingRequests())
        reply = self.command(console, "accept pending kal Marketing")
        self.assertEqual(reply, "accepted kid in Marketing")
        joined = self.send(kid, tk)
        self.assertIn(("JOIN", ["#Marketing"]), [(m.command, m.params) for m in joined])

    def test_refusalByTheNickname(self) -> None:
        """
        A request made under another nickname is refused by the nickname
        the account goes by, as it is accepted: the reply names the
        account, and the client, under its nickname, is told.
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal")
        self.send(kid, tk, "JOIN #Marketing")
        reply = self.command(self.console(), "refuse pending kal Marketing full")
        self.assertEqual(reply, "refused kid's request to enter Marketing")
        told = self.send(kid, tk)
        self.assertEqual(
            [("NOTICE", ["kal", "an operator refused your request to enter Marketing: full"])],
            [(m.command, m.params) for m in told],
        )
        self.assertEqual([], self.service.pendingRequests())

    def test_muteOfTheNicknameBindsTheAccount(self) -> None:
        """
        A mute of the nickname an account goes by mutes the account: the
        reply says so, C{whois} of that nickname shows the account and its
        mute, and the account, back with another nickname asked for, is
        still muted (and keeps the account's name, as a muted person does).
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kidalias")
        console = self.console()
        reply = self.command(console, "mute kidalias 30m")
        self.assertEqual(reply, "muted kidalias (the account kid) for 30m")
        whois = self.command(console, "whois kidalias").splitlines()
        self.assertIn("signed in to the account kid", whois)
        self.assertIn("muted by root for 30m more (the account kid)", whois)
        kid.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        again, ta, _ = self.saslAs("kid", "kidpass", "kidalias2")
        self.assertIsNone(self.service.find("kidalias2"))
        self.assertEqual(self.service.accountName(again), "kid")
        self.assertIn("404", self.codes(self.send(again, ta, "PRIVMSG #Général :hello")))
        self.assertEqual(self.command(console, "unmute kid"), "unmuted kid")

    def test_kickOfTheNicknameBindsTheAccount(self) -> None:
        """
        A kick of the nickname an account goes by refuses the account's
        next login, whatever nickname it asks for.
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kiddo")
        reply = self.command(self.console(), "kick kiddo 10m go away")
        self.assertTrue(reply.startswith("kicked kiddo (the account kid) for 10m, until "))
        self.assertTrue(tk.disconnecting)
        again, ta, told = self.saslAs("kid", "kidpass", "kiddo9")
        [refused] = [m for m in told if m.command == "904"]
        self.assertIn("you were kicked", refused.params[-1])
        self.assertIsNone(self.service.accountName(again))  # a guest at most

    def test_mutedAccountsReasonsHeardByNobody(self) -> None:
        """
        While the account is muted, its reason for leaving a room reaches
        nobody, under whatever nickname it goes by.
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal")
        self.send(kid, tk, "JOIN #Blabla")
        watch, tw = self.client()
        self.send(watch, tw, "NICK watch", "USER w 0 * :W", "JOIN #Blabla")
        self.command(self.console(), "mute kid 30m")
        self.send(kid, tk, "PART #Blabla :you are all idiots")
        [part] = [m for m in self.send(watch, tw) if m.command == "PART"]
        self.assertEqual(part.params, ["#Blabla"])

    def test_deopTellsTheAccount(self) -> None:
        """
        C{op} and C{deop} of an account tell the person signed in to it,
        under whatever nickname, that its rights were given, then taken
        away.
        """
        console = self.console()
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal")
        self.command(console, "op kid")
        [told] = [m for m in self.send(kid, tk) if m.command == "NOTICE"]
        self.assertIn("the administrator root made you an operator", told.params[-1])
        self.assertEqual(self.command(console, "deop kid"), "kid is no longer an operator")
        self.assertFalse(self.service.isOperator(kid))
        [told] = [m for m in self.send(kid, tk) if m.command == "NOTICE"]
        self.assertIn("the administrator root took your operator rights away", told.params[-1])

    def test_opOfTheNicknameGrantsTheAccount(self) -> None:
        """
        C{op} of the nickname an account goes by makes the account an
        operator, not the nickname (which anyone might register later): the
        reply says so, the rights hold under the next nickname, and C{deop}
        of the nickname takes them back.
        """
        console = self.console()
        kid, tk, _ = self.saslAs("kid", "kidpass", "kidalias")
        reply = self.command(console, "op kidalias")
        self.assertEqual(reply.splitlines()[0], "kidalias (the account kid) is now an operator")
        self.assertNotIn("nobody has registered", reply)
        self.assertTrue(self.service.isOperator(kid))
        kid.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        again, ta, _ = self.saslAs("kid", "kidpass", "kidalias2")
        self.assertTrue(self.service.isOperator(again))
        self.assertEqual(
            self.command(console, "deop kidalias2"),
            "kidalias2 (the account kid) is no longer an operator",
        )
        self.assertFalse(self.service.isOperator(again))
        self.assertIn("deop kidalias2 (the account kid)", self.command(console, "audit"))

    def test_privateMessageToTheAccountReachesItsNickname(self) -> None:
        """
        A private message to the account's name, while it goes by another
        nickname, reaches it now (addressed to the nickname it has), not at
        its next login.
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal")
        pupil, tp = self.client()
        self.send(pupil, tp, "NICK pupil", "USER p 0 * :P")
        answered = self.send(pupil, tp, "PRIVMSG kid :are you there?")
        self.assertNotIn("301", self.codes(answered))  # not "they will get it when they log in"
        [told] = [m for m in self.send(kid, tk) if m.command == "PRIVMSG"]
        self.assertEqual(told.params, ["kal", "are you there?"])
        self.assertTrue((told.prefix or "").startswith("pupil!"))
        # Kept in the account's history, not under the nickname it goes by.
        persistence = self.service.persistence
        assert persistence is not None
        self.clock.advance(1)
        kept = persistence.store.window(Conversation.between("kid", "pupil"), limit=5)
        self.assertEqual([m.lines for m in self.successResultOf(kept)], [("are you there?",)])

    def test_privateHistoryIsTheAccounts(self) -> None:
        """
        Under another nickname, the account reads its private history (what
        it said under its own name too) and lists it among its targets;
        what it says there, and is told, is kept in the account's history,
        as said by the account, and what waits for someone away too.
        """
        self.registered("pupil", "pupilpass")
        pupil, tp = self.client()
        self.send(pupil, tp, "PASS pupilpass", "NICK pupil", "USER p 0 * :P")
        kid, tk = self.client()
        self.send(kid, tk, "PASS kidpass", "NICK kid", "USER k 0 * :K")
        self.send(kid, tk, "PRIVMSG pupil :from my own name")
        kid.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        self.clock.advance(0.01)
        phone, tf, _ = self.saslAs("kid", "kidpass", "kal")
        self.send(phone, tf, "CAP REQ :batch draft/chathistory")
        self.send(phone, tf, "PRIVMSG pupil :from the phone")
        self.clock.advance(0.01)
        self.send(pupil, tp, "PRIVMSG kal :to the phone")
        self.clock.advance(0.01)
        pupil.connectionLost(Exception("gone"))  # type: ignore[arg-type]
        self.send(phone, tf, "PRIVMSG pupil :while you were away")
        self.clock.advance(1)
        self.send(phone, tf)
        start, *inner, end = self.send(phone, tf, "CHATHISTORY LATEST pupil * 10")
        self.assertEqual(start.params[1:], ["chathistory", "pupil"])
        self.assertEqual(
            [((m.prefix or "").split("!")[0], m.params) for m in inner],
            [
                ("kid", ["pupil", "from my own name"]),
                ("kid", ["pupil", "from the phone"]),
                ("pupil", ["kid", "to the phone"]),
                ("kid", ["pupil", "while you were away"]),
            ],
        )
        everything = "timestamp=2020-01-01T00:00:00Z timestamp=2262-01-01T00:00:00Z"
        listed = self.send(phone, tf, f"CHATHISTORY TARGETS {everything} 10")
        self.assertEqual([m.params[1] for m in listed[1:-1]], ["pupil"])

    def test_privateHistoryByTheirNickname(self) -> None:
        """
        C{CHATHISTORY} of the nickname someone signed in to an account goes
        by is the private conversation with the account, as of its name.
        """
        self.registered("teacher", "chalk99")
        tutor, tt, _ = self.saslAs("teacher", "chalk99", "tutor")
        alice, ta = self.client()
        self.send(alice, ta, "CAP REQ :batch draft/chathistory", "PASS sesame", "NICK alice")
        self.send(alice, ta, "USER a 0 * :A", "CAP END", "PRIVMSG tutor :a question")
        self.clock.advance(0.01)
        self.send(tutor, tt, "PRIVMSG alice :an answer")
        self.clock.advance(1)
        self.send(alice, ta)
        for name in ("tutor", "teacher"):
            start, *inner, end = self.send(alice, ta, f"CHATHISTORY LATEST {name} * 10")
            self.assertEqual(start.params[1:], ["chathistory", name])
            self.assertEqual(
                [((m.prefix or "").split("!")[0], m.params[1]) for m in inner],
                [("alice", "a question"), ("teacher", "an answer")],
            )
