"""
Tests for L{chatd.cluster.profiles}: what IRC users on one node see of
those on another (ident, host, real name, away text, account) is what
they would see on the same node, and stays so as it changes.
"""

from __future__ import annotations

import json
from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.barrier import WAIT
from chatd.cluster.remote import RemoteParticipant
from chatd.core import status
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.status import AWAY, announce
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import GUEST_HOST, FakeNode, IRCClient, TwoNodes
from tests.support.fakeredis import FakeRedis


class ProfileTests(TwoNodes):
    def setUp(self) -> None:
        super().setUp()
        self.alice = self.ircClient(self.a, "alice", real="Alice Liddell")
        self.bob = self.ircClient(self.b, "bob", "away-notify", "setname")
        for client in (self.alice, self.bob):
            client.send("JOIN #lobby")
        self.settle()
        self.alice.read()
        self.bob.read()

    def statusEnvelopes(self) -> list[dict[str, Any]]:
        envelopes = [json.loads(message) for _, message in self.redis.published]
        return [envelope for envelope in envelopes if envelope["k"] == "status"]

    def test_whoisShowsTheRealIdentHostAndName(self) -> None:
        """
        C{WHOIS} of a user on another node shows their ident, the host of
        their protocol and their real name, as their own node does.
        """
        self.bob.send("WHOIS alice")
        seen = self.bob.read()
        self.assertIn(f" 311 bob alice alicex {GUEST_HOST} * :Alice Liddell\r\n", seen)
        self.alice.send("WHOIS alice")
        self.assertIn(
            f" 311 alice alice alicex {GUEST_HOST} * :Alice Liddell\r\n", self.alice.read()
        )

    def test_rejoinAfterAStateShowsTheHost(self) -> None:
        """
        A node that learns a user anew from a whole state (after it gave
        their node up for dead, say) shows their C{JOIN} with their own
        host, not a stand-in's.
        """
        self.b.bridge.nodeLost("a")
        self.assertIn(f":alice!alicex@{GUEST_HOST} QUIT ", self.bob.read())
        self.a.bridge.publishState("b")
        self.settle()
        seen = self.bob.read()
        self.assertIn(f":alice!alicex@{GUEST_HOST} JOIN #lobby", seen)
        self.assertNotIn("remote.chatd", seen)

    def test_monitorShowsTheHostAtOnce(self) -> None:
        """
        A C{MONITOR} on one node announces a user who logs in on another
        with the host of their protocol, not a stand-in's.
        """
        self.bob.send("MONITOR + carol")
        self.bob.read()
        self.a.user("carol")
        self.assertIn(f" 730 bob carol!carol@{GUEST_HOST}\r\n", self.bob.read())

    def test_lusersCountsEveryNodesInvisible(self) -> None:
        """
        C{LUSERS} on one node counts as invisible the users with mode
        C{+i} on every node, as their own node does.
        """
        self.alice.send("MODE alice +i")
        self.settle()
        for client in (self.alice, self.bob):
            client.read()
            client.send("LUSERS")
            self.assertIn("There are 1 users and 1 invisible on 1 servers", client.read())
        self.alice.send("MODE alice -i")
        self.settle()
        self.bob.read()
        self.bob.send("LUSERS")
        self.assertIn("There are 2 users and 0 invisible on 1 servers", self.bob.read())

    def test_whoMaskHidesEveryNodesInvisible(self) -> None:
        """
        C{WHO *} on one node lists a user with C{+i} on another only to
        those sharing a room with them (L{chatd.core.listing}), as their
        own node does.
        """
        self.alice.send("MODE alice +i")
        self.settle()
        self.bob.read()

        def who() -> list[str]:
            self.bob.send("WHO *")
            return [line.split()[7] for line in self.bob.read().splitlines() if " 352 " in line]

        self.assertEqual(who(), ["alice", "bob"])
        self.bob.send("PART #lobby")
        self.settle()
        self.bob.read()
        self.assertEqual(who(), ["bob"])

    def test_hostmaskTheSameOnEveryNode(self) -> None:
        """
        A channel message from another node's user carries the hostmask it
        has on its own node.
        """
        self.alice.send("PRIVMSG #lobby :hello")
        self.assertIn(f":alice!alicex@{GUEST_HOST} PRIVMSG #lobby :hello\r\n", self.bob.read())

    def test_awayCrossesNodes(self) -> None:
        """
        A user who goes away on one node is away on every node: a private
        message to them gets C{301}, C{WHO} flags them C{G}, and an
        C{away-notify} client in their channel sees C{AWAY}; back, none of
        it.
        """
        self.alice.send("AWAY :at lunch")
        self.assertIn(f":alice!alicex@{GUEST_HOST} AWAY :at lunch\r\n", self.bob.read())
        self.bob.send("PRIVMSG alice :there?", "WHO #lobby")
        seen = self.bob.read()
        self.assertIn(" 301 bob alice :at lunch\r\n", seen)
        self.assertIn(f" 352 bob #lobby alicex {GUEST_HOST} chatd alice G", seen)
        self.alice.send("AWAY")
        self.assertIn(f":alice!alicex@{GUEST_HOST} AWAY\r\n", self.bob.read())
        self.bob.send("PRIVMSG alice :back?", "WHO #lobby")
        seen = self.bob.read()
        self.assertNotIn(" 301 ", seen)
        self.assertIn(f" 352 bob #lobby alicex {GUEST_HOST} chatd alice H", seen)

    def test_accountRegisteredInSessionCrossesNodes(self) -> None:
        """
        A user who registers their name while connected (TCHAT's C{REGIS},
        talk's C{/register}...) is shown as that account on every node: an
        C{account-notify} client elsewhere sees C{ACCOUNT <name>}, not
        C{ACCOUNT *}, and C{WHOIS} gives C{330}.
        """
        carol = self.ircClient(self.b, "carol", "account-notify")
        carol.send("JOIN #lobby")
        self.settle()
        carol.read()
        status.accountCreated(self.a.service, self.alice.proto, self.a.service.people.presence)
        self.settle()
        self.assertIn(":alice!alicex@user/alice ACCOUNT alice\r\n", carol.read())
        carol.send("WHOIS alice")
        self.assertIn(" 330 carol alice alice :is logged in as\r\n", carol.read())

    def answeredOnceHeard(self, line: str, reply: str) -> None:
        """
        C{alice} sends C{line} while node b's mail is held: no C{reply}
        until b has read it (and answered the barrier's ping).
        """
        self.b.hold()
        self.alice.send(line)
        self.assertNotIn(reply, self.alice.read())
        self.b.release()
        self.assertIn(reply, self.alice.read())

    def test_awayAnsweredOnceOtherNodesHeard(self) -> None:
        """
        C{AWAY} is answered once every other node has heard of it, as a
        login is: a C{USERHOST} asked on another node after the reply
        shows the user away.
        """
        self.answeredOnceHeard("AWAY :at lunch", " 306 alice :You have been marked as being away")
        self.bob.send("USERHOST alice")
        self.assertIn(f" 302 bob alice=-alicex@{GUEST_HOST}\r\n", self.bob.read())
        self.answeredOnceHeard("AWAY", " 305 alice :You are no longer marked as being away")
        self.bob.send("USERHOST alice")
        self.assertIn(f" 302 bob alice=+alicex@{GUEST_HOST}\r\n", self.bob.read())

    def test_awayAnsweredWithoutSilentNode(self) -> None:
        """
        A node that hears nothing any more delays the answer only for the
        cluster's wait (L{chatd.cluster.barrier.WAIT}).
        """
        self.b.alive = False
        self.alice.send("AWAY :at lunch")
        self.assertNotIn(" 306 ", self.alice.read())
        self.clock.advance(WAIT)
        self.assertIn(" 306 alice :You have been marked as being away", self.alice.read())

    def test_userModeAnsweredOnceOtherNodesHeard(self) -> None:
        """
        A user mode other nodes show (C{+B}) is confirmed once they know
        it: their C{WHOIS} then says C{335}.
        """
        self.answeredOnceHeard("MODE alice +B", " MODE alice :+B")
        self.bob.send("WHOIS alice")
        self.assertIn(" 335 bob alice ", self.bob.read())

    def test_operAnsweredOnceOtherNodesHeard(self) -> None:
        """
        C{OPER} is answered once the other nodes show the operator.
        """
        self.alice.proto.factory.operChecker = self.operChecker()
        self.answeredOnceHeard("OPER operuser operpassword", " 381 alice ")
        self.bob.send("WHOIS alice")
        self.assertIn(" 313 bob alice ", self.bob.read())

    def test_setnameAnsweredOnceOtherNodesHeard(self) -> None:
        """
        C{SETNAME}'s confirmation comes once the other nodes know the new
        name.
        """
        self.alice.send("CAP REQ setname")
        self.answeredOnceHeard("SETNAME :Alice P. Liddell", " SETNAME :Alice P. Liddell")

    def test_setnameCrossesNodes(self) -> None:
        """
        C{SETNAME} on one node shows to C{setname} clients on the other,
        and C{WHOIS} there gives the new name.
        """
        self.alice.send("SETNAME :Alice P. Liddell")
        self.assertIn(f":alice!alicex@{GUEST_HOST} SETNAME :Alice P. Liddell\r\n", self.bob.read())
        self.bob.send("WHOIS alice")
        self.assertIn(
            f" 311 bob alice alicex {GUEST_HOST} * :Alice P. Liddell\r\n", self.bob.read()
        )

    def test_botModeCrossesNodes(self) -> None:
        """
        User mode C{+B} set on one node shows on the other: C{B} in C{WHO},
        C{335} in C{WHOIS}; without it, neither.
        """
        self.alice.send("MODE alice +B")
        self.bob.send("WHO #lobby", "WHOIS alice")
        seen = self.bob.read()
        self.assertIn(f" 352 bob #lobby alicex {GUEST_HOST} chatd alice HB", seen)
        self.assertIn(" 335 bob alice ", seen)
        self.alice.send("MODE alice -B")
        self.bob.send("WHO #lobby", "WHOIS alice")
        seen = self.bob.read()
        self.assertIn(f" 352 bob #lobby alicex {GUEST_HOST} chatd alice H :", seen)
        self.assertNotIn(" 335 ", seen)

    def test_publishedOnceNeverEchoed(self) -> None:
        """
        A change is published once, by the user's node, with the whole
        profile; the node applying it publishes nothing back.
        """
        before = len(self.statusEnvelopes())
        self.alice.send("AWAY :gone")
        self.settle()
        [envelope] = self.statusEnvelopes()[before:]
        self.assertEqual((envelope["u"], envelope["st"]), ("alice", "away"))
        self.assertEqual(
            envelope["pf"],
            {"p": "irc", "h": GUEST_HOST, "id": "alicex", "rn": "Alice Liddell", "aw": "gone"},
        )

    def test_nodeStartedLaterLearnsProfiles(self) -> None:
        """
        A node that starts after a user went away learns their profile from
        the states the others send it.
        """
        self.alice.send("AWAY :at lunch")
        c = FakeNode(self, self.redis, "c")
        c.start()
        self.settle()
        alice = c.service.find("alice")
        assert isinstance(alice, RemoteParticipant)
        self.assertEqual(
            (alice.protocolName, alice.ident, alice.realName, alice.awayMessage),
            ("irc", "alicex", "Alice Liddell", "at lunch"),
        )

    def test_personAwayOnAnyConnection(self) -> None:
        """
        What other nodes are told is the person's status, whatever
        connection changed it: an always-on account's absent stand-in, or
        any other participant announcing through the service.
        """
        carol = self.a.user("carol", "lobby")
        carol.awayMessage = "brb"  # type: ignore[attr-defined]
        announce(self.a.service, carol, AWAY, "brb", 0, self.a.service.people.presence)
        self.settle()
        proxy = self.b.service.find("carol")
        assert isinstance(proxy, RemoteParticipant)
        self.assertEqual((proxy.awayMessage, proxy.protocolName), ("brb", "test"))
        self.assertIn(f":carol!carol@{GUEST_HOST} AWAY :brb\r\n", self.bob.read())


