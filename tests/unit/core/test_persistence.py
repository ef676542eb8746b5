"""
Tests for the chat service with a store (L{chatd.core.persistence}): accounts,
approval rooms, history replay and offline private messages, in memory with
a L{Clock} and the L{MemoryChatStore} (whose contract tests also cover the
SQL stores).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.task import Clock

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.accounts import PasswordRules, Registered
from chatd.core.delivery import connectionsOf
from chatd.core.events import Membership, Notice
from chatd.core.names import key
from chatd.core.service import ChatService
from chatd.core.sharing import applyChange
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import OutageStore, PersistenceTestCase


class AccountTests(PersistenceTestCase):
    def test_registeredNameNeedsPassword(self) -> None:
        """
        Once registered, a nickname is only given with its password: wrong
        or missing is L{errors.BadPassword} (22); others still log in
        without one.
        """
        self.assertFalse(self.successResultOf(self.service.isRegistered("alice")))
        self.registered("alice", "sesame")
        self.assertTrue(self.successResultOf(self.service.isRegistered("ALICE")))
        for password in (None, "wrong"):
            intruder = RecordingParticipant()
            self.service.connect(intruder)
            self.failureResultOf(
                self.service.login(intruder, "Alice", password), errors.BadPassword
            )
            self.assertIsNone(intruder.nick)
            self.assertIsNone(self.service.find("alice"))
        self.login("alice", "sesame")
        self.login("bob")

    def test_passwordForUnknownName(self) -> None:
        """
        A password given for a name nobody registered is refused like a
        wrong one, not silently ignored.
        """
        stranger = RecordingParticipant()
        self.service.connect(stranger)
        self.failureResultOf(self.service.login(stranger, "nobody", "guess"), errors.BadPassword)

    def test_storedOnlyAsArgon2Hash(self) -> None:
        """
        The store holds an argon2id hash, never the password.
        """
        self.registered("alice", "sesame")
        stored = self.successResultOf(self.store.accountHash("alice"))
        assert stored is not None
        self.assertTrue(stored.startswith("$argon2id$"))
        self.assertNotIn("sesame", stored)

    def test_registerRules(self) -> None:
        """
        Registering needs a login and a 4-1024 character password; registering
        again changes the password.
        """
        anonymous = RecordingParticipant()
        self.service.connect(anonymous)
        self.assertRaises(errors.NotLoggedIn, self.service.register, anonymous, "sesame")
        alice = self.login("alice")
        self.assertRaises(errors.InvalidArgument, self.service.register, alice, "abc")
        self.assertRaises(errors.InvalidArgument, self.service.register, alice, "x" * 1025)
        self.successResultOf(self.service.register(alice, "x" * 1024))
        self.successResultOf(self.service.register(alice, "first"))
        self.successResultOf(self.service.register(alice, "second"))
        self.service.disconnect(alice)
        again = RecordingParticipant()
        self.service.connect(again)
        self.failureResultOf(self.service.login(again, "alice", "first"), errors.BadPassword)
        self.login("alice", "second")

    def test_registerSignedInUnderAnotherName(self) -> None:
        """
        Signed in to an account under another nickname, registering changes
        that account's password, on every front-end: no account is made of
        the nickname in use, and the connection stays signed in to its own.
        """
        self.registered("Regt0", "sesame")
        user = self.login("Regt0", "sesame")
        self.successResultOf(settled(self.service.rename(user, "rgx")))
        done = self.successResultOf(self.service.register(user, "other123"))
        self.assertEqual(done, Registered("Regt0", created=False))
        self.assertFalse(self.successResultOf(self.service.isRegistered("rgx")))
        self.assertIsNone(self.successResultOf(self.store.accountHash("rgx")))
        self.assertEqual(self.service.accountName(user), "Regt0")
        self.service.disconnect(user)
        again = RecordingParticipant()
        self.service.connect(again)
        self.refused(self.service.login(again, "Regt0", "sesame"), errors.BadPassword)
        self.login("Regt0", "other123")

    def test_guestOnANameRegisteredElsewhere(self) -> None:
        """
        A guest whose nickname another node of a cluster registered
        meanwhile may not set that account's password: only the password
        proves the account.
        """
        assert self.service.persistence is not None
        persistence = self.service.persistence
        bob = self.login("bob")
        self.successResultOf(Deferred.fromCoroutine(persistence.accounts.register("bob", "theirs")))
        self.successResultOf(
            Deferred.fromCoroutine(applyChange(persistence, "account", {"u": "bob"}))
        )
        self.failureResultOf(self.service.register(bob, "mine-now"), errors.NotPermitted)
        stored = self.successResultOf(self.store.accountHash("bob"))
        self.assertTrue(self.successResultOf(persistence.accounts.checker.verify(stored, "theirs")))

    def test_passwordWithoutSpaces(self) -> None:
        """
        A new password has no space, tab or other blank, whichever
        front-end registers it: TCHAT's C{LOGIN <nick> <password>} could not
        carry it.  A password stored with one still logs in.
        """
        alice = self.login("alice")
        for password in ("my secret", " sesame", "sesame ", "tab\tbed", "no\u00a0break"):
            error = self.assertRaises(
                errors.InvalidArgument, self.service.register, alice, password
            )
            self.assertEqual(error.text, "a password is 4 to 1024 characters, no spaces")
        self.assertFalse(self.successResultOf(self.service.isRegistered("alice")))
        assert self.service.persistence is not None
        accounts = self.service.persistence.accounts
        stored = self.successResultOf(accounts.checker.hash("old secret"))
        self.successResultOf(self.store.saveAccount("bob", stored, 0))
        self.successResultOf(accounts.authenticate("bob", "old secret", "10.0.0.1"))

    def test_operatorsPasswordRule(self) -> None:
        """
        The rules the operator set (C{--password-min-length}) decide what a
        new password may be, on every front-end through L{register}, and
        the service shows them to front-ends; a password stored under
        other rules still logs in.
        """
        assert self.service.persistence is not None
        self.assertEqual(self.service.passwordRules, PasswordRules(4, 1024))
        alice = self.login("alice")
        self.successResultOf(self.service.register(alice, "abcd"))
        self.service.persistence.accounts.rules = PasswordRules(shortest=3)
        self.assertEqual(self.service.passwordRules.describe(), "3 to 1024 characters, no spaces")
        bob = self.login("bob")
        self.successResultOf(self.service.register(bob, "bar"))
        self.service.persistence.accounts.rules = PasswordRules(shortest=8)
        error = self.assertRaises(errors.InvalidArgument, self.service.register, bob, "sesame")
        self.assertEqual(error.text, "a password is 8 to 1024 characters, no spaces")
        for name, password in (("alice", "abcd"), ("bob", "bar")):
            self.service.disconnect(self.service.find(name))  # type: ignore[arg-type]
            self.login(name, password)

    def test_renameToRegisteredName(self) -> None:
        """
        Nobody takes a registered name by renaming to it.
        """
        self.registered("alice", "sesame")
        bob = self.login("bob")
        self.assertRaises(errors.BadPassword, self.service.rename, bob, "ALICE")

    def test_noStoreNoAccounts(self) -> None:
        """
        Without a store, logins stay synchronous, nothing is registered, and
        registering or asking for history is not permitted (12).
        """
        service = ChatService(self.clock)
        alice = RecordingParticipant()
        service.connect(alice)
        self.assertEqual(service.login(alice, "alice"), "alice")
        self.assertFalse(self.successResultOf(service.isRegistered("alice")))
        self.assertRaises(errors.NotPermitted, service.register, alice, "sesame")
        self.assertRaises(errors.NotPermitted, service.history, alice, "x")

    def slowChecks(self) -> list[Deferred[Any]]:
        """
        Password checks wait from now on: each one's Deferred, which the
        test fires to end it.
        """
        pending: list[Deferred[Any]] = []

        def slow(f: Any, *args: Any) -> Deferred[Any]:
            pending.append(Deferred())
            return pending[-1].addCallback(lambda _: f(*args))

        assert self.service.persistence is not None
        self.service.persistence.accounts.checker.runInThread = slow
        return pending

    def test_sanctionDuringLogin(self) -> None:
        """
        A ban or a kick given from the console while the password of a
        login is checked refuses that login, as it would have refused it a
        moment earlier: the console's answer ("not connected now") holds.
        """
        self.registered("alice", "sesame")
        pending = self.slowChecks()
        console = AdminConsole(self.service, "root")
        for command, refusal, undo in (
            ("ban alice spam", errors.Banned, "unban alice"),
            ("kick alice 10m spam", errors.Kicked, "unkick alice"),
        ):
            alice = RecordingParticipant()
            self.service.connect(alice)
            result = self.service.login(alice, "alice", "sesame")
            self.assertIn("not connected", self.successResultOf(console.execute(command)))
            pending.pop().callback(None)
            self.failureResultOf(result, refusal)
            self.assertIsNone(self.service.find("alice"))
            self.service.disconnect(alice)
            self.successResultOf(console.execute(undo))
        alice = RecordingParticipant()  # let in again
        self.service.connect(alice)
        result = settled(self.service.login(alice, "alice", "sesame"))
        pending.pop().callback(None)
        self.assertEqual(self.successResultOf(result), "alice")

    def test_disconnectDuringLogin(self) -> None:
        """
        A connection that closes while its password is checked does not
        become a ghost user; meanwhile another attempt at the name is not
        refused as taken (23): it is checked next and gets the name.
        """
        self.registered("alice", "sesame")
        pending: list[Deferred[Any]] = []

        def slow(f: Any, *args: Any) -> Deferred[Any]:
            d: Deferred[Any] = Deferred()
            pending.append(d)
            return d.addCallback(lambda _: f(*args))

        assert self.service.persistence is not None
        self.service.persistence.accounts.checker.runInThread = slow
        alice = RecordingParticipant()
        self.service.connect(alice)
        result = self.service.login(alice, "alice", "sesame")
        other = RecordingParticipant()
        self.service.connect(other)
        second = self.service.login(other, "alice", "sesame")
        self.assertNoResult(second)
        self.assertEqual(len(pending), 1)  # one check at a time for a name
        self.service.disconnect(alice)
        self.failureResultOf(result, errors.NotLoggedIn)
        pending.pop().callback(None)
        self.assertIsNone(self.service.find("alice"))
        pending.pop().callback(None)
        self.assertEqual(self.successResultOf(settled(second)), "alice")
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [other])

    def test_waitingLoginWithdrawn(self) -> None:
        """
        A login still waiting for its turn when its connection closes is
        withdrawn from the gate: its password is never hashed.
        """
        self.registered("alice", "sesame")
        assert self.service.persistence is not None
        gate = self.service.persistence.accounts.gate
        for _ in range(3):
            attacker = RecordingParticipant("10.9.0.1")
            self.service.connect(attacker)
            self.failureResultOf(self.service.login(attacker, "alice", "bad"), errors.BadPassword)
        waiting = RecordingParticipant("10.9.0.2")
        self.service.connect(waiting)
        result = self.service.login(waiting, "alice", "bad")
        self.assertEqual(gate.pending, 1)
        self.service.disconnect(waiting)
        self.failureResultOf(result, errors.NotLoggedIn)
        self.assertEqual(gate.pending, 0)
        self.clock.advance(10)
        self.assertEqual(gate.backoff(name="alice"), 0)  # no fourth failure was counted

    def test_oneLoginAtATime(self) -> None:
        """
        A connection has at most one login under way.
        """
        self.registered("alice", "sesame")
        self.registered("bob", "sesame")
        assert self.service.persistence is not None
        self.service.persistence.accounts.checker.runInThread = lambda f, *a: Deferred()
        alice = RecordingParticipant()
        self.service.connect(alice)
        self.assertNoResult(self.service.login(alice, "alice", "sesame"))
        self.assertRaises(errors.AlreadyLoggedIn, self.service.login, alice, "bob", "sesame")


class BackoffTests(PersistenceTestCase):
    def attempt(self, nick: str, password: str, address: str = "10.0.0.9") -> Deferred[Any]:
        participant = RecordingParticipant(address)
        self.service.connect(participant)
        return maybeDeferred(self.service.login, participant, nick, password)

    def test_perNameBackoff(self) -> None:
        """
        After three wrong passwords for a name, each further attempt waits
        (1 s, then 2 s...) before it is checked, from any address; parallel
        attempts at the same name take turns, none refused as taken (23);
        the right password then works and clears the back-off.
        """
        self.registered("alice", "sesame")
        for i in range(3):
            self.failureResultOf(self.attempt("alice", "bad", f"10.1.0.{i}"), errors.BadPassword)
        slowed = self.attempt("alice", "bad", "10.2.0.1")
        self.assertNoResult(slowed)
        self.clock.advance(1)
        self.failureResultOf(slowed, errors.BadPassword)
        parallel = [self.attempt("alice", "bad", f"10.3.0.{i}") for i in range(2)]
        self.clock.advance(1.5)
        self.assertNoResult(parallel[0])
        self.clock.advance(0.5)
        self.failureResultOf(parallel[0], errors.BadPassword)
        self.clock.advance(3.5)
        self.assertNoResult(parallel[1])
        self.clock.advance(0.5)
        self.failureResultOf(parallel[1], errors.BadPassword)
        good = self.attempt("alice", "sesame", "10.4.0.1")
        self.clock.advance(8)
        self.successResultOf(good)
        self.assertEqual(self.service.persistence.accounts.gate.backoff(name="alice"), 0)  # type: ignore[union-attr]

    def test_unknownNamesNotFaster(self) -> None:
        """
        Guessing at unregistered names is slowed exactly like guessing at a
        registered one.
        """
        self.registered("alice", "sesame")
        delays = {}
        for name in ("alice", "ghost"):
            for i in range(3):
                self.failureResultOf(self.attempt(name, "bad", f"10.5.{i}.1"), errors.BadPassword)
            slowed = self.attempt(name, "bad", "10.6.0.1")
            waited = 0.0
            while not slowed.called:
                self.clock.advance(0.25)
                waited += 0.25
            self.failureResultOf(slowed, errors.BadPassword)
            delays[name] = waited
        self.assertEqual(delays["alice"], delays["ghost"])
        self.assertEqual(delays["alice"], 1.0)

    def test_perAddressBackoff(self) -> None:
        """
        One address trying many names is slowed after ten failures.
        """
        for i in range(10):
            self.failureResultOf(self.attempt(f"name{i}", "bad", "10.7.0.1"), errors.BadPassword)
        slowed = self.attempt("other", "bad", "10.7.0.1")
        self.assertNoResult(slowed)
        elsewhere = self.attempt("other2", "bad", "10.8.0.1")
        self.failureResultOf(elsewhere, errors.BadPassword)
        self.clock.advance(1)
        self.failureResultOf(slowed, errors.BadPassword)


class RoomTests(PersistenceTestCase):
    def test_defaultRooms(self) -> None:
        """
        A fresh store has seed 004's rooms; a guest's login joins none of
        them and is told nothing; registering puts the new account in
        Général (flagged autojoin) once, told so, and the membership is
        stored: the next login is back in it.
        """
        self.assertEqual(
            [name for name, _ in self.service.rooms()],
            ["Blabla", "Comptabilité", "Général", "Informatique", "Marketing"],
        )
        alice = self.login("alice")
        self.assertEqual((self.service.roomsOf(alice), alice.events), ([], []))
        self.successResultOf(self.service.register(alice, "sesame"))
        self.clock.advance(0)
        self.assertEqual(self.service.roomsOf(alice), ["Général"])
        [notice] = alice.events
        assert isinstance(notice, Notice)
        self.assertEqual(notice.text, "you are in Général")
        self.service.disconnect(alice)
        self.service = self.makeService()
        again = self.login("alice", "sesame")
        self.assertEqual(self.service.roomsOf(again), ["Général"])

    def test_registeringAgainJoinsNothing(self) -> None:
        """
        Registering again (a new password) does not put a user who left
        Général back in it: the autojoin rooms take an account once.
        """
        alice = self.login("alice")
        self.successResultOf(self.service.register(alice, "sesame"))
        self.successResultOf(settled(self.service.leave(alice, "Général")))
        self.successResultOf(self.service.register(alice, "another"))
        self.clock.advance(0)
        self.assertEqual(self.service.roomsOf(alice), [])
        self.service.disconnect(alice)
        self.assertEqual(self.service.roomsOf(self.login("alice", "another")), [])

    def test_autojoinOption(self) -> None:
        """
        The service's C{autojoin} rooms (C{--autojoin}) take every login,
        guests' included; they are made if they do not exist.
        """
        self.service = self.makeService(autojoin=["Accueil", "blabla"])
        guest = self.login("guest")
        self.assertEqual(self.service.roomsOf(guest), ["Accueil", "Blabla"])
        [notice] = guest.events
        assert isinstance(notice, Notice)
        self.assertEqual(notice.text, "you are in Accueil, Blabla")

    def test_membershipsKeptForRegistered(self) -> None:
        """
        A registered user finds their rooms again at their next login; rooms
        they left stay left.
        """
        alice = self.login("alice")
        self.successResultOf(self.service.register(alice, "sesame"))
        self.successResultOf(settled(self.service.enter(alice, "Blabla")))
        self.successResultOf(settled(self.service.createRoom(alice, "Jeux")))
        self.successResultOf(settled(self.service.enter(alice, "jeux")))
        self.successResultOf(settled(self.service.leave(alice, "Général")))
        self.service.disconnect(alice)
        again = self.login("alice", "sesame")
        self.assertEqual(sorted(self.service.roomsOf(again)), ["Blabla", "Jeux"])

    def test_roomsSurviveRestart(self) -> None:
        """
        Rooms created by registered users are there when the service starts
        again on the same store; the constructor's rooms are stored too.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        self.successResultOf(settled(self.service.createRoom(alice, "Jeux")))
        self.service = self.makeService(rooms=["lobby"])
        names = [name for name, _ in self.service.rooms()]
        self.assertIn("Jeux", names)
        self.assertIn("lobby", names)
        self.service = self.makeService()
        self.assertIn("lobby", [name for name, _ in self.service.rooms()])

    def test_roomRulesSurviveRestart(self) -> None:
        """
        A room's modes, key and mask lists, set by its operator, are there
        when the service starts again on the same store; members' status
        (o, v) is not, as it lasts a session.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        self.successResultOf(settled(self.service.createRoom(alice, "Jeux")))
        self.service.enter(alice, "Jeux")
        self.clock.advance(5)
        self.service.changeRoomModes(
            alice, "Jeux", [(True, "m", ""), (True, "k", "sesame"), (True, "b", "eve")]
        )
        self.service.changeRoomModes(alice, "Jeux", [(True, "I", "*!*@10.*"), (False, "t", "")])
        self.service = self.makeService()
        self.assertEqual(self.service.roomModes("Jeux"), "mn")
        self.assertEqual(self.service.roomKey("Jeux"), "sesame")
        self.assertEqual(self.service.roomBans("Jeux"), [("eve!*@*", "alice", 1_700_000_005)])
        self.assertEqual([m for m, _, _ in self.service.roomBans("Jeux", "I")], ["*!*@10.*"])
        self.assertEqual(self.service.memberStatus("Jeux", "alice"), "")

    def test_approval(self) -> None:
        """
        Entering an approval room is refused with 37 and recorded until an
        operator accepts; the user is then put in, told, and may come back
        later without asking again.  Operators need no approval.  Accepting
        a name nobody can have is refused as an invalid nickname.
        """
        self.registered("moder", "moderpass")
        root, alice = self.login("moder", "moderpass"), self.login("alice")
        self.successResultOf(settled(self.service.enter(root, "Marketing")))
        self.assertRaises(errors.PendingApproval, self.service.enter, alice, "marketing")
        self.assertRaises(errors.PendingApproval, self.service.enter, alice, "Marketing")
        self.assertEqual(self.service.pendingRequests(), [("Marketing", "alice")])
        self.assertEqual(self.service.pendingRequests("Blabla"), [])
        self.failureResultOf(self.service.acceptPending("Marketing", "bob"), errors.NoSuchUser)
        self.failureResultOf(self.service.acceptPending("Marketing", "b!"), errors.InvalidNick)
        alice.events.clear()
        root.events.clear()
        self.successResultOf(self.service.acceptPending("MARKETING", "Alice"))
        self.assertIn("Marketing", self.service.roomsOf(alice))
        self.assertTrue(any(isinstance(e, Notice) and "accepted" in e.text for e in alice.events))
        self.assertEqual(
            [(e.nick, e.joined) for e in root.events if isinstance(e, Membership)],
            [("alice", True)],
        )
        self.assertEqual(self.service.pendingRequests(), [])
        self.successResultOf(settled(self.service.leave(alice, "Marketing")))
        self.successResultOf(settled(self.service.enter(alice, "Marketing")))
        self.service = self.makeService()
        self.assertEqual(self.service.pendingRequests(), [])
        self.registered("bob", "bobpass")  # a registered name's request outlives a restart
        bob = self.login("bob", "bobpass")
        self.assertRaises(errors.PendingApproval, self.service.enter, bob, "Informatique")
        self.service = self.makeService()
        self.assertEqual(self.service.pendingRequests(), [("Informatique", "bob")])

    def test_acceptWaitsForTheRequestWrite(self) -> None:
        """
        An acceptance is decided in the store after the request it accepts
        is written, even when the request's write is slow (several
        connections may reorder them).
        """
        writes: list[bool | None] = []
        slow: list[Deferred[None]] = []
        original = self.store.setAccess

        def setAccess(room: str, nick: str, approved: bool | None, when: int) -> Deferred[None]:
            def write(_: object = None) -> Deferred[None]:
                writes.append(approved)
                return original(room, nick, approved, when)

            if approved is False:
                d: Deferred[None] = Deferred()
                slow.append(d)
                return d.addCallback(write)
            return write()

        def decideAccess(room: str, nick: str, approved: bool) -> Deferred[str]:
            writes.append(approved)
            return decide(room, nick, approved)

        decide = self.store.decideAccess
        self.store.setAccess = setAccess  # type: ignore[method-assign]
        self.store.decideAccess = decideAccess  # type: ignore[method-assign]
        alice = self.login("alice")
        self.assertRaises(errors.PendingApproval, self.service.enter, alice, "Marketing")
        accepted = self.service.acceptPending("Marketing", "alice")
        self.assertNoResult(accepted)
        slow[0].callback(None)
        self.successResultOf(accepted)
        self.assertEqual(writes, [False, True])
        snapshot = self.successResultOf(self.store.load())
        self.assertEqual(snapshot.access[key("marketing")], {key("alice"): ("alice", True)})

    def test_acceptOfflineRegistered(self) -> None:
        """
        A registered user accepted while away is in the room at next login.
        """
        alice = self.login("alice")
        self.successResultOf(self.service.register(alice, "sesame"))
        self.assertRaises(errors.PendingApproval, self.service.enter, alice, "Marketing")
        self.service.disconnect(alice)
        self.successResultOf(self.service.acceptPending("Marketing", "alice"))
        again = self.login("alice", "sesame")
        self.assertIn("Marketing", self.service.roomsOf(again))

    def test_capacity(self) -> None:
        """
        A room's own capacity overrides the server-wide limit.
        """
        from chatd.storage.interfaces import RoomSettings

        self.successResultOf(self.store.saveRoom(RoomSettings("Petit", capacity=1), 0))
        self.service = self.makeService()
        alice, bob = self.login("alice"), self.login("bob")
        self.successResultOf(settled(self.service.enter(alice, "Petit")))
        self.assertRaises(errors.GroupFull, self.service.enter, bob, "Petit")

    def test_configureRoom(self) -> None:
        """
        An operator creates and configures rooms: approval mode, capacity,
        topic and automatic joining are kept across restarts and applied.
        """
        name = self.successResultOf(
            self.service.configureRoom("Direction", mode="approval", capacity=1, topic="board")
        )
        self.assertEqual(name, "Direction")
        self.successResultOf(self.service.configureRoom("blabla", autojoin=True))
        self.assertRaises(errors.InvalidArgument, self.service.configureRoom, "x", mode="secret")
        self.assertRaises(errors.InvalidArgument, self.service.configureRoom, "x", capacity=-1)
        self.service = self.makeService()
        alice = self.login("alice")
        self.assertEqual(self.service.roomsOf(alice), [])
        self.successResultOf(self.service.register(alice, "sesame"))
        self.assertEqual(sorted(self.service.roomsOf(alice)), ["Blabla", "Général"])
        self.assertRaises(errors.PendingApproval, self.service.enter, alice, "Direction")
        snapshot = self.successResultOf(self.store.load())
        [direction] = [r for r in snapshot.rooms if r.name == "Direction"]
        self.assertEqual(
            (direction.mode, direction.capacity, direction.topic), ("approval", 1, "board")
        )
        self.successResultOf(self.service.configureRoom("Direction", capacity=0))
        self.assertIsNone(self.service.registry.get("Direction").settings.capacity)


class OutageTests(PersistenceTestCase):
    """
    A database outage is "try again later" (L{errors.StoreUnavailable},
    03) for whoever needs the store, never half a login.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.store = self.outage = OutageStore()
        self.store.startService()

    def test_unavailableAtStart(self) -> None:
        """
        A store that cannot be loaded at start is tried again every few
        seconds; logins meanwhile get 03, then work.
        """
        self.outage.down = {"load"}
        self.service = self.makeService()
        user = RecordingParticipant("10.0.0.1")
        self.service.connect(user)
        self.refused(self.service.login(user, "alice", None), errors.StoreUnavailable)
        self.outage.down = set()
        self.clock.advance(5)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(user, "alice", None))), "alice"
        )

    def test_loginDuringOutage(self) -> None:
        """
        A registered user's login during an outage, of an account whose
        credentials this node did not keep (L{chatd.core.keptcredentials}),
        fails whole with 03, whichever query fails (they are not left
        logged in), and works once the database is back.
        """
        self.service = self.makeService()
        self.registered("alice", "sesame")
        user = RecordingParticipant("10.0.0.1")
        self.service.connect(user)
        self.keptNothing()
        for down in ("accountHash", "memberships"):
            self.outage.down = {down}
            self.refused(self.service.login(user, "alice", "sesame"), errors.StoreUnavailable)
            self.assertIsNone(user.nick)
            self.assertEqual([u.nick for u in self.service.users()], [])
        self.outage.down = set()
        self.assertEqual(
            self.successResultOf(settled(self.service.login(user, "alice", "sesame"))), "alice"
        )

    def test_enterDuringOutage(self) -> None:
        """
        An account's entry the store cannot record is refused with 03 and
        undone, as 03 says (nothing changed): the account is not in the
        room, and a member who saw it enter sees it leave.
        """
        self.service = self.makeService()
        self.registered("alice", "sesame")
        self.registered("bob", "secret")  # so that the room bob makes is kept
        alice, bob = RecordingParticipant("10.0.0.1"), RecordingParticipant("10.0.0.2")
        for user, nick, password in ((alice, "alice", "sesame"), (bob, "bob", "secret")):
            self.service.connect(user)
            self.successResultOf(settled(self.service.login(user, nick, password)))
        self.successResultOf(settled(self.service.createRoom(bob, "den")))
        self.successResultOf(settled(self.service.enter(bob, "den")))
        bob.events.clear()
        self.outage.down = {"setMembership"}
        self.refused(self.service.enter(alice, "den"), errors.StoreUnavailable)
        self.assertNotIn("den", [room.name for room in self.service.roomsJoined(alice)])
        self.assertEqual(self.service.members(bob, "den"), ["bob"])
        seen = [(e.nick, e.joined) for e in bob.events if isinstance(e, Membership)]
        self.assertEqual(seen, [("alice", True), ("alice", False)])
        self.outage.down = set()
        self.successResultOf(settled(self.service.enter(alice, "den")))
        self.assertEqual(self.service.members(bob, "den"), ["bob", "alice"])
