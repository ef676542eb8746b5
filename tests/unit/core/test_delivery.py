"""
One member whose front-end raises does not keep a room's events from the
other members, and a room's flattened connections follow every change
(L{chatd.core.delivery}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.delivery import Members, deliverToAll
from chatd.core.events import Membership, RoomMessage
from chatd.core.people import People
from chatd.core.person import Person
from chatd.core.room import Room
from chatd.core.service import ChatService
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output


class Broken(RecordingParticipant):
    """
    A participant whose front-end fails on every room event.
    """

    def roomMessage(self, event: RoomMessage) -> None:
        raise RuntimeError("broken front-end")

    def membershipChanged(self, event: Membership) -> None:
        raise RuntimeError("broken front-end")


class BrokenMemberTests(SynchronousTestCase):
    def test_othersStillServed(self) -> None:
        """
        Two members that raise on a room message and on someone entering
        are logged once per event, with the traceback; the TCHAT members before
        and after it still get the events, and the sender gets C{OKAY!}.
        """
        clock = Clock()
        service = ChatService(clock, rooms=["lobby"])
        factory = TchatFactory(service, clock, aliveAfter=None)
        clients = []
        for nick in ("ann", "broken", "broke2", "cid"):
            if nick.startswith("broke"):
                broken = Broken()
                service.connect(broken)
                service.login(broken, nick)
                service.enter(broken, "lobby")
                continue
            proto, transport = connect(factory, clock)
            proto.dataReceived(f"clt: LOGIN {nick}\nclt: ENTER lobby\n".encode())
            clients.append((proto, transport))
        [(ann, annOut), (cid, cidOut)] = clients
        # broke2's ENTER (broken fails) and cid's (both fail): one log each
        self.assertEqual(2, len(self.flushLoggedErrors(RuntimeError)))
        self.assertIn(b"srv: ENTER lobby cid ", output(annOut, clock))
        output(cidOut, clock)
        ann.dataReceived(b"clt: SPEAK lobby\nclt: hello all\nclt: .\n")
        self.assertEqual(b"srv: OKAY!\n", output(annOut, clock))
        self.assertIn(b"srv: hello all\n", output(cidOut, clock))
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))


class FlattenedConnectionsTests(SynchronousTestCase):
    def test_followsChanges(self) -> None:
        """
        A room message reaches every connection of every member but the
        sender's, as the members and a person's connections are now: a
        connection that joins the person gets the next one, one that parts
        does not, and neither does a member who left; a rename changes
        nothing.
        """
        people = People()
        ann, bob, bob2 = RecordingParticipant(), RecordingParticipant(), RecordingParticipant()
        room = Room("lobby")
        room.add(people.named(ann, "ann"), "ann", 0)
        bobPerson = people.named(bob, "bob")
        assert isinstance(bobPerson, Person)
        room.add(bobPerson, "bob", 0)
        said = [RoomMessage("lobby", "ann", (f"line {n}",), 0) for n in range(5)]

        def messages(participant: RecordingParticipant) -> list[object]:
            return [event for event in participant.events if isinstance(event, RoomMessage)]

        room.broadcast(said[0], ann)
        people.join(bob2, bobPerson)
        room.broadcast(said[1], ann)
        people.part(bob2)
        room.broadcast(said[2], ann)
        room.rename("bob", "bobby")
        room.broadcast(said[3], ann)
        room.remove("bobby", Membership("lobby", "bobby", False, 0))
        room.broadcast(said[4], ann)
        self.assertEqual([], messages(ann))
        self.assertEqual(said[:4], messages(bob))
        self.assertEqual([said[1]], messages(bob2))

    def test_newcomerAppended(self) -> None:
        """
        A newcomer is added to the flattened connections without walking
        the members again, last, as in the members' order; a list being
        delivered to keeps its recipients; a member entering again in its
        own place, or after a person's connections changed, is flattened
        afresh.
        """
        people = People()
        ann, bob, carol = RecordingParticipant(), RecordingParticipant(), RecordingParticipant()
        members = Members()
        members["ann"] = people.named(ann, "ann")
        before = members.connections()
        self.assertEqual(before, [ann])
        members["bob"] = bob
        after = members.connections()
        self.assertEqual(after, [ann, bob])
        self.assertEqual(before, [ann])  # not changed under a running delivery
        members["bob"] = carol  # a replacement: flattened again, in place
        self.assertEqual(members.connections(), [ann, carol])
        annPerson = people.find("ann")
        assert isinstance(annPerson, Person)
        extra = RecordingParticipant()
        people.join(extra, annPerson)
        members["dave"] = RecordingParticipant()
        self.assertEqual(members.connections()[:3], [ann, extra, carol])
        self.assertEqual(len(members.connections()), 4)


class Relayed(RecordingParticipant):
    """
    A stand-in that forwards room messages to one place: C{relay}.
    """

    def __init__(self, nick: str, relay: str) -> None:
        super().__init__()
        self.nick, self.relay = nick, relay


class RelayTests(SynchronousTestCase):
    def test_onceAPlace(self) -> None:
        """
        Of the connections with the same relay, only the first is given a
        room message; every other event reaches them all, and connections
        without a relay all get the message.  The sender is skipped even
        when it is a relay's first.
        """
        local = [RecordingParticipant() for _ in range(2)]
        b1, b2, c1 = Relayed("b1", "B"), Relayed("b2", "B"), Relayed("c1", "C")
        members = Members()
        for i, each in enumerate([local[0], b1, b2, c1, local[1]]):
            members[f"m{i}"] = each
        event = RoomMessage("lobby", "someone", ("hi",), 0)
        deliverToAll(members, "roomMessage", event)
        self.assertEqual([len(p.events) for p in (*local, b1, b2, c1)], [1, 1, 1, 0, 1])
        joined = Membership("lobby", "x", True, 0)
        deliverToAll(members, "membershipChanged", joined)
        self.assertEqual([len(p.events) for p in (*local, b1, b2, c1)], [2, 2, 2, 1, 2])
        deliverToAll(members, "roomMessage", event, skip=b1)
        self.assertEqual([len(p.events) for p in (*local, b1, b2, c1)], [3, 3, 2, 1, 3])

    def test_followsChanges(self) -> None:
        """
        A newcomer with a new relay is given the next message; when a
        relay's first leaves, the next one of that relay is given it.
        """
        b1, b2 = Relayed("b1", "B"), Relayed("b2", "B")
        members = Members([("b1", b1), ("b2", b2)])
        local = RecordingParticipant()
        members["local"] = local
        self.assertEqual(members.messageConnections(), [b1, local])
        c1 = Relayed("c1", "C")
        members["c1"] = c1  # appended
        members["b3"] = Relayed("b3", "B")
        self.assertEqual(members.messageConnections(), [b1, local, c1])
        del members["b1"]
        self.assertEqual(members.messageConnections(), [b2, local, c1])

    def test_noRelaySameList(self) -> None:
        """
        Without relays, room messages use the room's flattened connections
        themselves: no second list.
        """
        members = Members([("a", RecordingParticipant()), ("b", RecordingParticipant())])
        self.assertIs(members.messageConnections(), members.connections())
        members["c"] = RecordingParticipant()
        self.assertIs(members.messageConnections(), members.connections())
