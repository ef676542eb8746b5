# -*- test-case-name: tests.unit.core.test_alwayson -*-
"""
Always-on accounts (L{chatd.core.alwayson}): the person stays in its rooms,
away, while none of its connections is open; what it missed is offered when
a connection comes back; a restart puts it back in its rooms.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.testing import StringTransport

from chatd.admin.commands import AdminConsole
from chatd.admin.shell import ConsoleLineProtocol
from chatd.core import errors
from chatd.core.absent import AWAY_TEXT, Absent, isAbsent
from chatd.core.alwayson import SANCTIONS_AGAIN, AlwaysOn, alwaysOnOf
from chatd.core.delivery import connectionsOf
from chatd.core.events import AlwaysOnChange, Membership, Notice, PrivateMessage
from chatd.core.readmarkers import readMarkersOf
from chatd.core.status import AWAY, StatusChange
from chatd.modstore import MemoryModerationStore, Sanction
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class DownModerationStore(MemoryModerationStore):
    """A moderation store whose database does not answer."""

    def loadSanctions(self) -> Deferred[list[Sanction]]:
        return fail(errors.StoreUnavailable())


class Listening(RecordingParticipant):
    """A participant that also hears status changes (away, back)."""

    def statusChanged(self, event: StatusChange) -> None:
        self.events.append(event)


class AlwaysOnTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.successResultOf(self.service.configureRoom("Général", autojoin=False))
        self.registered("alice", "sesame")
        self.alice = self.login("alice", "sesame")
        self.settle(self.service.enter(self.alice, "Blabla"))
        self.bob = self.listening("bob")
        self.settle(self.service.enter(self.bob, "Blabla"))
        alwaysOn = alwaysOnOf(self.service)
        assert alwaysOn is not None
        self.alwaysOn: AlwaysOn = alwaysOn

    def listening(self, nick: str, password: str | None = None) -> Listening:
        participant = Listening("10.0.0.2")
        self.service.connect(participant)
        self.successResultOf(settled(self.service.login(participant, nick, password)))
        self.clock.advance(0)
        return participant

    def settle(self, result: object) -> Any:
        value = self.successResultOf(settled(result))
        self.clock.advance(0)
        return value

    def goAway(self) -> None:
        """alice chooses always on, then closes her only connection."""
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))
        self.bob.events.clear()
        self.service.disconnect(self.alice, "closed")

    def of(self, participant: RecordingParticipant, kind: type) -> list[Any]:
        return [event for event in participant.events if isinstance(event, kind)]

    def test_guestsMayNotChoose(self) -> None:
        """
        A guest is refused (a guest's session ends with its connection);
        so is a connection not logged in.
        """
        self.assertRaises(errors.NotPermitted, self.alwaysOn.get, self.bob)
        self.assertRaises(errors.NotPermitted, self.alwaysOn.set, self.bob, True)
        self.assertRaises(errors.NotLoggedIn, self.alwaysOn.get, RecordingParticipant())
        self.assertFalse(self.alwaysOn.get(self.alice))

    def test_settingIsStored(self) -> None:
        """
        The setting is kept with the account, and can be turned off again.
        """
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))
        self.assertTrue(self.alwaysOn.get(self.alice))
        self.assertEqual(self.successResultOf(self.store.alwaysOnAccounts()), ["alice"])
        self.assertFalse(self.successResultOf(self.alwaysOn.set(self.alice, False)))
        self.assertEqual(self.successResultOf(self.store.alwaysOnAccounts()), [])

    def test_otherConnectionsTold(self) -> None:
        """
        The account's other connections hear the new setting (an
        L{AlwaysOnChange} notice), once per change; the one that chose it
        has its answer, and other people hear nothing.
        """
        phone = self.login("alice", "sesame")
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))  # no change
        self.assertFalse(self.successResultOf(self.alwaysOn.set(self.alice, False)))
        self.assertEqual([change.on for change in self.of(phone, AlwaysOnChange)], [True, False])
        self.assertEqual(self.of(self.alice, AlwaysOnChange), [])
        self.assertEqual(self.of(self.bob, AlwaysOnChange), [])

    def test_staysInRooms(self) -> None:
        """
        When the last connection closes, the person stays: still in Blabla,
        nobody is told of a departure, bob sees alice away; the nickname is
        still held (a guest cannot take it).
        """
        self.goAway()
        person = self.service.find("alice")
        self.assertTrue(isAbsent(person))
        self.assertEqual(self.service.members(self.bob, "Blabla"), ["alice", "bob"])
        self.assertEqual(self.of(self.bob, Membership), [])
        [away] = self.of(self.bob, StatusChange)
        self.assertEqual((away.nick, away.kind, away.value), ("alice", AWAY, AWAY_TEXT))
        self.assertEqual(getattr(person, "awayMessage", None), AWAY_TEXT)
        intruder = RecordingParticipant()
        self.service.connect(intruder)
        self.failureResultOf(
            settled(self.service.login(intruder, "alice", None)), errors.BadPassword
        )

    def test_offLeaves(self) -> None:
        """
        Without the setting, the last connection's close is a departure.
        """
        self.bob.events.clear()
        self.service.disconnect(self.alice, "closed")
        self.assertIsNone(self.service.find("alice"))
        [left] = self.of(self.bob, Membership)
        self.assertEqual((left.nick, left.joined), ("alice", False))

    def test_privateMessagesWait(self) -> None:
        """
        What bob says to absent alice is accepted and waits in the inbox;
        alice gets it, marked as having waited, when she comes back.
        """
        self.goAway()
        self.settle(self.service.tell(self.bob, "alice", ("are you there?",)))
        self.assertEqual(self.successResultOf(self.store.waitingCount("alice")), 1)
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        [waited] = self.of(back, PrivateMessage)
        self.assertEqual(
            (waited.sender, waited.lines, waited.waited), ("bob", ("are you there?",), True)
        )
        self.assertEqual(self.successResultOf(self.store.waitingCount("alice")), 0)

    def test_backWithWhatWasMissed(self) -> None:
        """
        alice read Blabla up to bob's first message; bob says two more
        while she is away.  Her next login takes the person over: the
        stand-in goes, bob sees her back, and she is told what she missed.
        """
        said = self.service.say(self.bob, "Blabla", ("read this",))
        markers = readMarkersOf(self.service)
        assert markers is not None
        self.successResultOf(markers.mark(self.alice, "Blabla", True, said.millis))
        self.goAway()
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("one",))
        self.service.say(self.bob, "Blabla", ("two",))
        self.bob.events.clear()
        back = self.login("alice", "sesame", address="10.0.0.9")
        self.clock.advance(0)
        person = self.service.find("alice")
        self.assertEqual(list(connectionsOf(person)), [back])
        self.assertFalse(isAbsent(person))
        self.assertEqual(self.service.roomsOf(back), ["Blabla"])
        [returned] = self.of(self.bob, StatusChange)
        self.assertEqual((returned.nick, returned.kind, returned.value), ("alice", AWAY, None))
        texts = [event.text for event in self.of(back, Notice)]
        self.assertIn("while you were away: 2 in Blabla new since you last read", texts)
        self.assertEqual(self.of(self.bob, Membership), [])

    def missedTexts(self, participant: RecordingParticipant) -> list[str]:
        return [e.text for e in self.of(participant, Notice) if "while you were away" in e.text]

    def test_toldWhatWasMissedOnce(self) -> None:
        """
        A connection back from an absence is told what it missed once: a
        second catch-up of it (a login that found its person here while it
        waited for the cluster) says nothing more.
        """
        self.goAway()
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("one",))
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.successResultOf(Deferred.fromCoroutine(self.alwaysOn.tellMissed(back, "alice")))
        told = ["while you were away: 1 in Blabla new since you last read"]
        self.assertEqual(self.missedTexts(back), told)

    def test_countUnknownWhatWaitedFollows(self) -> None:
        """
        The store cannot say when alice was last connected: nothing is
        counted, and the private message that waited still arrives.
        """
        self.goAway()
        self.settle(self.service.tell(self.bob, "alice", ("still there?",)))
        self.store.lastSeen = lambda nick: fail(errors.StoreUnavailable())  # type: ignore[method-assign]
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.assertEqual(self.missedTexts(back), [])
        [waited] = self.of(back, PrivateMessage)
        self.assertEqual(waited.lines, ("still there?",))

    def test_backAfterPresenceEnded(self) -> None:
        """
        An administrator ended absent alice's presence; her next login puts
        her back in Blabla afresh, and, being always on, she is told what
        was said there since she was last connected.
        """
        self.goAway()
        person = self.service.find("alice")
        assert person is not None
        self.service.endSession(person, errors.Killed("killed by root: bye"))
        self.clock.advance(1)
        self.service.say(self.bob, "Blabla", ("one",))
        self.service.say(self.bob, "Blabla", ("two",))
        back = self.login("alice", "sesame")
        self.clock.advance(0)
        self.assertEqual(self.service.roomsOf(back), ["Blabla"])
        told = ["while you were away: 2 in Blabla new since you last read"]
        self.assertEqual(self.missedTexts(back), told)

    def test_backAtTheLimitOfOne(self) -> None:
        """
        The stand-in is no connection: with one connection allowed per
        account, alice still comes back.
        """
        self.goAway()
        self.service.people.maxConnections = 1
        back = self.login("alice", "sesame")
        self.assertEqual(list(connectionsOf(self.service.find("alice"))), [back])

    def test_kickEndsForGood(self) -> None:
        """
        An operator's kick of absent alice ends the person: she leaves her
        rooms and the nickname is free; a kick of a connected always-on
        person does not leave a stand-in either.
        """
        self.goAway()
        self.registered("moder", "moderpw")
        root = self.login("moder", "moderpw")
        self.service.kick(root, "alice", "spam")
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.service.members(self.bob, "Blabla"), ["bob"])
        self.clock.advance(3600)
        again = self.login("alice", "sesame")
        self.service.kick(root, "alice", "again")
        self.assertIsNotNone(again.disconnectedWith)
        self.service.disconnect(again, "kicked")
        self.assertIsNone(self.service.find("alice"))

    def test_bannedDoesNotStay(self) -> None:
        """
        An account banned while connected leaves when its connection closes.
        """
        self.successResultOf(self.alwaysOn.set(self.alice, True))
        self.service.moderation.ban("alice", "no", "root")
        self.service.disconnect(self.alice, "closed")
        self.assertIsNone(self.service.find("alice"))

    def test_standInDropsEvents(self) -> None:
        """
        The stand-in takes no output: room messages and notices given to
        it are dropped, it is never ready for more, and it has no history
        to be offered.
        """
        self.goAway()
        [standIn] = connectionsOf(self.service.find("alice"))
        assert isinstance(standIn, Absent)
        self.service.say(self.bob, "Blabla", ("hello",))
        self.assertEqual(self.successResultOf(standIn.whenDrained()), False)
        self.assertEqual(standIn.historyOnEnter, 0)
        self.assertEqual((standIn.address, standIn.protocolName), ("10.0.0.1", "test"))

    def test_restoredAfterRestart(self) -> None:
        """
        A new service on the same store (a restart) puts always-on alice
        back in Blabla, absent; bob, logging in again, finds her there; she
        comes back as after any absence.
        """
        self.goAway()
        self.service.disconnect(self.bob, "restart")
        self.service.stopService()
        self.service = self.makeService()
        self.clock.advance(0)
        self.assertTrue(isAbsent(self.service.find("alice")))
        bob = self.listening("bob")
        self.settle(self.service.enter(bob, "Blabla"))
        self.assertEqual(self.service.members(bob, "Blabla"), ["alice", "bob"])
        back = self.login("alice", "sesame")
        self.assertEqual(self.service.roomsOf(back), ["Blabla"])
        self.assertFalse(isAbsent(self.service.find("alice")))

    def test_endedPresenceStaysEndedOverRestart(self) -> None:
        """
        An operator's kick of absent alice ends her presence over a restart
        too, though the kick is over by then; once she has logged in
        again, her next absence is put back at the next start.
        """
        self.goAway()
        self.registered("moder", "moderpw")
        root = self.login("moder", "moderpw")
        self.service.kick(root, "alice", "spam")
        self.clock.advance(3600)
        self.service.stopService()
        self.service = self.makeService()
        self.clock.advance(0)
        self.assertIsNone(self.service.find("alice"))
        self.alice = self.login("alice", "sesame")  # back in Blabla, her stored room
        self.service.disconnect(self.alice, "closed")
        self.assertTrue(isAbsent(self.service.find("alice")))
        self.service.stopService()
        self.service = self.makeService()
        self.clock.advance(0)
        self.assertTrue(isAbsent(self.service.find("alice")))

    def test_consoleEndSessionEndsPresence(self) -> None:
        """
        An administrator's end of absent alice's session (the console's
        kill) is not undone by a restart.
        """
        self.goAway()
        person = self.service.find("alice")
        assert person is not None
        self.service.endSession(person, errors.Killed("killed by root: bye"))
        self.service.stopService()
        self.service = self.makeService()
        self.clock.advance(0)
        self.assertIsNone(self.service.find("alice"))

    def test_notRestoredWhenOffOrBanned(self) -> None:
        """
        A restart puts back no account banned (the sanctions, loaded first,
        are checked), nor one that turned the setting off.
        """
        sanctions = MemoryModerationStore()
        self.successResultOf(Deferred.fromCoroutine(self.service.moderation.restore(sanctions)))
        for nick in ("carol", "dave"):
            self.registered(nick, "secret")
            user = self.login(nick, "secret")
            self.settle(self.service.enter(user, "Blabla"))
            self.successResultOf(self.alwaysOn.set(user, True))
        dave = self.service.find("dave")
        assert dave is not None
        self.successResultOf(self.alwaysOn.set(connectionsOf(dave)[0], False))
        self.service.moderation.ban("carol", "no", "root")
        self.goAway()
        self.service.stopService()
        self.service = self.makeService(sanctions=sanctions)
        self.assertTrue(isAbsent(self.service.find("alice")))
        self.assertIsNone(self.service.find("carol"))
        self.assertIsNone(self.service.find("dave"))

    def test_restoredOnceSanctionsLoadLate(self) -> None:
        """
        A restart while the moderation database is down puts nobody back
        until the sanctions load on a later attempt; then the always-on
        account is back in its rooms, and a banned one is not.
        """
        sanctions = MemoryModerationStore()
        self.successResultOf(Deferred.fromCoroutine(self.service.moderation.restore(sanctions)))
        self.registered("carol", "secret")
        carol = self.login("carol", "secret")
        self.settle(self.service.enter(carol, "Blabla"))
        self.successResultOf(self.alwaysOn.set(carol, True))
        self.service.moderation.ban("carol", "no", "root")
        self.goAway()
        self.service.stopService()
        service = self.service = self.makeService(unloadable=DownModerationStore())
        self.clock.advance(SANCTIONS_AGAIN)
        self.assertIsNone(service.find("alice"))
        self.successResultOf(Deferred.fromCoroutine(service.moderation.restore(sanctions)))
        self.clock.advance(SANCTIONS_AGAIN)
        self.assertTrue(isAbsent(service.find("alice")))
        members = service.registry.get("Blabla").members.values()
        self.assertEqual([member.nick for member in members], ["alice"])

    def test_consoleSaysAbsent(self) -> None:
        """
        The operators' console's C{whois} says an absent person is not
        connected but present in their rooms; its C{kick} ends them.
        """
        self.goAway()
        protocol = ConsoleLineProtocol(AdminConsole(self.service, "root"))
        transport = StringTransport()
        protocol.makeConnection(transport)
        transport.clear()
        protocol.dataReceived(b"whois alice\r\n")
        said = transport.value().decode("utf-8")
        self.assertIn("alice: not connected, present in their rooms (always on)", said)
        self.assertIn("rooms: Blabla", said)
        protocol.dataReceived(b"kick alice 10m spamming\r\n")
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.service.members(self.bob, "Blabla"), ["bob"])

    def test_goneUnderAnotherNickname(self) -> None:
        """
        An always-on account whose last connection closes under another
        nickname leaves under it, and is back at once under its own name,
        absent, in its rooms.
        """
        self.assertTrue(self.successResultOf(self.alwaysOn.set(self.alice, True)))
        self.settle(self.service.rename(self.alice, "ally"))
        self.bob.events.clear()
        self.service.disconnect(self.alice, "closed")
        self.clock.advance(0)
        self.clock.advance(0)
        self.assertIsNone(self.service.find("ally"))
        self.assertTrue(isAbsent(self.service.find("alice")))
        self.assertIn("alice", self.service.members(self.bob, "Blabla"))
        moves = [(e.nick, e.joined) for e in self.of(self.bob, Membership)]
        self.assertEqual(moves, [("ally", False), ("alice", True)])
