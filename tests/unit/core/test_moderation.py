"""
Tests for L{chatd.core.moderation}: the rules, their expiry on the clock, and the
service enforcing them for every front-end.
"""

from __future__ import annotations

from typing import cast

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, capturedLogs, formatEvent, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.admission import parseNetwork
from chatd.core.events import RoomMessage
from chatd.core.moderation import Moderation
from chatd.core.names import key
from chatd.core.operators import OperatorKeys
from chatd.core.opgrants import WITHHELD
from chatd.core.sanctiontext import formatSpan
from chatd.core.service import ChatService
from chatd.modstore import BAN, IPBAN, KICK, OPERATOR, MemoryModerationStore, Sanction
from chatd.testing import RecordingParticipant


class ModerationRulesTests(SynchronousTestCase):
    """
    L{Moderation} on its own.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.store = MemoryModerationStore()
        self.moderation = Moderation(self.clock, OperatorKeys(), self.store)

    def test_kickExpires(self) -> None:
        """
        A kicked nickname is refused at login, in any case, until exactly the
        timeout has passed.
        """
        self.moderation.kick("Bob", 600, "spam", "root")
        self.clock.advance(599)
        error = self.assertRaises(errors.Kicked, self.moderation.checkLogin, "bob")
        self.assertIn("1s more: spam", error.text)
        self.clock.advance(1)
        self.moderation.checkLogin("bob")

    def test_banLastsUntilLifted(self) -> None:
        """
        A ban has no end; lifting it lets the nickname in again.
        """
        self.moderation.ban("bob", "abuse", "root")
        self.clock.advance(10 * 365 * 86400)
        self.assertRaises(errors.Banned, self.moderation.checkLogin, "BOB")
        self.assertTrue(self.moderation.lift(BAN, "Bob"))
        self.moderation.checkLogin("bob")
        self.assertFalse(self.moderation.lift(BAN, "bob"))

    def test_muteExpires(self) -> None:
        """
        A muted nickname may not speak until its mute lapses.
        """
        self.moderation.mute("bob", 30, "", "root")
        self.assertRaises(errors.Muted, self.moderation.checkSpeak, "bob")
        self.moderation.checkSpeak("alice")
        self.clock.advance(30)
        self.moderation.checkSpeak("bob")

    def test_addressBans(self) -> None:
        """
        A ban on an address or a CIDR network refuses addresses inside it,
        IPv4-mapped IPv6 forms included, and nothing outside it.
        """
        self.moderation.banAddress(parseNetwork("10.1.0.0/16"), "bots", "root")
        self.moderation.banAddress(parseNetwork("2001:db8::1"), "one", "root")
        for address in ("10.1.2.3", "::ffff:10.1.9.9", "2001:db8::1"):
            self.assertIsNotNone(self.moderation.addressBan(address), address)
        for address in ("10.2.0.1", "2001:db8::2", "127.0.0.1", "not-an-ip", ""):
            self.assertIsNone(self.moderation.addressBan(address), address)
        self.assertTrue(self.moderation.lift(IPBAN, "10.1.0.0/16"))
        self.assertIsNone(self.moderation.addressBan("10.1.2.3"))

    def test_sanctionsPersist(self) -> None:
        """
        Sanctions are saved as set and deleted when lifted or found lapsed.
        """
        self.moderation.kick("bob", 10, "r", "root")
        self.moderation.ban("eve", "r", "root")
        self.assertEqual({(KICK, "bob"), (BAN, "eve")}, set(self.store.sanctions))
        self.moderation.lift(BAN, "eve")
        self.clock.advance(10)
        self.assertEqual([], self.moderation.sanctions())
        self.assertEqual({}, self.store.sanctions)

    def test_restore(self) -> None:
        """
        A new L{Moderation} restored from a store enforces what is still in
        force, operators included, and drops what has lapsed.
        """
        now = self.clock.seconds()
        self.store.sanctions = {
            (KICK, "bob"): Sanction(KICK, "bob", "Bob", "r", "root", now - 10, now + 50),
            (KICK, "old"): Sanction(KICK, "old", "old", "r", "root", now - 10, now - 1),
            (OPERATOR, "carol"): Sanction(OPERATOR, "carol", "Carol", "", "root", now),
        }
        operators = OperatorKeys()
        fresh = Moderation(self.clock, operators)
        restored: Deferred[int] = Deferred.fromCoroutine(fresh.restore(self.store))
        self.assertEqual(2, self.successResultOf(restored))
        self.assertRaises(errors.Kicked, fresh.checkLogin, "bob")
        fresh.checkLogin("old")
        self.assertEqual({"carol"}, set(operators))
        self.assertNotIn((KICK, "old"), self.store.sanctions)
        self.clock.advance(50)
        fresh.checkLogin("bob")

    def test_restoreNameRekeyed(self) -> None:
        """
        A sanction stored under a key its name no longer has (the name rule
        learned that capital look-alikes are the letter: C{Вася}'s key
        changed) still holds, under the new key: a banned person does not
        walk back in.  A grant stored so is dropped: it never empowers a
        name it was not given to (C{Тina} now reads as C{tina}).  The log
        says which.
        """
        now = self.clock.seconds()
        self.store.sanctions = {
            (BAN, "\u0299ac\u044f"): Sanction(
                BAN, "\u0299ac\u044f", "\u0412\u0430\u0441\u044f", "spam", "root", now
            ),
            (OPERATOR, "\u1d1blna"): Sanction(OPERATOR, "\u1d1blna", "\u0422ina", "", "root", now),
            (BAN, "eve"): Sanction(BAN, "eve", "eve", "r", "root", now),
        }
        operators = OperatorKeys()
        fresh = Moderation(self.clock, operators)
        warnings: list[dict[str, object]] = []
        observer = cast(ILogObserver, warnings.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        restored: Deferred[int] = Deferred.fromCoroutine(fresh.restore(self.store))
        self.assertEqual(2, self.successResultOf(restored))
        self.assertRaises(errors.Banned, fresh.checkLogin, "\u0432\u0430\u0441\u044f")
        self.assertRaises(errors.Banned, fresh.checkLogin, "eve")
        self.assertEqual(set(), set(operators))
        self.assertEqual(
            {(BAN, "eve"), (BAN, key("\u0412\u0430\u0441\u044f"))}, set(self.store.sanctions)
        )
        said = " ".join(formatEvent(event) for event in warnings)
        self.assertIn("op of \u0422ina dropped", said)
        self.assertIn("ban of \u0412\u0430\u0441\u044f kept", said)

    def test_operators(self) -> None:
        """
        L{Moderation.op} and L{Moderation.deop} change the shared operator
        set and report whether anything changed.
        """
        self.assertTrue(self.moderation.op("Carol", "root"))
        self.assertFalse(self.moderation.op("carol", "root"))
        self.assertEqual({"carol"}, set(self.moderation.operators))
        self.assertTrue(self.moderation.deop("CAROL"))
        self.assertFalse(self.moderation.deop("carol"))
        self.assertEqual({}, self.store.sanctions)

    def test_messagesPerSecond(self) -> None:
        """
        The message rate is the last minute's accepted messages over 60 s.
        """
        for _ in range(60):
            self.moderation.checkSpeak("alice")
        self.clock.advance(30)
        for _ in range(60):
            self.moderation.checkSpeak("bob")
        self.assertEqual(2.0, self.moderation.messagesPerSecond())
        self.clock.advance(30)
        self.assertEqual(1.0, self.moderation.messagesPerSecond())
        self.clock.advance(30)
        self.assertEqual(0.0, self.moderation.messagesPerSecond())

    def test_audit(self) -> None:
        """
        Audit entries are kept in the store with who, what and when.
        """
        self.moderation.audit("root", "kick bob 10m spam")
        [entry] = self.successResultOf(self.moderation.lastAudit(5))
        self.assertEqual(
            ("root", "kick bob 10m spam", 1_000_000), (entry.who, entry.what, entry.at)
        )

    def test_formatSpan(self) -> None:
        """
        Durations are shown in their two largest units, rounded up.
        """
        self.assertEqual(
            ["0s", "1s", "1m 30s", "2h", "1d 1h", "1m"],
            [formatSpan(s) for s in (0, 0.2, 90, 7200, 90000, 59.5)],
        )


class ServiceEnforcementTests(SynchronousTestCase):
    """
    L{ChatService} asks its L{Moderation} at each gate, for every front-end.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"], operators=["Oper"])
        self.moderation = self.service.moderation

    def login(self, nick: str, address: str = "127.0.0.1") -> RecordingParticipant:
        participant = RecordingParticipant(address)
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def test_bannedAddressRefused(self) -> None:
        """
        A connection from a banned network is refused before login.
        """
        self.moderation.banAddress(parseNetwork("192.0.2.0/24"), "abuse", "root")
        self.assertRaises(errors.Banned, self.service.connect, RecordingParticipant("192.0.2.7"))
        self.assertEqual([], self.service.connections())
        self.service.connect(RecordingParticipant("198.51.100.1"))

    def test_kickedLoginRefused(self) -> None:
        """
        A kicked nickname cannot log in until the kick lapses.
        """
        self.moderation.kick("bob", 5, "calm down", "root")
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.assertRaises(errors.Kicked, self.service.login, participant, "Bob")
        self.assertIsNone(participant.nick)
        self.clock.advance(5)
        self.assertEqual("Bob", self.service.login(participant, "Bob"))

    def test_refusedLoginsLogged(self) -> None:
        """
        Each login a sanction refuses is logged, one line per attempt (the
        first few from an address), with who, from where and which
        sanction: refused at once (a ban, a kick of the name) or after a
        wait (the sanctions loading at start, an address banned meanwhile).
        """
        self.moderation.ban("troll", "spam", "root")
        self.moderation.kick("carol", 300, "flood", "root")
        waiting: Deferred[list[Sanction]] = Deferred()
        store = MemoryModerationStore()
        store.loadSanctions = lambda: waiting  # type: ignore[method-assign]
        with capturedLogs() as events:
            for nick in ("troll", "troll", "carol"):
                participant = RecordingParticipant("192.0.2.7")
                self.service.connect(participant)
                self.assertRaises(errors.ChatError, self.service.login, participant, nick)
            restoring = Deferred.fromCoroutine(self.moderation.restore(store))
            late = RecordingParticipant("198.51.100.9")
            self.service.connect(late)
            login = self.service.login(late, "dave")
            self.moderation.banAddress(parseNetwork("198.51.100.0/24"), "abuse", "root", force=True)
            waiting.callback([])
        self.successResultOf(restoring)
        self.failureResultOf(cast(Deferred[str], login), errors.Banned)
        refused = [formatEvent(e) for e in events if "refused" in formatEvent(e)]
        self.assertEqual(
            [
                "login of troll from 192.0.2.7 refused: banned for good: spam",
                "login of troll from 192.0.2.7 refused: banned for good: spam",
                "login of carol from 192.0.2.7 refused: kicked for 5m more: flood",
                "login of dave from 198.51.100.9 refused: address banned (198.51.100.0/24)"
                " for good: abuse",
            ],
            refused,
        )

    def test_refusedConnectionsLogged(self) -> None:
        """
        A connection from a banned network, refused before any login, is
        logged too: one line per attempt (the first few), with the address
        and the ban.
        """
        self.moderation.banAddress(parseNetwork("203.0.113.0/24"), "abuse", "root", force=True)
        with capturedLogs() as events:
            for _ in range(2):
                self.assertRaises(
                    errors.Banned, self.service.connect, RecordingParticipant("203.0.113.5")
                )
            self.service.connect(RecordingParticipant("192.0.2.7"))
        refused = [formatEvent(e) for e in events if "refused" in formatEvent(e)]
        self.assertEqual(
            ["connection from 203.0.113.5 refused: address banned (203.0.113.0/24) for good: abuse"]
            * 2,
            refused,
        )

    def test_mutedCannotSpeak(self) -> None:
        """
        A muted user's room and private messages are refused; others are not.
        """
        bob, alice = self.login("bob"), self.login("alice")
        for person in (bob, alice):
            self.service.enter(person, "lobby")
        self.moderation.mute("bob", 60, "", "root")
        self.assertRaises(errors.Muted, self.service.say, bob, "lobby", ("hi",))
        self.assertRaises(errors.Muted, self.service.tell, bob, "alice", ("hi",))
        self.service.say(alice, "lobby", ("hi",))
        self.clock.advance(60)
        self.service.say(bob, "lobby", ("back",))
        heardByBob = [e.lines for e in bob.events if isinstance(e, RoomMessage)]
        heardByAlice = [e.lines for e in alice.events if isinstance(e, RoomMessage)]
        self.assertEqual(([("hi",)], [("back",)]), (heardByBob, heardByAlice))

    def test_operatorsShared(self) -> None:
        """
        C{--operators} fill the moderation's operator set, and op/deop
        change who the service lets kick; the rights come with a login to
        the account with its password, never with the name alone.
        """
        oper, carol = self.login("oper"), self.login("carol")
        self.assertFalse(self.service.isOperator(oper))
        self.service.people.accounts.prove(oper, "oper")
        self.service.people.accounts.prove(carol, "carol")
        self.assertTrue(self.service.isOperator(oper))
        self.assertFalse(self.service.isOperator(carol))
        self.moderation.op("Carol", "root")
        self.assertTrue(self.service.isOperator(carol))
        self.moderation.deop("oper")
        self.assertFalse(self.service.isOperator(oper))

    def test_endSession(self) -> None:
        """
        L{ChatService.endSession} frees the nickname, tells the room why, and
        hands the participant the error.
        """
        bob, alice = self.login("bob"), self.login("alice")
        for person in (bob, alice):
            self.service.enter(person, "lobby")
        error = errors.Killed("killed by root: flooding")
        self.service.endSession(bob, error)
        self.assertIs(error, bob.disconnectedWith)
        self.assertIsNone(self.service.find("bob"))
        self.assertEqual("killed by root: flooding", alice.events[-1].reason)  # type: ignore[attr-defined]
        self.assertNotIn(bob, self.service.connections())

    def test_connectedAt(self) -> None:
        """
        The moderation notes when each connection was admitted.
        """
        self.clock.advance(42)
        bob = self.login("bob")
        self.assertEqual(42, self.moderation.connectedAt(bob))


