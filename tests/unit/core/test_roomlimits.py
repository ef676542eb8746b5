"""
Tests for L{chatd.core.roomlimits}: how many rooms users may create, and guests'
rooms vanishing once emptied, through the service (with the memory store)
and through the TCHAT wire.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant, settled
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class LimitTests(PersistenceTestCase):
    """
    The per-user and total limits, with a store (so registered names exist).
    """

    def makeService(self, **kw: Any) -> ChatService:
        kw.setdefault("maxRooms", 8)  # lobby and the seeded rooms count too
        kw.setdefault("maxRoomsPerUser", 2)
        return super().makeService(**kw)

    def test_perUser(self) -> None:
        """
        A user may have created C{maxRoomsPerUser} rooms that still exist;
        the next is refused with L{errors.TooManyRooms} (code 32) and not
        created.  Once one of a guest's rooms vanished, it may create again.
        """
        alice = self.login("alice")
        for name in ("a1", "a2"):
            self.service.createRoom(alice, name)
        error = self.assertRaises(errors.TooManyRooms, self.service.createRoom, alice, "a3")
        self.assertEqual(error.code, 32)
        self.assertNotIn("a3", [name for name, _ in self.service.rooms()])
        self.service.enter(alice, "a1")
        self.service.leave(alice, "a1")  # the last member left: a1 is gone
        self.assertEqual(self.service.createRoom(alice, "a3"), "a3")

    def test_existingNameStillExists(self) -> None:
        """
        Creating a room that exists is "exists" (33), even at the limit.
        """
        alice = self.login("alice")
        self.service.createRoom(alice, "a1")
        self.service.createRoom(alice, "a2")
        self.assertRaises(errors.GroupExists, self.service.createRoom, alice, "A1")

    def test_total(self) -> None:
        """
        No user creates a room once C{maxRooms} rooms exist, whoever made
        them; a chatd operator still may.
        """
        users = [self.login(f"u{n}") for n in range(3)]
        existing = len(self.service.rooms())
        for n in range(8 - existing):
            self.service.createRoom(users[n // 2], f"r{n}")
        error = self.assertRaises(errors.TooManyRooms, self.service.createRoom, users[2], "onemore")
        self.assertIn("limit", error.text)
        root = self.login("moder")
        self.service.grantOperator(root)  # operator rights need a proven identity
        self.assertEqual(
            self.successResultOf(settled(self.service.createRoom(root, "opsroom"))), "opsroom"
        )

    def test_registeredCountsAcrossSessions(self) -> None:
        """
        A registered user's rooms last, so they count against its name in
        every session: reconnecting does not allow more.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        self.successResultOf(settled(self.service.createRoom(alice, "a1")))
        self.service.disconnect(alice)
        alice = self.login("alice", "sesame")
        self.successResultOf(settled(self.service.createRoom(alice, "a2")))
        self.assertRaises(errors.TooManyRooms, self.service.createRoom, alice, "a3")

    def test_noLimits(self) -> None:
        """
        C{None} switches both limits off.
        """
        self.service = self.makeService(maxRooms=None, maxRoomsPerUser=None)
        alice = self.login("alice")
        for n in range(20):
            self.service.createRoom(alice, f"r{n}")
        self.assertIn("r19", [name for name, _ in self.service.rooms()])


