"""
IRC SASL against a service with accounts (L{chatd.irc.sasl},
L{chatd.core.signin}): SCRAM-SHA-256 exchanges checked by a client written
from RFC 5802 (L{tests.support.scramclient}), a wrong proof, an account
without a verifier, and SASL after registration and a second time.
"""

from __future__ import annotations

from base64 import b64decode
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent

from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.events import Notice
from chatd.irc import protocol
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.scramclient import ScramClient, b64


def plain(account: str, password: str) -> str:
    return b64(f"\0{account}\0{password}".encode())


class SaslTestCase(IRCStoreTestCase):
    def registerClient(self, nick: str, *more: str) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", f"NICK {nick}", f"USER {nick} 0 * :x", "CAP END", *more)
        return proto, t

    def plainLogin(
        self, proto: IRCProtocol, t: StringTransport, account: str, pw: str
    ) -> list[Message]:
        self.assertEqual(self.codes(self.send(proto, t, "AUTHENTICATE PLAIN")), ["AUTHENTICATE"])
        return self.send(proto, t, "AUTHENTICATE " + plain(account, pw))

    def scram(
        self, proto: IRCProtocol, t: StringTransport, client: ScramClient
    ) -> tuple[list[Message], list[Message]]:
        """
        Run an exchange up to the server's answer to the final message.
        """
        self.assertEqual(self.send(proto, t, "AUTHENTICATE SCRAM-SHA-256")[0].params, ["+"])
        [challenge] = self.send(proto, t, "AUTHENTICATE " + client.first())
        self.assertEqual(challenge.command, "AUTHENTICATE")
        answer = self.send(proto, t, "AUTHENTICATE " + client.final(challenge.params[0]))
        return [challenge], answer