class ReplicationTests(SynchronousTestCase):
    """
    C{onChange} reports each sanction added or lifted; C{replicate} applies
    another process's change without reporting it again.
    """

    def test_changesReportedAndReplicated(self) -> None:
        clock = Clock()
        here, there = Moderation(clock), Moderation(clock)
        seen: list[tuple[str, str, Sanction | None]] = []
        here.onChange = lambda kind, target, sanction: seen.append((kind, target, sanction))
        there.onChange = lambda kind, target, sanction: self.fail("replicated change reported")
        here.ban("Mallory", "spam", "root")
        here.op("Olga", "root")
        here.lift(BAN, "mallory")
        here.deop("olga")
        self.assertEqual(
            [(kind, target, sanction is not None) for kind, target, sanction in seen],
            [
                (BAN, key("mallory"), True),
                (OPERATOR, key("olga"), True),
                (BAN, key("mallory"), False),
            ]
            + [(OPERATOR, key("olga"), False), (WITHHELD, key("olga"), False)],
        )
        for kind, target, sanction in seen[:2]:
            there.replicate(kind, target, sanction)
        self.assertRaises(errors.Banned, there.checkLogin, "MALLORY")
        self.assertIn("olga", there.operators)
        for kind, target, sanction in seen[2:]:
            there.replicate(kind, target, sanction)
        there.checkLogin("mallory")
        self.assertNotIn("olga", there.operators)

    def test_configuredOperatorDeopReplicated(self) -> None:
        """
        A C{deop} of a configured operator (C{--operators}, not a sanction)
        is reported too (as L{WITHHELD}): every node withholds the name
        until its next reload, not only the console's.
        """
        clock = Clock()
        here = Moderation(clock, OperatorKeys(["opal"]))
        there = Moderation(clock, OperatorKeys(["opal"]))
        seen: list[tuple[str, str, Sanction | None]] = []
        here.onChange = lambda kind, target, sanction: seen.append((kind, target, sanction))
        self.assertTrue(here.deop("opal"))
        self.assertEqual(seen, [(OPERATOR, key("opal"), None), (WITHHELD, key("opal"), None)])
        for kind, target, sanction in seen:
            there.replicate(kind, target, sanction)
        self.assertNotIn(key("opal"), there.operators)
        there.operators.configure(["opal"])  # a reload
        self.assertIn(key("opal"), there.operators)

    def test_ungrantKeepsConfiguredName(self) -> None:
        """
        L{Moderation.ungrant} (an account deleted) ends the console's grant
        to a name, on every node, but a configured operator name keeps its
        rights there, as on the node that ended it.
        """
        clock = Clock()
        here = Moderation(clock, OperatorKeys(["opal"]))
        there = Moderation(clock, OperatorKeys(["opal"]))
        seen: list[tuple[str, str, Sanction | None]] = []
        here.onChange = lambda kind, target, sanction: seen.append((kind, target, sanction))
        here.op("olga", "root")
        for kind, target, sanction in seen:
            there.replicate(kind, target, sanction)
        del seen[:]
        here.ungrant("OLGA")
        here.ungrant("Opal")
        self.assertEqual(seen, [(OPERATOR, key("olga"), None), (OPERATOR, key("opal"), None)])
        for kind, target, sanction in seen:
            there.replicate(kind, target, sanction)
        for each in (here, there):
            self.assertEqual({key("opal")}, set(each.operators))
            self.assertEqual([], each.granted())