class EphemeralTests(PersistenceTestCase):
    """
    Guests' rooms vanish when emptied and are never stored; registered
    founders', operators' and configured rooms last.
    """

    def names(self) -> list[str]:
        return [name for name, _ in self.service.rooms()]

    def test_guestRoomVanishes(self) -> None:
        """
        A guest's room stays while anyone is in it and vanishes with its
        last member, whoever created it.
        """
        alice, bob = self.login("alice"), self.login("bob")
        self.service.createRoom(alice, "Jeux")
        self.service.enter(alice, "Jeux")
        self.service.enter(bob, "Jeux")
        self.assertTrue(self.service.roomVanishes("Jeux"))
        self.service.leave(alice, "Jeux")
        self.assertIn("Jeux", self.names())
        self.service.disconnect(bob, "bye")
        self.assertNotIn("Jeux", self.names())
        self.assertRaises(errors.NoSuchGroup, self.service.enter, alice, "Jeux")

    def test_neverEnteredVanishesWithCreator(self) -> None:
        """
        A guest's room nobody entered lasts while its creator is connected
        (others may enter it), and vanishes when the creator leaves.
        """
        alice = self.login("alice")
        self.service.createRoom(alice, "Jeux")
        self.assertIn("Jeux", self.names())
        self.service.disconnect(alice, "bye")
        self.assertNotIn("Jeux", self.names())

    def test_kickOfLastMember(self) -> None:
        """
        A room emptied by a kick vanishes too.
        """
        alice, root = self.login("alice"), self.login("moder")
        self.service.createRoom(alice, "Jeux")
        self.service.enter(alice, "Jeux")
        self.service.enter(root, "Jeux")
        self.service.leave(root, "Jeux")
        self.service.kickFromRoom(alice, "Jeux", "alice")
        self.assertNotIn("Jeux", self.names())

    def test_guestRoomNotStored(self) -> None:
        """
        A guest's room, its topic and modes are never written to the store:
        a restart does not bring it back.  A registered member's entry is
        not stored either.
        """
        self.registered("bob", "sesame")
        alice, bob = self.login("alice"), self.login("bob", "sesame")
        self.service.createRoom(alice, "Jeux")
        self.service.enter(alice, "Jeux")
        self.successResultOf(settled(self.service.enter(bob, "Jeux")))
        self.service.setTopic(alice, "Jeux", "cards")
        self.service.changeRoomModes(alice, "Jeux", [(True, "k", "sesame")])
        self.service = self.makeService()
        self.assertNotIn("Jeux", self.names())
        self.assertEqual(self.successResultOf(self.store.memberships("bob")), ["Général"])

    def test_registeredFounderLasts(self) -> None:
        """
        A room a registered user creates is stored and stays when emptied.
        """
        self.registered("alice", "sesame")
        alice = self.login("alice", "sesame")
        self.successResultOf(settled(self.service.createRoom(alice, "Jeux")))
        self.successResultOf(settled(self.service.enter(alice, "Jeux")))
        self.successResultOf(settled(self.service.leave(alice, "Jeux")))
        self.service.disconnect(alice, "bye")
        self.assertIn("Jeux", self.names())
        self.service = self.makeService()
        self.assertIn("Jeux", self.names())

    def test_operatorRoomLasts(self) -> None:
        """
        A chatd operator's room lasts, as do configured and seeded rooms.
        """
        root = self.login("moder")
        self.service.grantOperator(root)  # operator rights need a proven identity
        self.successResultOf(settled(self.service.createRoom(root, "Ops")))
        self.service.disconnect(root, "bye")
        self.service = self.makeService(rooms=["lobby"])
        self.assertIn("Ops", self.names())
        alice = self.login("alice")
        for room in ("lobby", "Blabla"):
            self.successResultOf(settled(self.service.enter(alice, room)))
            self.successResultOf(settled(self.service.leave(alice, room)))
        self.assertIn("lobby", self.names())
        self.assertIn("Blabla", self.names())

    def test_registeringKeepsRooms(self) -> None:
        """
        A guest who registers keeps the rooms it created: they now last
        and its membership is stored.
        """
        alice = self.login("alice")
        self.service.createRoom(alice, "Jeux")
        self.service.enter(alice, "Jeux")
        self.successResultOf(self.service.register(alice, "sesame"))
        self.assertFalse(self.service.roomVanishes("Jeux"))
        self.service.disconnect(alice, "bye")
        self.service = self.makeService()
        self.assertIn("Jeux", self.names())
        self.assertIn("Jeux", self.successResultOf(self.store.memberships("alice")))

    def test_adminConfigureKeeps(self) -> None:
        """
        An administrator configuring a guest's room makes it last.
        """
        alice = self.login("alice")
        self.service.createRoom(alice, "Jeux")
        self.successResultOf(self.service.configureRoom("Jeux", topic="cards"))
        self.service.disconnect(alice, "bye")
        self.assertIn("Jeux", self.names())
        self.assertRaises(
            errors.InvalidArgument, self.service.configureRoom, "Jeux", topic="x" * 380
        )

    def test_remoteEphemeral(self) -> None:
        """
        A guest's room created on another cluster node vanishes here too
        once nobody is in it here.
        """
        proxy = RecordingParticipant()
        self.service.connect(proxy)
        self.service.replica.admitRemote(proxy, "zed")
        self.service.replica.roomCreatedRemote("Jeux", "zed", 5, ephemeral=True)
        self.service.replica.enterRemote(proxy, "Jeux")
        self.assertTrue(self.service.roomVanishes("Jeux"))
        self.service.replica.leaveRemote(proxy, "Jeux")
        self.assertNotIn("Jeux", self.names())
        self.service.replica.roomCreatedRemote("Lasting", "zed", 5)
        self.service.disconnect(proxy, "bye")
        self.assertIn("Lasting", self.names())

    def test_remoteEnterOfUnknownRoom(self) -> None:
        """
        A room this node only learns of from another node's member entering
        it (a guest's room it already dropped, in a race) lasts here only
        while someone is in it.
        """
        proxy = RecordingParticipant()
        self.service.connect(proxy)
        self.service.replica.admitRemote(proxy, "zed")
        self.service.replica.enterRemote(proxy, "Late")
        self.assertIn("Late", self.names())
        self.service.replica.leaveRemote(proxy, "Late")
        self.assertNotIn("Late", self.names())