class MissingProfileTests(SynchronousTestCase):
    """
    A login that carries no profile shows its user with the C{remote}
    host, no real name, never away; a change of user modes only updates the
    profile, and one for a user this node does not know is dropped.
    """

    def test_noProfile(self) -> None:
        clock = Clock()
        redis = FakeRedis(clock)
        a, b = FakeNode(self, redis, "a"), FakeNode(self, redis, "b")
        for node in (a, b):
            node.start()
        b.bridge.remote_login("a", {"u": "dave"})
        dave = b.service.find("dave")
        assert isinstance(dave, RemoteParticipant)
        self.assertEqual(
            (dave.protocolName, dave.ident, dave.realName, dave.awayMessage),
            ("remote", None, None, None),
        )
        b.bridge.remote_status("a", {"u": "dave", "st": "profile", "pf": {"um": "Bi"}})
        self.assertEqual(dave.userModes, frozenset("Bi"))
        b.bridge.remote_status("a", {"u": "nobody", "st": "away", "pf": {"aw": "x"}})
        self.assertIsNone(b.service.find("nobody"))


class SASLAccountTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = clock = Clock()
        clock.advance(1_700_000_000)
        redis = FakeRedis(clock)
        store = MemoryChatStore()  # the database both nodes share
        store.startService()
        nodes = []
        for name in "ab":
            checker = PasswordChecker(
                PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
                runInThread=maybeDeferred,
            )
            accounts = Accounts(store, clock, checker)
            nodes.append(
                FakeNode(self, redis, name, sharedStore=True, store=store, accounts=accounts)
            )
        self.a, self.b = nodes
        for node in nodes:
            node.start()
        self.owner = self.a.user("shivaram")
        self.successResultOf(self.a.service.register(self.owner, "sesame"))
        self.a.turns()

    def test_identifyToAccountOnAnotherNode(self) -> None:
        """
        NickServ's C{IDENTIFY} to an account signed in on another node is
        refused with the reason: it cannot be joined from here.
        """
        curious = IRCClient(self.b, self.clock, "curious", "Curious")
        curious.proto.factory.accountRegistration = True  # as with a store (tap.py)
        curious.send("PRIVMSG NickServ :IDENTIFY shivaram sesame")
        self.b.turns()
        seen = curious.read()
        self.assertIn("signed in on another server", seen)
        self.assertNotIn("connect with it", seen)
        curious.proto.connectionLost(None)

    def test_accountNamedAsItIs(self) -> None:
        """
        A client that logs in with SASL to an account other than its
        nickname is shown on the other node with that account's name
        (C{330}), not with the key chatd compares names by, and with the
        ident and real name it gave once logged in.
        """
        a, b, clock = self.a, self.b, self.clock
        a.service.disconnect(self.owner)
        a.turns()
        netcat = IRCClient(a, clock, "netcat", "Net Cat", sasl=("shivaram", "sesame"))
        curious = IRCClient(b, clock, "curious", "Curious")
        curious.send("WHOIS netcat")
        seen = curious.read()
        self.assertIn(" 330 curious netcat shivaram :", seen)
        self.assertIn(" 311 curious netcat netcatx user/shivaram * :Net Cat\r\n", seen)
        for client in (netcat, curious):
            client.proto.connectionLost(None)
