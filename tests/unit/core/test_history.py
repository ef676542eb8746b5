"""
History replay, HISTO's service side and private messages kept for
registered users who are away (L{chatd.core.persistence}), in memory with a
L{Clock}.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.chathistory import BEFORE, BETWEEN, LATEST, HistoryQuery, Selector
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.testing import settled
from tests.support.persistencecase import PersistenceTestCase


class HistoryTests(PersistenceTestCase):
    def test_replayOnEnter(self) -> None:
        """
        Entering a room replays its last C{historyCount} messages, oldest
        first, with their senders and original times, after the reply; a
        guest's login enters no room and replays nothing.
        """
        self.service.historyCount = 3
        alice = self.login("alice")
        self.successResultOf(settled(self.service.enter(alice, "Général")))
        for i in range(5):
            self.service.say(alice, "Général", (f"m{i}",))
            self.clock.advance(10)
        bob = self.login("bob")
        self.assertEqual(bob.events, [])
        self.successResultOf(settled(self.service.enter(bob, "Général")))
        self.assertEqual(bob.events, [])
        self.clock.advance(0)
        replay = [e for e in bob.events if isinstance(e, RoomMessage)]
        self.assertEqual(
            [(e.sender, e.lines, e.when) for e in replay],
            [("alice", (f"m{i}",), 1_700_000_000 + 10 * i) for i in (2, 3, 4)],
        )
        self.successResultOf(settled(self.service.enter(bob, "Blabla")))
        self.service.say(alice, "Général", ("after",))
        self.clock.advance(0)
        last = bob.events[-1]
        assert isinstance(last, RoomMessage)
        self.assertEqual(last.lines, ("after",))

    def test_replayOfARoomWithFewerMessages(self) -> None:
        """
        A room holding fewer messages than C{historyCount}, however many
        fewer, replays them all to whoever enters; one more, and the oldest
        is left out.
        """
        self.service.historyCount = 6
        alice = self.login("alice")
        self.successResultOf(settled(self.service.enter(alice, "Général")))
        for stored in range(1, 8):
            self.service.say(alice, "Général", (f"m{stored}",))
            self.clock.advance(1)
            bob = self.login(f"bob{stored}")
            self.successResultOf(settled(self.service.enter(bob, "Général")))
            self.clock.advance(0)
            replay = [e.lines[0] for e in bob.events if isinstance(e, RoomMessage)]
            first = max(1, stored - 5)
            self.assertEqual(replay, [f"m{i}" for i in range(first, stored + 1)], stored)

    def test_historyCommand(self) -> None:
        """
        L{ChatService.history} gives the last n messages of a room the user
        is in; others get 34, bad counts 10.
        """
        alice = self.login("alice")
        self.successResultOf(settled(self.service.enter(alice, "Général")))
        for i in range(4):
            self.service.say(alice, "Général", (f"m{i}",))
        got = self.successResultOf(self.service.history(alice, "général", 2))
        self.assertEqual([e.lines for e in got], [("m2",), ("m3",)])
        self.assertEqual(len(self.successResultOf(self.service.history(alice, "Général"))), 4)
        self.assertRaises(errors.NotMember, self.service.history, alice, "Blabla", 2)
        self.assertRaises(errors.InvalidArgument, self.service.history, alice, "Général", 0)

    def test_sameMsgidLiveAndStored(self) -> None:
        """
        A message has one id: the one its recipients got live is the one
        history gives back, for room and private messages alike, and
        a private message kept for someone away has one too.
        """
        alice, bob = self.login("alice"), self.login("bob")
        self.successResultOf(settled(self.service.enter(alice, "Général")))
        said = self.service.say(alice, "Général", ("hello",))
        told = self.service.tell(alice, "bob", ("psst",))
        assert isinstance(told, PrivateMessage)
        self.assertTrue(said.msgid)
        got = self.successResultOf(self.service.history(alice, "Général", 1))
        self.assertEqual([e.msgid for e in got], [said.msgid])
        self.assertEqual(self.store._messages[-1][1].msgid, told.msgid)
        self.registered("carol", "sesame")
        self.service.tell(bob, "carol", ("later",))
        self.clock.advance(0)
        waiting = self.successResultOf(self.store.undelivered("carol"))
        self.assertEqual(len(waiting), 1)
        self.assertTrue(waiting[0][1].msgid)
        self.assertNotIn(waiting[0][1].msgid, {said.msgid, told.msgid})

    def test_privateMessagesStored(self) -> None:
        """
        Private messages to connected users are stored too, not pending.
        """
        alice, bob = self.login("alice"), self.login("bob")
        self.service.tell(alice, "bob", ("hi",))
        self.assertIsInstance(bob.events[-1], PrivateMessage)
        self.assertEqual(len(self.store._messages), 1)
        self.assertEqual(self.successResultOf(self.store.undelivered("bob")), [])


class OfflineTests(PersistenceTestCase):
    def test_deliveredAtNextLogin(self) -> None:
        """
        Private messages to a registered user who is away wait, and arrive
        at their next login in order with their original times; an
        unregistered name that is away is still 21.
        """
        self.registered("bob", "sesame")
        alice = self.login("alice")
        self.service.tell(alice, "Bob", ("first",))
        self.clock.advance(5)
        self.service.tell(alice, "bob", ("second", "two lines"))
        self.assertRaises(errors.NoSuchUser, self.service.tell, alice, "carol", ("x",))
        self.clock.advance(60)
        bob = self.login("bob", "sesame")
        private = [e for e in bob.events if isinstance(e, PrivateMessage)]
        self.assertEqual(
            [(e.sender, e.lines, e.when) for e in private],
            [
                ("alice", ("first",), 1_700_000_000),
                ("alice", ("second", "two lines"), 1_700_000_005),
            ],
        )
        self.assertEqual([e.waited for e in private], [True, True])  # front-ends can tell
        self.service.tell(alice, "bob", ("live",))
        live = bob.events[-1]
        assert isinstance(live, PrivateMessage)
        self.assertFalse(live.waited)
        self.service.disconnect(bob)
        bob = self.login("bob", "sesame")
        self.assertEqual([e for e in bob.events if isinstance(e, PrivateMessage)], [])


class WindowRuleTests(PersistenceTestCase):
    """
    Who may read which history window (L{chatd.core.chathistory}).
    """

    def test_roomMembersOnly(self) -> None:
        """
        A room's history is for its members; a bad request is refused.
        """
        alice = self.login("alice")
        self.successResultOf(settled(self.service.enter(alice, "Général")))
        self.service.say(alice, "Général", ("hello",))
        latest = HistoryQuery(LATEST, None, 5)
        got = self.successResultOf(self.service.historyWindow(alice, "général", True, latest))
        self.assertEqual([e.lines for e in got], [("hello",)])
        self.assertRaises(
            errors.NotMember, self.service.historyWindow, alice, "Blabla", True, latest
        )
        self.assertRaises(
            errors.NoSuchGroup, self.service.historyWindow, alice, "nowhere", True, latest
        )
        for bad in [
            HistoryQuery(LATEST, None, 0),
            HistoryQuery(LATEST, None, 1001),
            HistoryQuery(BEFORE, None, 5),
            HistoryQuery(BETWEEN, Selector(millis=1), 5),
            HistoryQuery("SOON", Selector(millis=1), 5),
        ]:
            self.assertRaises(
                errors.InvalidArgument, self.service.historyWindow, alice, "Général", True, bad
            )

    def test_privateForRegisteredOnly(self) -> None:
        """
        Private history is read by registered names only (an unregistered
        nickname is anyone's next): of their own conversations.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        bob = self.login("bob")
        self.service.tell(bob, "alice", ("one",))
        self.service.tell(alice, "bob", ("two",))
        latest = HistoryQuery(LATEST, None, 5)
        got = self.successResultOf(self.service.historyWindow(alice, "BOB", False, latest))
        self.assertEqual(
            [(e.sender, e.lines) for e in got], [("bob", ("one",)), ("alice", ("two",))]
        )
        self.assertRaises(
            errors.NotPermitted, self.service.historyWindow, bob, "alice", False, latest
        )
        targets = self.successResultOf(self.service.historyTargets(bob, 0, 2**62, 10))
        self.assertEqual([(name, isRoom) for name, isRoom, _ in targets], [])
        targets = self.successResultOf(self.service.historyTargets(alice, 0, 2**62, 10))
        self.assertEqual([(name, isRoom) for name, isRoom, _ in targets], [("bob", False)])

    def test_registeringLaterInheritsNothing(self) -> None:
        """
        A name registered later does not read what was said to or by its
        earlier, unregistered users; their registered correspondent does.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        carol = self.login("carol")
        self.service.tell(carol, "alice", ("from the old carol",))
        self.service.tell(alice, "carol", ("to the old carol",))
        self.successResultOf(self.service.register(carol, "carolpass"))
        self.service.tell(alice, "carol", ("to the new carol",))
        latest = HistoryQuery(LATEST, None, 10)
        mine = self.successResultOf(self.service.historyWindow(carol, "alice", False, latest))
        self.assertEqual([e.lines for e in mine], [("to the new carol",)])
        theirs = self.successResultOf(self.service.historyWindow(alice, "carol", False, latest))
        self.assertEqual(len(theirs), 3)
