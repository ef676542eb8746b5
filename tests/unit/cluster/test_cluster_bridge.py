"""
Tests for L{chatd.cluster.bridge}: several nodes' services kept in step
through a fake Redis, on one L{Clock}.
"""

from __future__ import annotations

import json

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from chatd.cluster.remote import RemoteParticipant
from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.admission import parseNetwork
from chatd.core.events import Membership, Notice, PrivateMessage, Rename, RoomMessage
from chatd.core.hooks import IChatObserver
from chatd.core.interfaces import IParticipant
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled
from chatd.web.metrics import ChatCollector
from tests.support.fakenode import FakeNode
from tests.support.fakeredis import FakeRedis


class BridgeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.redis = FakeRedis(self.clock)
        self.a = FakeNode(self, self.redis, "a")
        self.b = FakeNode(self, self.redis, "b")
        self.c = FakeNode(self, self.redis, "c")
        for node in (self.a, self.b, self.c):
            node.start()
        self.settle()

    def settle(self) -> None:
        """
        Deliver everything published so far, and what that causes.
        """
        for _ in range(10):
            self.clock.advance(0)

    def sent(self, before: int) -> list[tuple[str, str]]:
        """
        The (receiving node, kind) of every envelope published after the
        first C{before}.
        """
        return [
            (stream.rpartition(":")[2], json.loads(message)["k"])
            for stream, message in self.redis.published[before:]
        ]

    def test_proxiesAreLight(self) -> None:
        """
        Every node holds a proxy for each user of every other node: one
        without a C{__dict__}, sharing its node's address text with the
        node's other proxies.
        """
        self.a.user("alice", "lobby")
        self.a.user("bob")
        self.settle()
        alice, bob = self.b.service.find("alice"), self.b.service.find("bob")
        assert isinstance(alice, RemoteParticipant) and isinstance(bob, RemoteParticipant)
        self.assertFalse(hasattr(alice, "__dict__"))
        self.assertEqual(alice.address, "node a")
        self.assertIs(alice.address, bob.address)

    def test_operatorProofTravels(self) -> None:
        """
        Other nodes see a chatd operator as one only when its own node
        checked the account's password: a guest using the name is not.
        """
        op = self.a.user("op", "lobby")
        self.settle()
        proxy = self.b.service.find("op")
        assert proxy is not None
        self.assertTrue(self.b.service.isOperator(proxy))
        self.a.service.disconnect(op)
        self.settle()
        self.a.user("op", "lobby", proven=False)
        self.settle()
        proxy = self.b.service.find("op")
        assert proxy is not None
        self.assertFalse(self.b.service.isOperator(proxy))
        self.assertEqual(self.c.service.memberStatus("lobby", "op"), "")

    def test_otherAccountIsNoProofOfTheName(self) -> None:
        """
        One signed in to another account under its own nickname (IRC SASL
        after registration) is a guest to other nodes, which know it by
        name: the name's rights need the name's own password.
        """
        op = self.a.user("op", "lobby", proven=False)
        self.a.service.people.accounts.prove(op, "olga")
        self.a.bridge.publishState()
        self.settle()
        proxy = self.b.service.find("op")
        assert proxy is not None
        self.assertFalse(self.b.service.isOperator(proxy))
        self.assertIsNone(self.b.service.provenAccount(proxy))

    def test_interfaces(self) -> None:
        """
        The bridge is a service observer and a proxy a participant.
        """
        verifyObject(IChatObserver, self.a.bridge)
        verifyObject(IParticipant, RemoteParticipant(self.a.bridge, "b", "x"))

    def test_remoteUsersAppear(self) -> None:
        """
        A user logged in on one node is, on every other node, a proxy that
        can be found, is in their rooms, and shows in LSMEM.
        """
        self.a.user("alice", "lobby")
        self.settle()
        bob = self.b.user("bob", "lobby")
        self.settle()
        proxy = self.b.service.find("ALICE")
        self.assertIsInstance(proxy, RemoteParticipant)
        self.assertEqual(self.b.service.members(bob, "lobby"), ["alice", "bob"])
        self.assertEqual(self.c.service.rooms(), [("lobby", 2)])
        self.assertEqual(
            [e.nick for e in bob.events if isinstance(e, Membership)], []
        )  # alice was there first

    def test_roomMessageOncePerNode(self) -> None:
        """
        A message to a room with members on two other nodes is published
        once for each of those nodes, and each of those members gets it
        once, in order.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        carol = self.b.user("carol", "lobby")
        dave = self.c.user("dave", "lobby")
        self.settle()
        before, entries = len(self.redis.published), len(self.redis.entries)
        sent = []
        for i in range(3):
            sent.append(self.a.service.say(alice, "lobby", (f"hello {i}",)))
        self.settle()
        # One turn's messages to a room: one run for each node, in one entry.
        self.assertEqual(self.sent(before), [("b", "says"), ("c", "says")])
        for _, message in self.redis.published[before:]:
            envelope = json.loads(message)
            self.assertEqual(envelope["room"], "lobby")
            self.assertEqual(
                [m[:2] for m in envelope["m"]], [["alice", [f"hello {i}"]] for i in range(3)]
            )
        self.assertEqual(len(self.redis.entries) - entries, 2)
        for person in (bob, carol, dave):
            said = [e for e in person.events if isinstance(e, RoomMessage)]
            self.assertEqual([e.lines for e in said], [("hello 0",), ("hello 1",), ("hello 2",)])
            self.assertEqual({e.sender for e in said}, {"alice"})
            # The same message everywhere: its msgid and time from its node.
            self.assertEqual(
                [(e.msgid, e.millis) for e in said], [(e.msgid, e.millis) for e in sent]
            )

    def test_roomMessageOnlyWhereMembersAre(self) -> None:
        """
        A node with no member in a room is sent none of its messages; once
        one of its users enters, it is sent the next ones.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        carol = self.c.user("carol")
        self.settle()
        before = len(self.redis.published)
        self.a.service.say(alice, "lobby", ("for b",))
        self.settle()
        self.assertEqual(self.sent(before), [("b", "says")])
        self.c.service.enter(carol, "lobby")
        self.settle()
        self.a.service.say(alice, "lobby", ("for b and c",))
        self.settle()
        said = [e.lines for e in carol.events if isinstance(e, RoomMessage)]
        self.assertEqual(said, [("for b and c",)])
        said = [e.lines for e in bob.events if isinstance(e, RoomMessage)]
        self.assertEqual(said, [("for b",), ("for b and c",)])

    def test_membershipSeenRemotely(self) -> None:
        """
        Entering and leaving a room on one node is seen by members on others.
        """
        bob = self.b.user("bob", "lobby")
        self.settle()
        alice = self.a.user("alice", "lobby")
        self.settle()
        self.a.service.leave(alice, "lobby")
        self.settle()
        moves = [(e.nick, e.joined) for e in bob.events if isinstance(e, Membership)]
        self.assertEqual(moves, [("alice", True), ("alice", False)])

    def test_entryDatedWhereItHappened(self) -> None:
        """
        An entry and an exit that reach another node late (its inbox read
        late, as after a Redis outage) are dated there when they happened,
        not when they arrived.
        """
        bob, carol = self.b.user("bob", "lobby"), self.a.user("carol", "lobby")
        self.settle()
        alice = self.a.user("alice")
        self.clock.advance(0.25)
        self.b.hold()
        self.a.service.enter(alice, "lobby")
        for _ in range(12):  # (beats go on meanwhile)
            self.clock.advance(0.5)
        self.a.service.leave(alice, "lobby")
        for _ in range(8):
            self.clock.advance(0.5)
        self.b.release()
        self.settle()
        there = [e for e in bob.events if isinstance(e, Membership) and e.nick == "alice"]
        here = [e for e in carol.events if isinstance(e, Membership) and e.nick == "alice"]
        self.assertEqual([e.joined for e in there], [True, False])
        self.assertLess(here[-1].moment, self.clock.seconds() - 3)
        self.assertEqual([(e.moment, e.when) for e in there], [(e.moment, e.when) for e in here])

    def test_privateMessage(self) -> None:
        """
        A private message reaches a user on another node, once.
        """
        alice = self.a.user("alice")
        bob = self.b.user("bob")
        self.settle()
        self.a.service.tell(alice, "BOB", ("psst",))
        self.settle()
        [event] = [e for e in bob.events if isinstance(e, PrivateMessage)]
        self.assertEqual((event.sender, event.recipient, event.lines), ("alice", "bob", ("psst",)))
        self.assertTrue(event.msgid)
        self.assertEqual(self.redis.kinds(self.b.inbox).count("tell"), 1)
        self.assertEqual(self.redis.kinds(self.c.inbox).count("tell"), 0)

    def test_nickUniqueAcrossNodes(self) -> None:
        """
        A nickname in use on one node is refused on another, also when both
        log in at the same moment, before either node heard of the other.
        """
        self.a.user("alice")
        self.settle()
        self.assertRaises(errors.NickTaken, self.b.service.login, RecordingParticipant(), "Alice")
        first, second = RecordingParticipant(), RecordingParticipant()
        self.b.service.connect(first)
        self.c.service.connect(second)
        zed = settled(self.b.service.login(first, "zed"))
        self.settle()
        refused = self.c.outcome(self.c.service.login, second, "ZED")
        self.failureResultOf(refused, errors.NickTaken)
        self.successResultOf(zed)
        self.assertIsNone(second.nick)

    def test_accountSignedInElsewhereSaysSo(self) -> None:
        """
        A login under the name of an account signed in with its password on
        another node is refused with a reason that says so (its connections
        must all be on one node); a guest's name gets the plain refusal.
        """
        self.a.user("op")  # the operator's account, proven on node A
        self.a.user("guest", proven=False)
        self.settle()
        error = self.assertRaises(
            errors.NickTaken, self.b.service.login, RecordingParticipant(), "op"
        )
        self.assertIn("signed in on another server", error.text)
        self.assertIn("if that server just stopped, try again in a few seconds", error.text)
        error = self.assertRaises(
            errors.NickTaken, self.b.service.login, RecordingParticipant(), "guest"
        )
        self.assertEqual(error.text, errors.NickTaken.reason)

    def test_logoutFreesName(self) -> None:
        """
        When a user disconnects, others are told and the name is free
        everywhere.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.a.service.disconnect(alice, "quit")
        self.settle()
        self.assertIsNone(self.b.service.find("alice"))
        [gone] = [e for e in bob.events if isinstance(e, Membership) and not e.joined]
        self.assertEqual(gone.reason, "quit")
        self.c.user("alice")

    def test_rename(self) -> None:
        """
        A rename is claimed cluster-wide, seen by room-mates elsewhere, and
        frees the old name.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.settle()
        self.assertRaises(errors.NickTaken, self.a.service.rename, alice, "bob")
        renamed = settled(self.a.service.rename(alice, "alicia"))
        self.settle()
        self.successResultOf(renamed)
        [event] = [e for e in bob.events if isinstance(e, Rename)]
        self.assertEqual((event.old, event.new), ("alice", "alicia"))
        self.assertIsInstance(self.b.service.find("alicia"), RemoteParticipant)
        self.c.user("alice")

    def test_roomCreatedEverywhere(self) -> None:
        """
        A room created on one node exists on the others.
        """
        alice = self.a.user("alice")
        self.a.service.createRoom(alice, "Général")
        self.settle()
        self.assertEqual([name for name, _ in self.c.service.rooms()], ["Général", "lobby"])

    def test_kickFromAnotherNode(self) -> None:
        """
        An operator on one node kicks a user of another: the user's own
        node ends their session, and everyone sees them leave.
        """
        alice = self.a.user("alice", "lobby")
        op = self.b.user("op", "lobby")
        carol = self.c.user("carol", "lobby")
        self.settle()
        self.b.service.kick(op, "alice", "timed out")
        self.settle()
        self.assertIsInstance(alice.disconnectedWith, errors.Killed)  # no timeout
        # Counted by her node as the kind of action, not by the reason's words.
        self.assertEqual([r for _, r in self.a.service.stats.disconnects], ["killed"])
        self.assertIsNone(self.a.service.find("alice"))
        self.assertIsNone(self.c.service.find("alice"))
        [gone] = [e for e in carol.events if isinstance(e, Membership) and not e.joined]
        self.assertEqual(gone.reason, "kicked by op: timed out")

    def test_sessionEndedWithAnyError(self) -> None:
        """
        A session ended from another node with another error than a kick
        (the admin console's ban, say) ends with that error at home.
        """
        alice = self.a.user("alice")
        self.settle()
        proxy = self.b.service.find("alice")
        assert proxy is not None
        self.b.service.disconnect(proxy, "no")
        proxy.disconnect(errors.NickTaken("taken"))
        self.settle()
        self.assertIsInstance(alice.disconnectedWith, errors.NickTaken)
        self.assertEqual(str(alice.disconnectedWith), "taken")

    def test_sanctionsEverywhere(self) -> None:
        """
        A ban, a mute or operator rights set from one node's console (its
        L{Moderation}) apply on every node, and so does lifting them.
        """
        self.a.service.moderation.ban("mallory", "spam", "root")
        self.b.service.moderation.mute("bob", None, "shouting", "root")
        self.b.service.moderation.op("olga", "root")
        self.settle()
        self.assertRaises(errors.Banned, self.c.service.login, RecordingParticipant(), "Mallory")
        bob = self.a.user("bob", "lobby")
        self.assertRaises(errors.Muted, self.a.service.say, bob, "lobby", ("hi",))
        olga = self.c.user("olga")
        self.assertFalse(self.c.service.isOperator(olga))  # not without her password
        self.c.service.people.accounts.prove(olga, "olga")
        self.assertTrue(self.c.service.isOperator(olga))
        self.c.service.moderation.lift("ban", "mallory")
        self.settle()
        self.a.user("mallory")

    def test_addressBanClosesEverywhere(self) -> None:
        """
        An address ban set on node A (as its console does) closes the
        connections from that network on every node, each told who banned
        it and why; other addresses stay.
        """
        victimA = self.a.user("victima", address="203.0.113.7")
        victimB = self.b.user("victimb", address="203.0.113.8")
        honest = self.b.user("honest", address="198.51.100.1")
        self.settle()
        network = parseNetwork("203.0.113.0/24")
        ban = self.a.service.moderation.banAddress(network, "abuse", "root", 600, force=True)
        self.assertEqual(self.a.service.closeBanned(ban), 1)
        self.settle()
        for victim in (victimA, victimB):
            self.assertIsInstance(victim.disconnectedWith, errors.Banned)
            self.assertEqual(
                str(victim.disconnectedWith),
                "your address was banned by the administrator root for 10m: abuse",
            )
        self.assertIsNone(honest.disconnectedWith)

    def test_bridgeKick(self) -> None:
        """
        L{Bridge.kick}, for the admin console, ends a session wherever it is.
        """
        alice = self.a.user("alice")
        self.settle()
        self.c.bridge.kick("alice", "kicked by the console")
        self.settle()
        self.assertIsInstance(alice.disconnectedWith, errors.Kicked)
        self.assertRaises(errors.NoSuchUser, self.c.bridge.kick, "nobody", "")

    def test_noticeOncePerNode(self) -> None:
        """
        An announcement reaches users on other nodes with one envelope.
        """
        bob = self.b.user("bob")
        carol = self.b.user("carol")
        self.settle()
        self.a.service.announce("maintenance at noon")
        self.settle()
        self.assertEqual(self.redis.kinds().count("notice"), 1)
        for person in (bob, carol):
            self.assertEqual(
                [e.text for e in person.events if isinstance(e, Notice)], ["maintenance at noon"]
            )

    def test_moderationRelay(self) -> None:
        """
        L{Bridge.moderate} reaches every other node's moderation handlers.
        """
        seen: list[tuple[str, dict[str, object]]] = []
        self.b.bridge.onModeration(lambda action, fields: seen.append((action, fields)))
        self.a.bridge.moderate("ban", nick="mallory", reason="spam")
        self.settle()
        self.assertEqual(seen, [("ban", {"nick": "mallory", "reason": "spam"})])

    def test_deadNodeUsersLeave(self) -> None:
        """
        A node that stops dead has its users leave their rooms on the
        others within TTL plus one heartbeat, with a reason, and its names
        become free.
        """
        self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.clock.pump([1.0] * 4)
        self.a.crash()
        self.clock.pump([1.0] * 2)
        self.assertIsNotNone(self.b.service.find("alice"))
        self.clock.pump([1.0] * 2)
        self.assertIsNone(self.b.service.find("alice"))
        [gone] = [e for e in bob.events if isinstance(e, Membership) and not e.joined]
        self.assertEqual(gone.reason, "their server went away")
        self.c.user("alice")

    def test_nodeBackFromTheDead(self) -> None:
        """
        A node declared dead that speaks again (it was only stalled) is sent
        nothing meanwhile, so it and the node that declared it dead trade
        whole states: each then sees the users the other had meanwhile.
        """
        alice = self.a.user("alice", "lobby")
        self.clock.pump([1.0] * 4)
        self.a.crash()
        self.clock.pump([1.0] * 4)
        self.assertIsNone(self.b.service.find("alice"))
        self.b.user("bob", "lobby")  # not sent to a: b believes it dead
        self.settle()
        self.a.alive = True
        self.a.presence.start()
        self.a.user("dave", "lobby")
        self.settle()
        self.assertIsInstance(self.b.service.find("alice"), RemoteParticipant)
        self.assertIsInstance(self.b.service.find("dave"), RemoteParticipant)
        self.assertIsInstance(self.a.service.find("bob"), RemoteParticipant)
        self.assertEqual(sorted(self.a.service.members(alice, "lobby")), ["alice", "bob", "dave"])

    def test_silentNodeBackFromTheDead(self) -> None:
        """
        A node declared dead that beats again without saying anything is
        found again at the next beat, and the two trade whole states.
        """
        self.a.user("alice", "lobby")
        self.clock.pump([1.0] * 4)
        self.a.crash()
        self.clock.pump([1.0] * 4)
        self.assertIsNone(self.b.service.find("alice"))
        self.b.user("bob", "lobby")
        self.settle()
        self.a.alive = True
        self.a.presence.start()
        self.clock.pump([1.0] * 2)
        self.assertIsInstance(self.b.service.find("alice"), RemoteParticipant)
        self.assertIsInstance(self.a.service.find("bob"), RemoteParticipant)

    def test_redisGap(self) -> None:
        """
        While Redis is away, local chat goes on, new names are refused with
        a clear error; once it is back the nodes trade states and what
        changed meanwhile shows up everywhere.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        pal = self.a.user("pal", "lobby")
        self.settle()
        self.redis.down = True
        for node in (self.a, self.b, self.c):
            node.bridge.linkDown()
        self.a.service.say(alice, "lobby", ("only here",))
        self.assertEqual(pal.events[-1].lines, ("only here",))  # type: ignore[attr-defined]
        newcomer = RecordingParticipant()
        self.a.service.connect(newcomer)
        self.failureResultOf(self.a.service.login(newcomer, "new"), errors.ClusterUnavailable)
        self.a.service.createRoom(alice, "dev")
        self.a.service.enter(alice, "dev")
        self.b.service.leave(bob, "lobby")
        self.redis.data.clear()  # Redis restarted empty
        self.redis.down = False
        for node in (self.a, self.b, self.c):
            node.bridge.linkUp()
        self.settle()
        self.assertEqual(self.c.service.rooms(), [("dev", 1), ("lobby", 2)])
        self.assertEqual(self.a.service.rooms(), [("dev", 1), ("lobby", 2)])
        self.assertRaises(errors.NickTaken, self.c.service.login, RecordingParticipant(), "alice")
        claim = self.c.presence.claim("alice")
        self.failureResultOf(claim, errors.NickTaken)

    def test_stateRemovesStaleProxies(self) -> None:
        """
        A node's state snapshot is the truth: proxies it does not list go.
        """
        self.a.user("alice", "lobby")
        self.settle()
        self.assertIsNotNone(self.b.service.find("alice"))
        following = self.b.bus.lastSeq["a"] + 1
        message = json.dumps({"n": "a", "q": following, "k": "state", "users": [], "rooms": []})
        self.b.bus.received(self.b.inbox, message)
        self.assertIsNone(self.b.service.find("alice"))

    def test_remoteOriginNotRepublished(self) -> None:
        """
        Events a node applies for another node are never published again.
        """
        alice = self.a.user("alice", "lobby")
        self.b.user("bob", "lobby")
        self.c.user("carol", "lobby")
        self.settle()
        before = len(self.redis.published)
        self.a.service.say(alice, "lobby", ("once",))
        self.settle()
        self.assertEqual(self.sent(before), [("b", "says"), ("c", "says")])

    def test_messageFromUnknownSender(self) -> None:
        """
        A message from someone this node does not see in the room (the
        states diverged) is held, not delivered; the node asks the sender's
        node for its state once (and only it answers), and when the
        sender's state puts them back in the room the held messages are
        shown, in order, after their return.
        """
        alice = self.a.user("alice", "lobby")
        bob = self.b.user("bob", "lobby")
        self.c.user("carol", "lobby")
        self.settle()
        proxy = self.b.service.find("alice")
        assert proxy is not None
        self.b.service.replica.leaveRemote(proxy, "lobby")
        bob.events.clear()
        before = len(self.redis.published)
        self.a.service.say(alice, "lobby", ("one",))
        self.a.service.say(alice, "lobby", ("two",))
        self.settle()
        self.assertEqual(
            self.sent(before),
            [("b", "says"), ("c", "says"), ("a", "hello"), ("b", "state")],
        )
        self.assertEqual(self.b.service.members(bob, "lobby"), ["bob", "carol", "alice"])
        kinds = [type(e).__name__ for e in bob.events]
        self.assertEqual(kinds[-2:], ["RoomMessage", "RoomMessage"])
        self.assertIn("Membership", kinds[:-2])
        said = [e.lines for e in bob.events if isinstance(e, RoomMessage)]
        self.assertEqual(said, [("one",), ("two",)])


class WithStoresTests(SynchronousTestCase):
    """
    Nodes that each have a store (accounts, history): what a node applies
    for another is never checked against, nor written to, its own store.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.stores = [MemoryChatStore(), MemoryChatStore()]
        nodes = []
        for name, store in zip("ab", self.stores, strict=True):
            store.startService()
            checker = PasswordChecker(
                PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
                runInThread=maybeDeferred,
            )
            accounts = Accounts(store, self.clock, checker)
            nodes.append(FakeNode(self, self.redis, name, store=store, accounts=accounts))
        self.a, self.b = nodes
        for node in nodes:
            node.start()
        self.settle()

    def settle(self) -> None:
        for _ in range(10):
            self.clock.advance(0)

    def test_storedOnceAtOrigin(self) -> None:
        """
        A room message is stored by the sender's node only; users entering
        a room on their node are seen there elsewhere; a name
        registered on one node's store is no hurdle for its proxy on the
        other.
        """
        carol = self.b.user("carol")
        self.successResultOf(self.b.service.register(carol, "secret1"))
        self.b.service.disconnect(carol)
        self.settle()
        carolOnA = self.a.user("carol", "lobby", "Général")
        bob = self.b.user("bob", "lobby", "Général")
        self.settle()
        self.assertIsInstance(self.b.service.find("carol"), RemoteParticipant)
        self.assertEqual(sorted(self.b.service.members(bob, "Général")), ["bob", "carol"])
        self.a.service.say(carolOnA, "lobby", ("hi",))
        self.settle()
        self.assertEqual([e.lines for e in bob.events if isinstance(e, RoomMessage)], [("hi",)])
        marks = (self.stores[0].mark(), self.stores[1].mark())
        self.assertEqual([self.successResultOf(mark) for mark in marks], [2, 1])

    def test_passwordLoginClaims(self) -> None:
        """
        A registered user's login claims the name cluster-wide once the
        password is verified; a wrong password never claims it, so the
        right one sent just after is not refused as taken (23).
        """
        dave = self.a.user("dave")
        self.successResultOf(self.a.service.register(dave, "secret1"))
        self.a.service.disconnect(dave)
        self.settle()
        wrong = RecordingParticipant()
        self.a.service.connect(wrong)
        before = len(self.redis.commands)
        refused = self.a.outcome(self.a.service.login, wrong, "dave", "nope")
        self.failureResultOf(refused, errors.BadPassword)
        self.assertNotIn(
            "SET", self.redis.commands[before:]
        )  # nothing claimed, nothing to give back
        owner = RecordingParticipant()
        self.a.service.connect(owner)
        right = self.a.service.login(owner, "dave", "secret1")
        self.settle()
        self.assertEqual(self.successResultOf(settled(right)), "dave")
        self.failureResultOf(self.b.presence.claim("dave"), errors.NickTaken)
        self.assertIsInstance(self.b.service.find("dave"), RemoteParticipant)


class MetricsTests(SynchronousTestCase):
    def test_remoteUsersCountedAsRemote(self) -> None:
        """
        A node's C{chatd_users} counts the users another node serves under
        C{remote}, whatever their protocol, and its own under theirs: the
        other labels summed over the nodes count everyone once.
        """
        clock = Clock()
        redis = FakeRedis(clock)
        a, b = FakeNode(self, redis, "a"), FakeNode(self, redis, "b")
        for node in (a, b):
            node.start()
        a.user("alice")
        b.user("bob")
        for _ in range(10):
            clock.advance(0)
        samples = {
            sample.labels["protocol"]: sample.value
            for family in ChatCollector(b.service).collect()
            if family.name == "chatd_users"
            for sample in family.samples
        }
        self.assertEqual((samples["remote"], samples["test"]), (1, 1))