class ScramTests(SaslTestCase):
    def test_success(self) -> None:
        """
        A SCRAM-SHA-256 exchange with the right password: the server proves
        it knows the verifier, and after the client's C{+}, 900 and 903;
        the client is then welcomed as the account.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP LS 302", "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        client = ScramClient("alice", "sesame")
        _, answer = self.scram(proto, t, client)
        self.assertEqual(self.codes(answer)[0], "AUTHENTICATE")
        self.assertTrue(client.verify(answer[0].params[0]))
        self.assertEqual(self.codes(self.send(proto, t, "AUTHENTICATE +"))[:2], ["900", "903"])
        self.assertEqual(self.send(proto, t, "CAP END")[0].params[0], "alice")
        whois = self.send(proto, t, "WHOIS alice")
        self.assertIn(["alice", "alice", "alice", "is logged in as"], [m.params for m in whois])

    def test_wrongPassword(self) -> None:
        """
        A proof made with a wrong password is 904; the client may register
        as a guest under another name.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK bob", "USER b 0 * :B")
        _, answer = self.scram(proto, t, ScramClient("alice", "wrong"))
        self.assertEqual(self.codes(answer), ["904"])
        self.assertEqual(self.send(proto, t, "CAP END")[0].params[0], "bob")

    def test_noVerifierYet(self) -> None:
        """
        An account whose password was set before SCRAM existed has no
        verifier: the exchange goes on as for a wrong password, 904 after
        the final message (the client falls back to PLAIN), and after a
        PLAIN login it has one.
        """
        passwordHash = self.successResultOf(self.store.accountHash("alice"))
        assert passwordHash is not None
        self.successResultOf(self.store.saveAccount("alice", passwordHash + "x", 1))
        self.successResultOf(self.store.saveAccount("alice", passwordHash, 1))  # verifier gone
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        _, answer = self.scram(proto, t, ScramClient("alice", "sesame"))
        self.assertEqual(self.codes(answer), ["904"])
        self.assertIn("wrong or missing password", answer[0].params[-1])
        self.assertEqual(
            self.codes(self.plainLogin(proto, t, "alice", "sesame"))[:2], ["900", "903"]
        )
        self.assertIsNotNone(self.successResultOf(self.store.scramVerifier("alice")))

    def test_unknownAccount(self) -> None:
        """
        SCRAM for a name nobody registered looks like a wrong password for
        an account: a salt (the same at every attempt), then 904 after the
        final message, through the password gate, with the same words.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK bob", "USER b 0 * :B")
        salts, refusals = [], []
        with capturedLogs() as events:
            for name in ("nobody", "nobody", "alice"):
                [challenge], answer = self.scram(proto, t, ScramClient(name, "wrong"))
                serverFirst = b64decode(challenge.params[0]).decode()
                salts.append(dict(f.split("=", 1) for f in serverFirst.split(","))["s"])
                self.assertEqual(self.codes(answer), ["904"])
                refusals.append(answer[0].params[-1])
        self.assertEqual(salts[0], salts[1])
        self.assertEqual(len(b64decode(salts[0])), len(b64decode(salts[2])))
        self.assertEqual(refusals, [refusals[2]] * 3)
        logged = "\n".join(formatEvent(event) for event in events)
        self.assertIn("bad password for nobody from 127.0.0.1 (not registered)", logged)


class AfterRegistrationTests(SaslTestCase):
    def test_ownNickname(self) -> None:
        """
        A guest whose nickname became a registered account (registered
        meanwhile) signs in to it with SASL after registration: 900 and
        903, no rename; WHOIS then shows the account.
        """
        proto, t = self.registerClient("carol")
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(
            Deferred.fromCoroutine(persistence.accounts.register("carol", "secret"))
        )
        persistence.registered.add("carol")
        replies = self.plainLogin(proto, t, "carol", "secret")
        self.assertEqual(self.codes(replies), ["900", "903"])
        whois = self.send(proto, t, "WHOIS carol")
        self.assertIn(["carol", "carol", "carol", "is logged in as"], [m.params for m in whois])

    def test_accountNotified(self) -> None:
        """
        Someone sharing a channel, with C{account-notify}, hears that a
        guest signed in to its account after registration.
        """
        proto, t = self.registerClient("carol", "JOIN #lobby")
        peer, pt = self.client()
        self.send(peer, pt, "CAP REQ account-notify", "NICK dave", "USER d 0 * :D", "CAP END")
        self.send(peer, pt, "JOIN #lobby")
        self.send(proto, t)  # carol saw dave join
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(
            Deferred.fromCoroutine(persistence.accounts.register("carol", "secret"))
        )
        persistence.registered.add("carol")
        self.assertEqual(self.codes(self.plainLogin(proto, t, "carol", "secret")), ["900", "903"])
        [told] = self.send(peer, pt)
        self.assertEqual(
            (told.command, told.params, told.prefix), ("ACCOUNT", ["carol"], told.prefix)
        )
        self.assertTrue(str(told.prefix).startswith("carol!"))

    def test_otherAccount(self) -> None:
        """
        A guest signs in to another, free account: 900 and 903 and nothing
        more; it keeps its nickname, and is logged in to the account as
        WHOIS, C{account-notify} and C{account-tag} show.  It may then take
        the account's registered name, which another guest may not.
        """
        proto, t = self.registerClient("guest", "JOIN #room")
        watcher, tw = self.client()
        self.send(watcher, tw, "CAP REQ :account-notify account-tag", "NICK dave")
        self.send(watcher, tw, "USER d 0 * :D", "CAP END", "JOIN #room")
        self.send(proto, t)
        replies = self.plainLogin(proto, t, "alice", "sesame")
        self.assertEqual(self.codes(replies), ["900", "903"])
        self.assertEqual(replies[0].params[:3], ["guest", "guest!guest@user/alice", "alice"])
        [told] = self.send(watcher, tw)
        self.assertEqual((told.command, told.params), ("ACCOUNT", ["alice"]))
        self.assertTrue(str(told.prefix).startswith("guest!"))
        self.send(proto, t, "PRIVMSG #room :hello")
        [said] = self.send(watcher, tw)
        self.assertEqual((said.command, said.tags.get("account")), ("PRIVMSG", "alice"))
        whois = self.send(proto, t, "WHOIS guest")
        self.assertIn(["guest", "guest", "alice", "is logged in as"], [m.params for m in whois])
        other, to = self.registerClient("other")
        self.assertEqual(self.codes(self.send(other, to, "NICK alice")), ["464"])
        renamed = self.send(proto, t, "NICK alice")
        self.assertEqual([(m.command, m.params) for m in renamed], [("NICK", ["alice"])])

    def test_scramAfterRegistration(self) -> None:
        """
        SCRAM works after registration too.
        """
        proto, t = self.registerClient("guest")
        _, answer = self.scram(proto, t, ScramClient("alice", "sesame"))
        self.assertEqual(self.codes(answer), ["AUTHENTICATE"])
        self.assertEqual(self.codes(self.send(proto, t, "AUTHENTICATE +")), ["900", "903"])
        whois = self.send(proto, t, "WHOIS guest")
        self.assertIn(["guest", "guest", "alice", "is logged in as"], [m.params for m in whois])

    def test_reauthenticate(self) -> None:
        """
        Signed in to an account, a client may authenticate again to the
        same account (900 and 903 again, nothing changes); another account
        is refused with 907, with a wrong password or the right one, and
        changes nothing: its nickname and WHOIS still name the first.
        """
        self.registered("bob", "hunter2")
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.plainLogin(proto, t, "alice", "sesame")
        self.send(proto, t, "CAP END")
        self.assertEqual(self.codes(self.plainLogin(proto, t, "alice", "sesame")), ["900", "903"])
        self.assertEqual(self.codes(self.plainLogin(proto, t, "bob", "nope")), ["907"])
        replies = self.plainLogin(proto, t, "bob", "hunter2")
        self.assertEqual(self.codes(replies), ["907"])
        self.assertIn("already logged in as alice", replies[0].params[-1])
        whois = self.send(proto, t, "WHOIS alice")
        self.assertIn(["alice", "alice", "alice", "is logged in as"], [m.params for m in whois])

    def test_signedInElsewhere(self) -> None:
        """
        An account signed in from another connection (a second device) is
        joined, as with NickServ's C{IDENTIFY} (L{chatd.core.signin}): the
        connection is shown leaving its channel and taking the person's
        nickname, then C{900}, C{903} and the person's channels; its
        channel's members see it quit, and the person's other connection is
        told nothing.
        """
        self.registerClient("alice", "PASS sesame")  # PASS after NICK: not this one
        other, to = self.client()
        self.send(other, to, "PASS sesame", "NICK alice", "USER a 0 * :A", "JOIN #Blabla")
        proto, t = self.registerClient("guest", "JOIN #Lounge")
        watch, tw = self.registerClient("watch", "JOIN #Lounge")
        self.send(proto, t)
        replies = self.plainLogin(proto, t, "alice", "sesame")
        guest = f"guest!guest@{self.guestHost}"
        self.assertEqual(
            [(m.command, m.prefix, m.params[0]) for m in replies[:2]],
            [("PART", guest, "#Lounge"), ("NICK", guest, "alice")],
        )
        self.assertEqual(self.codes(replies)[2:4], ["900", "903"])
        self.assertEqual(replies[2].params[1:3], ["alice!a@user/alice", "alice"])
        joins = [m.params[0] for m in replies if m.command == "JOIN"]
        self.assertEqual(sorted(joins), ["#Blabla", "#Général"])
        self.assertEqual(proto.nick, "alice")
        self.assertIs(self.service.find("alice"), self.service.people.personOf(proto))
        self.assertIsNone(self.service.find("guest"))
        self.assertEqual([(m.command, m.prefix) for m in self.send(watch, tw)], [("QUIT", guest)])
        self.assertEqual(self.send(other, to), [])

    def test_signedInElsewhereScram(self) -> None:
        """
        SCRAM joins the account's person too: once the proof is checked,
        the connection is shown taking its nickname, the server's final
        message and the person's channels; C{900} and C{903} follow the
        client's C{AUTHENTICATE +}, without an C{account-notify} to those
        who knew the person's account already.
        """
        other, to = self.client()
        self.send(other, to, "CAP REQ account-notify", "PASS sesame", "NICK alice")
        self.send(other, to, "USER a 0 * :A", "CAP END", "JOIN #Blabla")
        proto, t = self.registerClient("guest")
        _, answer = self.scram(proto, t, ScramClient("alice", "sesame"))
        self.assertEqual(self.codes(answer)[:2], ["NICK", "AUTHENTICATE"])
        self.assertIn("#Blabla", [m.params[0] for m in answer if m.command == "JOIN"])
        self.assertEqual(self.codes(self.send(proto, t, "AUTHENTICATE +")), ["900", "903"])
        self.assertEqual(self.send(other, to), [])

    def test_sharedConnection(self) -> None:
        """
        A connection that shares its account with others may not sign in
        to another account (the name is theirs too): 907, as it is signed
        in to the account.
        """
        self.registered("bob", "hunter2")
        first, t1 = self.client()
        self.send(first, t1, "PASS sesame", "NICK alice", "USER a 0 * :A")
        second, t2 = self.client()
        self.send(
            second, t2, "CAP REQ sasl", "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END"
        )
        replies = self.plainLogin(second, t2, "bob", "hunter2")
        self.assertEqual(self.codes(replies), ["907"])
        self.assertIn("already logged in as alice", replies[0].params[-1])


class OneAccountTests(SaslTestCase):
    """
    A connection under its account's name stays signed in to that account,
    whichever proof came first (L{chatd.core.signin}): SASL for another
    account after C{PASS} or SASL is refused with 907; C{PASS} after SASL is not an account's
    password (SASL logged it in already); its nickname, C{330}, its
    C{account} tag and its private history all name the same account.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("bob", "hunter2")

    def accountShown(self, proto: IRCProtocol, t: StringTransport, nick: str) -> str:
        """
        The account WHOIS (C{330}) shows for C{nick}, which must be the
        connection's own nickname.
        """
        [logged] = [m for m in self.send(proto, t, f"WHOIS {nick}") if m.command == "330"]
        self.assertEqual(logged.params[:2], [nick, nick])
        return logged.params[2]

    def privateHistory(self, password: str, nick: str, other: str) -> list[str]:
        """
        The private conversation with C{other} that a new connection signed
        in with C{PASS} as C{nick} reads (CHATHISTORY).
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ :batch draft/chathistory message-tags")
        self.send(proto, t, f"PASS {password}", f"NICK {nick}", "USER u 0 * :U", "CAP END")
        replies = self.send(proto, t, f"CHATHISTORY LATEST {other} * 10")
        return [m.params[-1] for m in replies if m.command == "PRIVMSG"]

    def test_passThenSaslForAnother(self) -> None:
        """
        Signed in to alice with C{PASS}, SASL PLAIN or SCRAM for bob is
        907 (with both passwords right); a private message sent to alice
        is kept in alice's history, not bob's; the account tag names
        alice.
        """
        proto, t = self.client()
        self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP REQ sasl")
        refused = self.plainLogin(proto, t, "bob", "hunter2")
        self.assertEqual(self.codes(refused), ["907"])
        self.assertEqual(
            refused[0].params[-1],
            "SASL authentication refused: you are already logged in as alice:"
            " connect again to log in as bob",
        )
        client = ScramClient("bob", "hunter2")
        _, answer = self.scram(proto, t, client)
        self.assertEqual(self.codes(answer), ["907"])
        self.assertEqual(self.accountShown(proto, t, "alice"), "alice")
        peer, pt = self.client()
        self.send(peer, pt, "CAP REQ account-tag", "NICK dave", "USER d 0 * :D", "CAP END")
        self.send(peer, pt, "JOIN #room")
        self.send(proto, t, "JOIN #room", "PRIVMSG #room :hello")
        [said] = [m for m in self.send(peer, pt) if m.command == "PRIVMSG"]
        self.assertEqual(said.tags.get("account"), "alice")
        self.send(peer, pt, "PRIVMSG alice :for alice")
        self.assertEqual(
            [m.params for m in self.send(proto, t) if m.command == "PRIVMSG"],
            [["alice", "for alice"]],
        )
        self.send(proto, t, "QUIT")
        proto.connectionLost(None)
        self.assertEqual(self.privateHistory("sesame", "alice", "dave"), ["for alice"])
        self.assertEqual(self.privateHistory("hunter2", "bob", "dave"), [])

    def test_otherAccountUnderUnregisteredNickname(self) -> None:
        """
        Logged in to alice under a nickname nobody registered, a client
        may sign in to bob (SASL 3.2 reauthentication): 900 and 903, and
        the nickname, which is nobody's account, stays.
        """
        proto, t, _ = self.saslAs("alice", "sesame", "someone")
        self.assertEqual(self.codes(self.plainLogin(proto, t, "bob", "hunter2")), ["900", "903"])
        self.assertEqual(self.accountShown(proto, t, "someone"), "bob")

    def test_saslTwiceBeforeRegistration(self) -> None:
        """
        Before registration, SASL for alice, then another C{AUTHENTICATE}:
        907 at once, for any mechanism (IRCv3 SASL: after a success), and
        nothing changes (her login waits for the end of registration, as
        on Ergo); the client is welcomed as alice, logged in to alice.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A")
        self.assertEqual(
            self.codes(self.plainLogin(proto, t, "alice", "sesame"))[:2], ["900", "903"]
        )
        for mechanism in ["PLAIN", "SCRAM-SHA-256", "PLAIN"]:
            self.assertEqual(self.codes(self.send(proto, t, f"AUTHENTICATE {mechanism}")), ["907"])
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "alice"))
        self.assertEqual(self.accountShown(proto, t, "alice"), "alice")

    def test_capEndAborts(self) -> None:
        """
        C{CAP END} in the middle of an exchange (its mechanism sent, not its
        payload) aborts it (906, IRCv3 SASL 3.1) and the client registers
        as a guest: its payload afterwards logs nobody in.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK saslx", "USER a 0 * :A")
        self.assertEqual(self.codes(self.send(proto, t, "AUTHENTICATE PLAIN")), ["AUTHENTICATE"])
        welcome = self.codes(self.send(proto, t, "CAP END"))
        self.assertEqual(welcome[:2], ["906", "001"])
        late = self.codes(self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame")))
        self.assertNotIn("900", late)
        self.assertIsNone(self.service.accountName(proto.participant))

    def test_capEndAbortsScram(self) -> None:
        """
        C{CAP END} between SCRAM's challenge and the client's final message
        aborts the exchange too (906): the client is a guest, and its final
        message afterwards proves nothing.
        """
        proto, t = self.client()
        client = ScramClient("alice", "sesame")
        self.send(proto, t, "CAP REQ sasl", "NICK saslx", "USER a 0 * :A")
        self.send(proto, t, "AUTHENTICATE SCRAM-SHA-256")
        [challenge] = self.send(proto, t, "AUTHENTICATE " + client.first())
        self.assertEqual(challenge.command, "AUTHENTICATE")
        self.assertEqual(self.codes(self.send(proto, t, "CAP END"))[:2], ["906", "001"])
        late = self.send(proto, t, "AUTHENTICATE " + client.final(challenge.params[0]))
        self.assertNotIn("900", self.codes(late))
        self.assertIsNone(self.service.accountName(proto.participant))

    def checksHeld(self) -> list[Deferred[Any]]:
        """
        From now on each password hash waits for the test to fire its
        L{Deferred}, in the returned list, with the hash's answer (a hash
        running in its thread).
        """
        persistence = self.service.persistence
        assert persistence is not None
        held: list[Deferred[Any]] = []

        def hashLater(f: Callable[..., Any], *args: Any) -> Deferred[Any]:
            d: Deferred[Any] = Deferred()
            d.addCallback(lambda _: f(*args))
            held.append(d)
            return d

        self.patch(persistence.accounts.checker, "runInThread", hashLater)
        return held

    def test_capEndAbortsProofBeingChecked(self) -> None:
        """
        C{CAP END} while a PLAIN proof's password is being hashed aborts
        the exchange (906, IRCv3 SASL 3.1) and the client registers at once
        as a guest under its nickname; the right password's answer, when
        the hash ends, is ignored: no 900 or 903, no account.
        """
        proto, t = self.client()
        checks = self.checksHeld()
        self.send(proto, t, "CAP REQ sasl", "NICK saslx", "USER a 0 * :A")
        self.assertEqual(self.codes(self.plainLogin(proto, t, "alice", "sesame")), [])
        [check] = checks
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual(self.codes(welcome)[:2], ["906", "001"])
        self.assertEqual(welcome[1].params[0], "saslx")
        check.callback(None)
        self.assertEqual(self.codes(self.send(proto, t, "PING x")), ["PONG"])
        self.assertIsNone(self.service.accountName(proto.participant))
        self.assertEqual(proto.participant.nick, "saslx")

    def test_capEndAbortsWrongProofStillCounted(self) -> None:
        """
        A wrong PLAIN password being hashed when C{CAP END} aborts the
        exchange is no 904 when its answer comes, but it counts as a wrong
        password all the same: alice's back-off begins (no free failures
        here), as if the exchange had gone on.
        """
        persistence = self.service.persistence
        assert persistence is not None
        gate = persistence.accounts.gate
        gate.nameFree = 0
        proto, t = self.client()
        checks = self.checksHeld()
        self.send(proto, t, "CAP REQ sasl", "NICK saslx", "USER a 0 * :A")
        self.plainLogin(proto, t, "alice", "wrong-one")
        self.assertEqual(self.codes(self.send(proto, t, "CAP END"))[:2], ["906", "001"])
        self.assertEqual(gate.backoff("alice"), 0)
        checks.pop().callback(None)
        self.assertEqual(self.codes(self.send(proto, t, "PING x")), ["PONG"])
        self.assertGreater(gate.backoff("alice"), 0)
        self.assertIsNone(self.service.accountName(proto.participant))

    def test_capEndAbortsProofBeforeItsCheck(self) -> None:
        """
        C{CAP END} while the login a PLAIN proof started waits, before its
        password check, for the store: 906 at once, and the registration
        waits for that login to end, which the aborted exchange keeps from
        logging in though the password is right; then the client is
        welcomed as a guest, with no 900 or 903.
        """
        persistence = self.service.persistence
        assert persistence is not None
        ready: Deferred[None] = Deferred()
        self.patch(persistence, "whenReady", lambda: ready)
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK saslx", "USER a 0 * :A")
        self.assertEqual(self.codes(self.plainLogin(proto, t, "alice", "sesame")), [])
        self.assertEqual(self.codes(self.send(proto, t, "CAP END")), ["906"])
        ready.callback(None)
        welcome = self.send(proto, t)
        self.assertEqual(self.codes(welcome)[0], "001")
        self.assertEqual(welcome[0].params[0], "saslx")
        self.assertNotIn("900", self.codes(welcome))
        self.assertIsNone(self.service.accountName(proto.participant))

    def test_capEndAbortsScramProven(self) -> None:
        """
        C{CAP END} after SCRAM's final message proved the password, before
        the client's C{AUTHENTICATE +} that completes the exchange, aborts
        it too (906): the client registers as a guest, alice is not logged
        in, and its C{+} afterwards proves nothing.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "NICK saslx", "USER a 0 * :A")
        _, final = self.scram(proto, t, ScramClient("alice", "sesame"))
        self.assertEqual(self.codes(final), ["AUTHENTICATE"])
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual(self.codes(welcome)[:2], ["906", "001"])
        self.assertEqual(welcome[1].params[0], "saslx")
        self.assertNotIn("900", self.codes(self.send(proto, t, "AUTHENTICATE +")))
        self.assertIsNone(self.service.accountName(proto.participant))
        self.assertEqual(proto.participant.nick, "saslx")

    def test_passThenSaslBeforeRegistration(self) -> None:
        """
        C{PASS} and C{NICK} for alice, then SASL for bob before C{CAP END}:
        SASL, which logs in at once, wins, and the client is welcomed as
        bob, logged in to bob, as with SASL alone (the C{PASS} is checked
        only when registration completes, and by then SASL logged it in).
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.assertEqual(
            self.codes(self.plainLogin(proto, t, "bob", "hunter2"))[:2], ["900", "903"]
        )
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "bob"))
        self.assertEqual(self.accountShown(proto, t, "bob"), "bob")

    def test_saslThenPass(self) -> None:
        """
        SASL for bob, then C{PASS} and C{NICK} for alice: the same, bob.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl")
        self.assertEqual(
            self.codes(self.plainLogin(proto, t, "bob", "hunter2"))[:2], ["900", "903"]
        )
        welcome = self.send(proto, t, "PASS sesame", "NICK alice", "USER a 0 * :A", "CAP END")
        self.assertEqual((welcome[0].command, welcome[0].params[0]), ("001", "bob"))
        self.assertEqual(self.accountShown(proto, t, "bob"), "bob")