class TchatWireTests(SynchronousTestCase):
    """
    The limit on the TCHAT wire: C{srv: ERROR 32}.
    """

    def test_error32(self) -> None:
        """
        CREAT beyond the per-user limit gets C{srv: ERROR 32}; once the
        guest's room emptied, CREAT works again.
        """
        clock = Clock()
        service = ChatService(clock, maxRoomsPerUser=1)
        factory = TchatFactory(service, clock)
        alice, out = connect(factory, clock)
        alice.dataReceived(b"clt: LOGIN alice\nclt: CREAT one\nclt: CREAT two\n")
        self.assertEqual(
            output(out, clock), b"srv: TCHAT 1\nsrv: OKAY!\nsrv: OKAY!\nsrv: ERROR 32\n"
        )
        alice.dataReceived(b"clt: ENTER one\nclt: LEAVE one\nclt: ENTER one\nclt: CREAT two\n")
        self.assertEqual(output(out, clock), b"srv: OKAY!\nsrv: OKAY!\nsrv: ERROR 31\nsrv: OKAY!\n")
        alice.connectionLost(None)
        factory.stopFactory()


class PerAddressTests(SynchronousTestCase):
    """
    Guests' rooms count against their address, however many guests (one
    per connection) created them and whoever stays in them.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, maxRoomsPerUser=2)
        self.service.roomLimits.maxPerAddress = 3
        self.factory = TchatFactory(self.service, self.clock)
        self.addCleanup(self.factory.stopFactory)
        self.holder, self.held = self.guest("holder")

    def guest(self, nick: str, host: str = "192.0.2.7") -> tuple[Any, Any]:
        proto, transport = connect(self.factory, self.clock, host)
        proto.dataReceived(f"clt: LOGIN {nick}\n".encode())
        output(transport, self.clock)
        return proto, transport

    def createAndLeave(self, nick: str, *rooms: str, host: str = "192.0.2.7") -> bytes:
        """
        A guest creates C{rooms}, the holder enters them, the guest goes.
        """
        proto, transport = self.guest(nick, host)
        proto.dataReceived(b"".join(b"clt: CREAT %s\n" % room.encode() for room in rooms))
        answers = output(transport, self.clock)
        for room in rooms:
            self.holder.dataReceived(f"clt: ENTER {room}\n".encode())
        output(self.held, self.clock)
        proto.connectionLost(None)
        return answers

    def test_guestsOfOneAddress(self) -> None:
        """
        Reconnecting as new guests, one address creates C{maxPerAddress}
        rooms that stay, then C{ERROR 32}; another address still creates.
        """
        self.assertEqual(self.createAndLeave("mk1", "r1a", "r1b"), b"srv: OKAY!\n" * 2)
        self.assertEqual(self.createAndLeave("mk2", "r2a", "r2b"), b"srv: OKAY!\nsrv: ERROR 32\n")
        self.assertEqual(self.createAndLeave("mk3", "r3a"), b"srv: ERROR 32\n")
        names = [name for name, _ in self.service.rooms()]
        self.assertEqual([n for n in names if n.startswith("r")], ["r1a", "r1b", "r2a"])
        self.assertEqual(self.createAndLeave("other", "o1", host="198.51.100.1"), b"srv: OKAY!\n")
        irc, transport = connect(IRCFactory(self.service, self.clock), self.clock, "192.0.2.7")
        irc.dataReceived(b"NICK mk4\r\nUSER mk4 0 * :M\r\nJOIN #r4a\r\n")
        self.assertIn(
            " 405 mk4 #r4a :guests from your address already created 3 rooms that exist,"
            " the most one address may have",
            output(transport, self.clock).decode(),
        )
        irc.connectionLost(None)

    def test_vanishedRoomCountsNoMore(self) -> None:
        """
        Once a guest's room vanished, long after its creator left, the
        address may create another.
        """
        self.createAndLeave("mk1", "r1a", "r1b")
        self.createAndLeave("mk2", "r2a")
        self.assertEqual(self.createAndLeave("mk3", "r3a"), b"srv: ERROR 32\n")
        self.holder.dataReceived(b"clt: LEAVE r1a\n")
        self.assertEqual(output(self.held, self.clock), b"srv: OKAY!\n")
        self.assertEqual(self.createAndLeave("mk4", "r4a"), b"srv: OKAY!\n")

    def test_exempt(self) -> None:
        """
        The C{--limit-exempt} networks (a school's NAT) are not limited.
        """
        self.createAndLeave("mk1", "r1a", "r1b")
        self.createAndLeave("mk2", "r2a")
        self.assertEqual(self.createAndLeave("mk3", "r3a"), b"srv: ERROR 32\n")
        self.service.admission.exempt = [ip_network("192.0.2.0/24")]
        for n in range(4, 7):
            self.assertEqual(self.createAndLeave(f"mk{n}", f"r{n}a", f"r{n}b"), b"srv: OKAY!\n" * 2)
