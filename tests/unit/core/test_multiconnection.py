"""
One registered account signed in from several connections at once
(L{chatd.core.person.Person}): one nickname, one set of rooms, one
presence; what one connection does reaches the others; the person leaves
with its last connection.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from zope.interface.verify import verifyObject

from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.events import (
    KICK,
    QUIT,
    Membership,
    Notice,
    PrivateMessage,
    Rename,
    RoomChange,
    RoomMessage,
)
from chatd.core.interfaces import IParticipant
from chatd.core.person import Person
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class SeveralConnectionsTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.successResultOf(self.service.configureRoom("Général", autojoin=False))
        self.registered("alice", "sesame")
        self.phone = self.login("alice", "sesame")
        self.settle(self.service.enter(self.phone, "Blabla"))
        self.bob = self.login("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))
        self.laptop = self.login("alice", "sesame")
        for each in (self.phone, self.bob, self.laptop):
            each.events.clear()

    def settle(self, result: object) -> object:
        value = self.successResultOf(settled(result))
        self.clock.advance(0)
        return value

    def test_oneMember(self) -> None:
        """
        A second login with the account's password joins the person: the
        same nickname and rooms; the room lists one member by that name and
        its members are not told anything.
        """
        self.assertEqual(self.laptop.nick, "alice")
        person = self.service.find("alice")
        self.assertIsInstance(person, Person)
        self.assertEqual(list(connectionsOf(person)), [self.phone, self.laptop])
        self.assertEqual(self.service.roomsOf(self.laptop), ["Blabla"])
        self.assertEqual(self.service.members(self.bob, "Blabla"), ["alice", "bob"])
        self.assertEqual([u.nick for u in self.service.users()], ["alice", "bob"])
        self.assertEqual(self.bob.events, [])

    def test_personIsAParticipant(self) -> None:
        """
        A person provides L{IParticipant}: the service and front-ends use it
        as they would one connection (its first stands for the rest).
        """
        person = self.service.find("alice")
        assert person is not None
        self.assertTrue(verifyObject(IParticipant, person))
        self.assertEqual((person.address, person.protocolName), ("10.0.0.1", "test"))
        self.assertEqual(person.historyOnEnter, self.phone.historyOnEnter)

    def test_wrongPasswordOrGuest(self) -> None:
        """
        A wrong or missing password is refused as ever; a guest's nickname
        is still one connection's (L{errors.NickTaken}).
        """
        for password in (None, "wrong"):
            intruder = RecordingParticipant()
            self.service.connect(intruder)
            self.failureResultOf(
                settled(self.service.login(intruder, "alice", password)), errors.BadPassword
            )
        other = RecordingParticipant()
        self.service.connect(other)
        self.assertRaises(errors.NickTaken, self.service.login, other, "bob")
        self.assertEqual(len(connectionsOf(self.service.find("alice"))), 2)

    def test_limit(self) -> None:
        """
        Past C{--max-connections-per-account} connections, a login with the
        right password takes the place of the connection heard from least
        recently (the first signed in, when none says when): it is told why
        (L{errors.Displaced}, TCHAT 40, naming the limit) and the person
        goes on with the others, its rooms told nothing.  A wrong password
        is L{errors.BadPassword} (22) as ever and ends nobody; at 1 a new
        connection replaces every other.
        """
        self.service.people.maxConnections = 2
        third = RecordingParticipant()
        self.service.connect(third)
        wrong = settled(self.service.login(third, "alice", "wrong"))
        self.failureResultOf(wrong, errors.BadPassword)
        self.assertIsNone(self.phone.disconnectedWith)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(third, "alice", "sesame"))), "alice"
        )
        displaced = self.phone.disconnectedWith
        assert displaced is not None
        self.assertEqual(displaced.code, 40)
        self.assertEqual(
            displaced.text,
            "signed out: a newer connection of your account took its place (at most 2 at once)",
        )
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [self.laptop, third])
        self.assertIsNone(self.laptop.disconnectedWith)
        self.assertEqual([e for e in self.bob.events if isinstance(e, Membership)], [])
        self.service.people.maxConnections = 1
        fourth = RecordingParticipant()
        self.service.connect(fourth)
        self.assertEqual(
            self.successResultOf(settled(self.service.login(fourth, "alice", "sesame"))), "alice"
        )
        self.assertIsNotNone(self.laptop.disconnectedWith)
        self.assertIsNotNone(third.disconnectedWith)
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [fourth])

    def test_roomMessageEchoed(self) -> None:
        """
        What one connection says in a room reaches the other members and the
        person's other connections (as their own words), not the sender.
        """
        event = self.service.say(self.phone, "Blabla", ("hi",))
        self.assertEqual(self.bob.events, [event])
        self.assertEqual(self.laptop.events, [event])
        self.assertEqual(self.phone.events, [])
        self.assertEqual(event.sender, "alice")

    def test_privateMessageEchoed(self) -> None:
        """
        A private message reaches every connection of the recipient, and the
        sender's other connections (the same event: from them, to whom).
        """
        event = self.service.tell(self.phone, "bob", ("psst",))
        assert isinstance(event, PrivateMessage)
        self.assertEqual(
            (self.bob.events, self.laptop.events, self.phone.events), ([event], [event], [])
        )
        reply = self.service.tell(self.bob, "alice", ("yes?",))
        self.assertEqual(self.phone.events, [reply])
        self.assertEqual(self.laptop.events, [event, reply])

    def test_enterAndLeaveReflected(self) -> None:
        """
        Entering or leaving a room from one connection tells the person's
        other connections (a L{Membership} naming the person); the other
        members see one entry and one departure.
        """
        self.service.addRoom("den")
        self.settle(self.service.enter(self.bob, "den"))
        self.bob.events.clear()
        self.settle(self.service.enter(self.laptop, "den"))
        self.assertEqual(self.service.roomsOf(self.phone), ["Blabla", "den"])
        [told] = self.phone.events
        assert isinstance(told, Membership)
        self.assertEqual((told.room, told.nick, told.joined), ("den", "alice", True))
        self.assertEqual([type(e) for e in self.bob.events], [Membership])
        self.assertEqual([e for e in self.laptop.events if isinstance(e, Membership)], [])
        self.phone.events.clear()
        self.bob.events.clear()
        self.settle(self.service.leave(self.phone, "den", "bye"))
        [told] = self.laptop.events[-1:]
        assert isinstance(told, Membership)
        self.assertEqual((told.room, told.nick, told.joined), ("den", "alice", False))
        self.assertEqual(len(self.bob.events), 1)
        self.assertEqual(self.phone.events, [])
        self.assertEqual(self.service.roomsOf(self.laptop), ["Blabla"])

    def test_acceptanceReachesEveryConnection(self) -> None:
        """
        An operator's acceptance in an approval room, which no connection
        asked for just then, puts the person in the room and tells every
        connection with a L{Membership} naming the person, then a notice.
        """
        self.assertRaises(errors.PendingApproval, self.service.enter, self.phone, "Marketing")
        self.phone.events.clear()
        self.settle(self.service.acceptPending("Marketing", "alice"))
        for connection in (self.phone, self.laptop):
            entry, notice = [e for e in connection.events if isinstance(e, (Membership, Notice))]
            assert isinstance(entry, Membership) and isinstance(notice, Notice)
            self.assertEqual((entry.room, entry.nick, entry.joined), ("Marketing", "alice", True))
            self.assertIn("accepted you in Marketing", notice.text)

    def test_topicReachesEveryConnection(self) -> None:
        """
        A topic set from one connection reaches each of the person's.
        """
        self.service.giveRoomOperator("Blabla", "alice", "root")
        for each in (self.phone, self.laptop, self.bob):
            each.events.clear()
        self.settle(self.service.setTopic(self.phone, "Blabla", "news"))
        for each in (self.phone, self.laptop, self.bob):
            self.assertEqual([type(e) for e in each.events], [RoomChange])

    def test_lastConnectionLeaves(self) -> None:
        """
        Closing one connection changes nothing for the others; the person
        quits its rooms (members told once) only with its last connection.
        """
        self.service.disconnect(self.phone, "phone off")
        self.assertEqual(self.bob.events, [])
        self.assertEqual(self.service.members(self.bob, "Blabla"), ["alice", "bob"])
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [self.laptop])
        self.service.say(self.bob, "Blabla", ("still there?",))
        self.assertEqual([type(e) for e in self.laptop.events], [RoomMessage])
        self.service.disconnect(self.laptop, "laptop off")
        [gone] = self.bob.events
        assert isinstance(gone, Membership)
        self.assertEqual((gone.nick, gone.kind), ("alice", QUIT))
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.service.members(self.bob, "Blabla"), ["bob"])

    def test_kicksEndEveryConnection(self) -> None:
        """
        A room kick tells (and removes) the person on each connection; a
        server kick ends every connection.
        """
        root = self.login("moder")
        self.service.grantOperator(root)
        self.settle(self.service.kickFromRoom(root, "Blabla", "alice", "out"))
        for each in (self.phone, self.laptop):
            [kicked] = [e for e in each.events if isinstance(e, Membership)]
            self.assertEqual((kicked.nick, kicked.kind), ("alice", KICK))
        self.assertEqual(self.service.roomsOf(self.laptop), [])
        self.service.kick(root, "alice", "enough")
        self.assertIsInstance(self.phone.disconnectedWith, errors.Killed)
        self.assertIsInstance(self.laptop.disconnectedWith, errors.Killed)
        self.assertIsNone(self.service.find("alice"))
        self.service.disconnect(self.phone)
        self.service.disconnect(self.laptop)
        self.assertIsNone(self.service.find("alice"))

    def test_renameFollowed(self) -> None:
        """
        A rename from one connection renames the person: every connection
        has the new nickname and hears of it once.
        """
        self.settle(self.service.rename(self.laptop, "alicia"))
        self.assertEqual((self.phone.nick, self.laptop.nick), ("alicia", "alicia"))
        for each in (self.phone, self.laptop, self.bob):
            self.assertEqual([type(e) for e in each.events], [Rename])

    def test_signInAgainAfterLeaving(self) -> None:
        """
        Once the last connection closed, the nickname is free: the next
        login makes a new person and is put back in the account's rooms.
        """
        self.service.disconnect(self.phone)
        self.service.disconnect(self.laptop)
        again = self.login("alice", "sesame")
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [again])
        self.assertEqual(self.service.roomsOf(again), ["Blabla"])

    def test_historyForTheNewConnection(self) -> None:
        """
        A connection that joins the person is told which rooms it is in and
        offered their recent past, as a login's welcome does; the others
        get nothing again.
        """
        said = self.service.say(self.bob, "Blabla", ("before you came",))
        self.phone.events.clear()
        tablet = self.login("alice", "sesame")
        notices = [e.text for e in tablet.events if isinstance(e, Notice)]
        self.assertEqual(notices, ["you are in Blabla"])
        self.assertEqual(
            [e.msgid for e in tablet.events if isinstance(e, RoomMessage)], [said.msgid]
        )
        self.assertEqual(self.phone.events, [])

    def test_ownWordsNotReplayed(self) -> None:
        """
        What a joining connection says as soon as its login is answered
        (before its welcome, on the next turn) reaches it as its own words,
        not again in the replay of the room's past: the replay stops at the
        join.
        """
        before = self.service.say(self.bob, "Blabla", ("before you came",))
        tablet = RecordingParticipant("10.0.0.1")
        self.service.connect(tablet)
        login = settled(self.service.login(tablet, "alice", "sesame"))
        self.assertEqual(self.successResultOf(login), "alice")
        said = self.service.say(tablet, "Blabla", ("at once",))
        self.clock.advance(0)
        replayed = [e.msgid for e in tablet.events if isinstance(e, RoomMessage)]
        self.assertEqual(replayed, [before.msgid])
        self.assertNotIn(said.msgid, replayed)

    def test_killEndsEveryConnection(self) -> None:
        """
        An administrator's kill or ban (the console ends the session of the
        person it finds by name) ends every connection; the members see the
        person leave once.
        """
        person = self.service.find("alice")
        assert person is not None
        self.service.endSession(person, errors.Killed("killed by root: enough"))
        self.assertIsInstance(self.phone.disconnectedWith, errors.Killed)
        self.assertIsInstance(self.laptop.disconnectedWith, errors.Killed)
        self.assertEqual([type(e) for e in self.bob.events], [Membership])
        self.service.disconnect(self.phone)
        self.service.disconnect(self.laptop)
        self.assertEqual(len(self.bob.events), 1)
        self.assertIsNone(self.service.find("alice"))


class SimultaneousLoginTests(PersistenceTestCase):
    def test_bothJoinOnePerson(self) -> None:
        """
        Two logins to one account whose passwords are checked at the same
        time both succeed: the second to finish joins the person the first
        one made (checks for one name run one at a time, in turn).
        """
        self.registered("alice", "sesame")
        pending: list[Deferred[Any]] = []

        def slow(f: Any, *args: Any) -> Deferred[Any]:
            d: Deferred[Any] = Deferred()
            pending.append(d)
            return d.addCallback(lambda _: f(*args))

        assert self.service.persistence is not None
        self.service.persistence.accounts.checker.runInThread = slow
        first, second = RecordingParticipant(), RecordingParticipant()
        logins = []
        for each in (first, second):
            self.service.connect(each)
            logins.append(settled(self.service.login(each, "alice", "sesame")))
        while pending:
            pending.pop(0).callback(None)
        self.assertEqual([self.successResultOf(d) for d in logins], ["alice", "alice"])
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [first, second])