class SaslBeforeRegistrationTests(IRCStoreTestCase):
    def inDen(self) -> None:
        """alice, signed in with her password, founds #den and quits."""
        first, t1 = self.client()
        self.send(first, t1, "PASS sesame", "NICK alice", "USER a 0 * :A", "JOIN #den")
        self.send(first, t1, "QUIT")
        first.connectionLost(None)

    def test_busyIsTryAgain(self) -> None:
        """
        A login the service cannot answer now (too many password checks
        wait: a temporary refusal) ends the exchange with "try again
        later" (C{FAIL AUTHENTICATE TEMPORARILY_UNAVAILABLE}, then C{904}
        saying so), not as a wrong password would.
        """
        self.patch(self.service.logins, "login", lambda *a, **kw: fail(errors.TooManyAttempts()))
        proto, t = self.client()
        self.addCleanup(proto.connectionLost, None)
        self.send(proto, t, "CAP REQ sasl", "NICK alice", "USER a 0 * :A", "AUTHENTICATE PLAIN")
        told = self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"))
        self.assertEqual(
            [m.params for m in told if m.command in ("FAIL", "904")],
            [
                [
                    "AUTHENTICATE",
                    "TEMPORARILY_UNAVAILABLE",
                    "too many login attempts are waiting, try again later",
                ],
                [
                    "alice",
                    "SASL authentication temporarily unavailable:"
                    " too many login attempts are waiting, try again later",
                ],
            ],
        )

    def provenBeforeEnd(
        self, nick: str = "alice"
    ) -> tuple[IRCProtocol, StringTransport, list[Message]]:
        """
        A client registering as C{nick} proves alice's password over SASL
        and has not sent C{CAP END} yet; with the replies to its proof.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP LS 302", "CAP REQ :sasl", f"NICK {nick}", "USER a 0 * :A")
        self.send(proto, t, "AUTHENTICATE PLAIN")
        return proto, t, self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"))

    def test_noChannelLinesBeforeWelcome(self) -> None:
        """
        alice founded #den and is stored in it; SASL before C{CAP END} signs
        her in, and the service puts her back in #den as its operator: her
        client hears nothing of #den before registration ends (no C{MODE}
        between C{AUTHENTICATE} and C{903}), then gets its C{JOIN} and a
        C{NAMES} showing her as C{@alice}.
        """
        self.inDen()
        proto, t, authenticated = self.provenBeforeEnd()
        self.assertEqual(self.codes(authenticated)[:2], ["900", "903"])
        self.assertNotIn("MODE", self.codes(authenticated))
        welcome = self.send(proto, t, "CAP END")
        self.assertEqual(welcome[0].command, "001")
        self.assertNotIn("MODE", [m.command for m in welcome if m.params[:1] == ["#den"]])
        names = [m.params[-1] for m in welcome if m.command == "353" and m.params[2] == "#den"]
        self.assertEqual(names, ["@alice"])

    def test_nicknameOfSignedInAccount(self) -> None:
        """
        alice is connected from another client: a client that asks for
        C{alice} while negotiating capabilities is not told C{433} (the
        name waits for C{CAP END}), proves her password over SASL, and is
        welcomed as C{alice}, her other connection's person.
        """
        first, t1 = self.client()
        self.send(first, t1, "PASS sesame", "NICK alice", "USER a 0 * :A")
        proto, t = self.client()
        told = self.send(proto, t, "CAP LS 302", "CAP REQ :sasl", "NICK alice", "USER a 0 * :A")
        told += self.send(proto, t, "AUTHENTICATE PLAIN")
        told += self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"), "CAP END")
        self.assertNotIn("433", self.codes(told))
        [welcome] = [m for m in told if m.command == "001"]
        self.assertEqual(welcome.params[0], "alice")

    def test_askedForNicknameBeforeWelcome(self) -> None:
        """
        A client registering as C{ally} proves alice's password over SASL:
        until C{001} it is addressed as C{ally} (the nickname it asked for),
        its C{900} shows C{ally!a@user/alice}, and it is sent no C{NICK}
        line (it never was C{alice} to its client); C{001} welcomes C{ally}.
        """
        proto, t, authenticated = self.provenBeforeEnd("ally")
        self.assertEqual(self.codes(authenticated)[:2], ["900", "903"])
        self.assertEqual(authenticated[0].params[:3], ["ally", "ally!a@user/alice", "alice"])
        self.assertEqual(authenticated[1].params[0], "ally")
        welcome = self.send(proto, t, "CAP END")
        self.assertNotIn("NICK", [m.command for m in welcome])
        self.assertEqual(welcome[0].command, "001")
        self.assertEqual(welcome[0].params[0], "ally")

    def test_entersUnderTheNicknameAskedFor(self) -> None:
        """
        Put back in #den, a client that asked for C{ally} enters it as
        C{ally}: the other members see it join under that name, never as
        C{alice} then a C{NICK}; its own C{JOIN} and C{NAMES} say C{ally},
        and it is still alice's account (founder: operator).
        """
        self.inDen()
        watcher, tw = self.client()
        self.send(watcher, tw, "NICK watch", "USER w 0 * :W", "JOIN #den")
        proto, t, _ = self.provenBeforeEnd("ally")
        self.assertEqual(self.send(watcher, tw), [])  # not before its registration ends
        welcome = self.send(proto, t, "CAP END")
        seen = self.send(watcher, tw)
        self.assertEqual(
            [(m.command, (m.prefix or "").split("!")[0]) for m in seen if m.command != "MODE"],
            [("JOIN", "ally")],
        )
        [joined] = [m for m in welcome if m.command == "JOIN" and m.params[0] == "#den"]
        self.assertTrue((joined.prefix or "").startswith("ally!"))
        names = [m.params[-1] for m in welcome if m.command == "353" and m.params[2] == "#den"]
        self.assertEqual(names, ["watch @ally"])
        self.assertNotIn("NICK", [m.command for m in welcome + seen])

    def test_heldPrivateMessageToTheNicknameAskedFor(self) -> None:
        """
        A private message to the account while its SASL login waits for
        the end of registration waits as for an account not connected, and
        arrives after the welcome, sent to the nickname the client asked for.
        """
        proto, t, _ = self.provenBeforeEnd("ally")
        gus, tg = self.client()
        self.send(gus, tg, "NICK gus", "USER g 0 * :G")
        told = self.send(gus, tg, "PRIVMSG alice :psst")
        self.assertEqual(self.codes(told), ["301"])
        welcome = self.send(proto, t, "CAP END")
        [held] = [m for m in welcome if m.command == "PRIVMSG"]
        self.assertEqual(held.params[0], "ally")
        self.assertTrue(held.params[1].endswith("psst"))

    def test_nothingBeforeRegistrationEnds(self) -> None:
        """
        Between SASL's success and C{CAP END} (ZNC waits seconds), alice
        is in none of her rooms: their members see no C{JOIN} and she is
        sent nothing; at C{CAP END} she enters them, C{001} then her
        channel's C{JOIN}, and what is said there from then on follows.
        """
        self.inDen()
        proto, t, authenticated = self.provenBeforeEnd()
        self.assertEqual(self.codes(authenticated), ["900", "903"])
        gus, tg = self.client()
        self.send(gus, tg, "NICK gus", "USER g 0 * :G", "JOIN #den", "PRIVMSG #den :hello")
        self.assertEqual(self.send(proto, t), [])
        self.assertEqual(self.send(gus, tg), [])  # no JOIN of alice yet
        self.assertEqual(self.service.roomsOf(proto.participant), [])
        welcome = self.send(proto, t, "CAP END")
        lines = [(m.command, m.params[:1]) for m in welcome]
        self.assertEqual(lines[0], ("001", ["alice"]))
        self.assertIn(("JOIN", ["#den"]), lines)
        self.assertNotIn(("PRIVMSG", ["#den"]), lines)  # said before she came
        self.assertEqual([m.command for m in self.send(gus, tg)], ["JOIN", "MODE"])  # a founder
        self.send(gus, tg, "PRIVMSG #den :welcome back")
        self.assertEqual([m.params for m in self.send(proto, t)], [["#den", "welcome back"]])

    def test_closedBeforeRegistrationEnds(self) -> None:
        """
        A client that closes after SASL's success, before registering, never
        logs in: nobody is named alice, none of her rooms sees her; nor,
        with alice signed in elsewhere, does it join her person.
        """
        self.inDen()
        watcher, tw = self.client()
        self.send(watcher, tw, "NICK watch", "USER w 0 * :W", "JOIN #den")
        proto, t, _ = self.provenBeforeEnd()
        proto.connectionLost(None)
        self.clock.advance(1)
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.send(watcher, tw), [])
        laptop, tl, told = self.saslAs("alice", "sesame", "alice")
        self.assertIn(("001", "alice"), [(m.command, m.params[0]) for m in told])
        phone, tp, _ = self.provenBeforeEnd()
        phone.connectionLost(None)
        self.clock.advance(1)
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [laptop])

    def test_earlyDeliveriesBounded(self) -> None:
        """
        A client not welcomed yet keeps what the service delivers to it
        for its welcome, and is closed once more than L{MAX_EARLY} wait.
        """
        self.patch(protocol, "MAX_EARLY", 3)
        proto, t, _ = self.provenBeforeEnd()
        for n in range(4):
            proto.notice(Notice(f"early {n}", self.clock.seconds()))
        [closing] = self.send(proto, t)
        self.assertEqual(closing.command, "ERROR")
        self.assertIn("before the client ended its registration", closing.params[0])
        self.assertTrue(t.disconnecting)

    def test_realNameAfterSasl(self) -> None:
        """
        A client that proves its account before it sends C{USER} enters its
        rooms only once registered: the others see it come with the user
        name and real name of its C{USER} (C{extended-join}), one C{JOIN}
        and no C{SETNAME} after, at the moment its own C{JOIN} shows.
        """
        self.inDen()
        bob, tb = self.client()
        caps = "CAP REQ :setname extended-join server-time"
        self.send(bob, tb, caps, "NICK bob", "USER b 0 * :B")
        self.send(bob, tb, "CAP END", "JOIN #den")
        proto, t = self.client()
        self.send(proto, t, "CAP LS 302", "CAP REQ :sasl server-time", "AUTHENTICATE PLAIN")
        self.send(proto, t, "AUTHENTICATE " + plain("alice", "sesame"))
        self.clock.advance(3)  # irssi: NICK and USER come after CAP END
        self.send(proto, t, "CAP END")
        self.assertEqual(self.send(bob, tb), [])
        self.clock.advance(1)
        own = self.send(proto, t, "NICK alice", "USER erin 0 * :Alice Liddell")
        told = [m for m in self.send(bob, tb) if m.command != "MODE"]  # (a founder's +o)
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in told],
            [("alice!erin@user/alice", "JOIN", ["#den", "alice", "Alice Liddell"])],
        )
        [ownJoin] = [m for m in own if m.command == "JOIN" and m.params[0] == "#den"]
        self.assertEqual(ownJoin.tags["time"], told[0].tags["time"])


class PassForGuestsTests(IRCStoreTestCase):
    def test_serverPasswordIgnoredForGuests(self) -> None:
        """
        C{PASS} with a nickname nobody registered (a client that sends its
        server password) logs in as a guest; a wrong one for a registered
        name is C{464}, after which another, unregistered, nickname gets in.
        """
        proto, t = self.client()
        welcome = self.send(proto, t, "PASS bouncer-secret", "NICK newguest", "USER n 0 * :N")
        self.assertEqual(welcome[0].command, "001")
        proto, t = self.client()
        self.assertEqual(
            self.codes(self.send(proto, t, "PASS wrong-pw", "NICK alice", "USER a 0 * :A")),
            ["464"],
        )
        retried = self.send(proto, t, "NICK alice_guest")
        self.assertEqual((retried[0].command, retried[0].params[0]), ("001", "alice_guest"))


class RegisteredSpellingTests(SaslTestCase):
    """
    An account is shown by its name as registered (C{Regt0}), whatever
    spelling of it the client typed (C{REGT0}, or the look-alike C{REGTO}):
    as its account, and as its nickname when it asked for a spelling of
    the account's name (L{chatd.core.login.Logins.accountSpelling}).
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("Regt0", "regpass")
        self.watcher, self.tw = self.client()
        caps = "CAP REQ :account-notify account-tag extended-join message-tags"
        self.send(self.watcher, self.tw, caps, "NICK dave", "USER d 0 * :D", "CAP END")
        self.send(self.watcher, self.tw, "JOIN #room")

    def assertShownAsRegistered(self, proto: IRCProtocol, t: StringTransport, nick: str) -> None:
        """
        What the watcher sees of C{nick} in #room names the account Regt0:
        C{extended-join}, C{account-tag}, WHOX C{%a}, WHOIS.
        """
        self.send(proto, t, "JOIN #room", "PRIVMSG #room :hello")
        seen = self.send(self.watcher, self.tw)
        [joined] = [m for m in seen if m.command == "JOIN"]
        self.assertEqual(joined.params[:2], ["#room", "Regt0"])
        [said] = [m for m in seen if m.command == "PRIVMSG"]
        self.assertEqual(said.tags.get("account"), "Regt0")
        who = self.send(self.watcher, self.tw, "WHO #room %na")
        self.assertIn([nick, "Regt0"], [m.params[1:] for m in who if m.command == "354"])
        whois = self.send(self.watcher, self.tw, f"WHOIS {nick}")
        self.assertIn([nick, "Regt0", "is logged in as"], [m.params[1:] for m in whois])

    def test_beforeRegistration(self) -> None:
        proto, t, told = self.saslAs("REGTO", "regpass", "REGTO")
        [logged] = [m for m in told if m.command == "900"]
        self.assertEqual(logged.params[2:], ["Regt0", "You are now logged in as Regt0"])
        [welcome] = [m for m in told if m.command == "001"]
        self.assertEqual(welcome.params[0], "Regt0")
        self.assertShownAsRegistered(proto, t, "Regt0")

    def test_afterRegistration(self) -> None:
        proto, t = self.registerClient("guest")
        told = self.plainLogin(proto, t, "REGT0", "regpass")
        self.assertEqual(told[0].params[2:], ["Regt0", "You are now logged in as Regt0"])
        self.assertShownAsRegistered(proto, t, "guest")

    def test_password(self) -> None:
        """
        C{PASS} with the nickname in another spelling: the nickname and the
        account as registered, as a TCHAT or web login is; the welcome
        names it.  A deliberate C{NICK REGT0} afterwards is a rename, as
        IRC expects.
        """
        proto, t = self.client()
        told = self.send(proto, t, "PASS regpass", "NICK REGT0", "USER r 0 * :R")
        [welcome] = [m for m in told if m.command == "001"]
        self.assertEqual(welcome.params[0], "Regt0")
        self.assertShownAsRegistered(proto, t, "Regt0")
        [renamed] = [m for m in self.send(proto, t, "NICK REGT0") if m.command == "NICK"]
        self.assertEqual(renamed.params, ["REGT0"])
        person = self.service.find("regt0")
        self.assertEqual(person and person.nick, "REGT0")
