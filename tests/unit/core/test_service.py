"""
Tests for L{chatd.core.service.ChatService}: the rules every front-end shares.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer
from zope.interface.verify import verifyObject

from chatd.core import errors
from chatd.core.delivery import connectionsOf
from chatd.core.events import (
    KICK,
    PART,
    Invitation,
    Membership,
    Notice,
    PrivateMessage,
    Redaction,
    Rename,
    RoomChange,
    RoomMessage,
    Wallops,
    answers,
)
from chatd.core.hooks import IChatObserver
from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.names import NICK_RULE
from chatd.core.roles import IAdministration, IReplica
from chatd.core.service import ChatService
from chatd.core.whowas import MAX_ENTRIES
from chatd.testing import RecordingParticipant, settled
from tests.support.helpers import guestHost


class ServiceTestCase(SynchronousTestCase):
    """
    Tests of one L{ChatService}, C{self.service}, set up by each subclass.
    """

    service: ChatService

    def user(self, nick: str) -> RecordingParticipant:
        """
        A participant connected and logged in as C{nick}.
        """
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def operator(self, nick: str) -> RecordingParticipant:
        """
        A participant logged in as C{nick}, named an operator, as a login
        with the account's password leaves it.
        """
        participant = self.user(nick)
        self.service.people.accounts.prove(participant, nick)
        return participant


class ChatServiceTests(ServiceTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.service = ChatService(self.clock, maxGroupSize=3, operators=["Moder"])

    def test_interfaces(self) -> None:
        """
        The service and the test double provide their interfaces.
        """
        self.assertTrue(verifyObject(IChatService, self.service))
        self.assertTrue(verifyObject(IAdministration, self.service))
        self.assertTrue(verifyObject(IReplica, self.service.replica))
        self.assertTrue(verifyObject(IParticipant, RecordingParticipant()))

    def test_loginNames(self) -> None:
        """
        Names are 1-16 letters (any script), digits, _ or -; unique without
        regard to case, displayed as given.
        """
        for bad in ["", "a" * 17, "al ice", "al!ce", "a.b"]:
            self.assertRaises(errors.InvalidNick, self.service.login, RecordingParticipant(), bad)
        alice = self.user("Alice_-1")
        self.assertEqual(alice.nick, "Alice_-1")
        self.assertRaises(errors.NickTaken, self.service.login, RecordingParticipant(), "alice_-1")
        self.assertEqual(self.user("Zoë").nick, "Zoë")
        self.assertRaises(errors.AlreadyLoggedIn, self.service.login, alice, "other")

    def test_unicodeRoomNames(self) -> None:
        """
        C{Général} is a valid room name, the same room in decomposed form.
        """
        alice = self.user("alice")
        self.assertEqual(self.service.createRoom(alice, "Général"), "Général")
        self.assertEqual(self.service.enter(alice, "ge\u0301ne\u0301ral".upper()), "Général")

    def test_roomLifecycle(self) -> None:
        """
        Entering, listing and leaving a room tell the other members, with a
        timestamp in whole seconds.
        """
        alice, bob = self.user("alice"), self.user("bob")
        self.service.createRoom(alice, "lobby")
        self.assertRaises(errors.GroupExists, self.service.createRoom, bob, "LOBBY")
        self.assertRaises(errors.InvalidGroup, self.service.createRoom, bob, "bad name")
        self.service.enter(alice, "lobby")
        self.assertRaises(errors.AlreadyMember, self.service.enter, alice, "lobby")
        self.assertRaises(errors.NotMember, self.service.members, bob, "lobby")
        self.service.enter(bob, "lobby")
        self.assertEqual(self.service.members(bob, "lobby"), ["alice", "bob"])
        [event] = alice.events
        assert isinstance(event, Membership)
        self.assertEqual(
            (event.room, event.nick, event.joined, event.when), ("lobby", "bob", True, 1000)
        )
        self.assertEqual(bob.events, [])
        self.service.leave(bob, "lobby")
        self.assertEqual(
            [(e.nick, e.joined) for e in alice.events if isinstance(e, Membership)],
            [("bob", True), ("bob", False)],
        )
        self.assertRaises(errors.NotMember, self.service.leave, bob, "lobby")
        self.assertRaises(errors.NoSuchGroup, self.service.enter, bob, "nowhere")
        self.assertEqual(self.service.rooms(), [("lobby", 1)])
        self.assertEqual(self.service.roomsOf(alice), ["lobby"])

    def test_groupFull(self) -> None:
        """
        A room holds at most C{maxGroupSize} members.
        """
        users = [self.user(f"u{i}") for i in range(4)]
        self.service.createRoom(users[0], "small")
        for u in users[:3]:
            self.service.enter(u, "small")
        self.assertRaises(errors.GroupFull, self.service.enter, users[3], "small")

    def test_sayFansOutOnceToOthers(self) -> None:
        """
        A room message reaches every other member, as one shared event.
        """
        alice, bob, carol = self.user("alice"), self.user("bob"), self.user("carol")
        self.service.createRoom(alice, "lobby")
        for u in (alice, bob, carol):
            self.service.enter(u, "lobby")
        bob.events.clear()
        carol.events.clear()
        self.service.say(alice, "LOBBY", ("hello", "world"))
        self.assertEqual(
            alice.events[-1:], [e for e in alice.events[-1:] if isinstance(e, Membership)]
        )
        [toBob], [toCarol] = bob.events, carol.events
        self.assertIs(toBob, toCarol)
        assert isinstance(toBob, RoomMessage)
        self.assertEqual(
            (toBob.room, toBob.sender, toBob.lines), ("lobby", "alice", ("hello", "world"))
        )
        self.assertRaises(errors.InvalidArgument, self.service.say, alice, "lobby", ())
        self.assertRaises(errors.InvalidArgument, self.service.say, alice, "lobby", (" ",))
        outsider = self.user("dave")
        self.assertRaises(errors.NotMember, self.service.say, outsider, "lobby", ("hi",))

    def test_tell(self) -> None:
        """
        A private message reaches only its recipient; an unknown one is 21.
        """
        alice, bob = self.user("alice"), self.user("bob")
        self.service.tell(alice, "BOB", ("psst",))
        [event] = bob.events
        assert isinstance(event, PrivateMessage)
        self.assertEqual((event.sender, event.recipient, event.lines), ("alice", "bob", ("psst",)))
        self.assertRaises(errors.NoSuchUser, self.service.tell, alice, "nobody", ("x",))
        self.assertRaises(errors.InvalidArgument, self.service.tell, alice, "bob", ())

    def test_tellInvalidName(self) -> None:
        """
        A private message to a name nobody can have (it breaks the nickname
        rule: a C{!}, 17 letters, a compatibility form nobody here reads
        as) is refused as an invalid nickname (20), not a missing user
        (21); a look-alike of someone connected still reaches them.
        """
        alice, bob = self.user("alice"), self.user("bob")
        for bad in ("b!", "x" * 17, "𝐝ave", "bob\u200b"):
            refusal = self.assertRaises(errors.InvalidNick, self.service.tell, alice, bad, ("x",))
            self.assertEqual(
                f"that is not a valid nickname: a nickname is {NICK_RULE}",
                refusal.text,
            )
        self.service.tell(alice, "𝐛ob", ("psst",))
        self.assertEqual(1, len(bob.events))

    def test_mostLines(self) -> None:
        """
        A message of more lines than the body rule's C{maxLines} (100 by
        default, C{--max-body-lines}) is refused, to a room, to a room's
        operators or to one person, whichever front-end sent it: nobody
        gets it.
        """
        alice, bob = self.user("alice"), self.user("bob")
        self.service.createRoom(alice, "lobby")
        self.service.enter(alice, "lobby")
        self.service.enter(bob, "lobby")
        bob.events.clear()
        self.assertEqual(self.service.messages.body.maxLines, 100)
        self.service.say(alice, "lobby", ("x",) * 100)
        self.service.tell(alice, "bob", ("x",) * 100)
        self.assertEqual([len(e.lines) for e in bob.events], [100, 100])  # type: ignore[attr-defined]
        self.service.messages.body.maxLines = 2
        self.service.say(alice, "lobby", ("one", "two"))
        bob.events.clear()
        for send in (
            lambda: self.service.say(alice, "lobby", ("one", "two", "three")),
            lambda: self.service.tell(alice, "bob", ("one", "", "three")),
            lambda: self.service.messages.sayAmong(
                alice, "lobby", ("a", "b", "c"), False, (), "@", lambda room: [bob]
            ),
        ):
            error = self.assertRaises(errors.InvalidArgument, send)
            self.assertEqual(error.text, "too many lines: a message has at most 2")
        self.assertEqual(bob.events, [])

    def test_longestMessage(self) -> None:
        """
        A message of more characters than the body rule's C{maxSize}
        (C{--max-body-bytes}, 16384 by default; line breaks not counted, as
        TCHAT counts a body; characters counted composed, so that C{é}
        typed decomposed counts once) is refused, to a room, to a room's
        operators or to one person, whichever front-end sent it: nobody
        gets it.
        """
        alice, bob = self.user("alice"), self.user("bob")
        self.service.createRoom(alice, "lobby")
        self.service.enter(alice, "lobby")
        self.service.enter(bob, "lobby")
        bob.events.clear()
        self.assertEqual(self.service.messages.body.maxSize, 16384)
        self.service.say(alice, "lobby", ("é" * 16384,))
        self.service.say(alice, "lobby", ("e\u0301" * 16384,))  # counted composed
        self.service.messages.body.maxSize = 10
        self.service.say(alice, "lobby", ("12345", "😀😀😀😀😀"))
        self.service.tell(alice, "bob", ("1234567890",))
        self.assertEqual(len(bob.events), 4)
        bob.events.clear()
        for send in (
            lambda: self.service.say(alice, "lobby", ("12345", "678901")),
            lambda: self.service.say(alice, "lobby", ("e\u0301" * 11,)),
            lambda: self.service.tell(alice, "bob", ("x" * 11,)),
            lambda: self.service.messages.sayAmong(
                alice, "lobby", ("😀" * 11,), False, (), "@", lambda room: [bob]
            ),
        ):
            error = self.assertRaises(errors.InvalidArgument, send)
            self.assertEqual(error.text, "message too long: a message has at most 10 characters")
        self.assertEqual(bob.events, [])

    def test_notLoggedIn(self) -> None:
        """
        Everything but login needs a nickname first.
        """
        anonymous = RecordingParticipant()
        self.service.connect(anonymous)
        self.assertRaises(errors.NotLoggedIn, self.service.createRoom, anonymous, "x")
        self.assertRaises(errors.NotLoggedIn, self.service.tell, anonymous, "x", ("y",))

    def test_disconnectLeavesEverything(self) -> None:
        """
        A disconnect makes the user leave every room, tells the others why,
        frees the nickname, and is safe to repeat.
        """
        alice, bob = self.user("alice"), self.user("bob")
        for room in ("a", "b"):
            self.service.createRoom(alice, room)
            self.service.enter(alice, room)
            self.service.enter(bob, room)
        self.service.disconnect(bob, "connection lost")
        self.service.disconnect(bob, "again")
        left = [e for e in alice.events if isinstance(e, Membership) and not e.joined]
        self.assertEqual(
            [(e.room, e.reason) for e in left], [("a", "connection lost"), ("b", "connection lost")]
        )
        self.assertIsNone(self.service.find("bob"))
        self.user("bob")

    def test_maxClients(self) -> None:
        """
        C{maxClients} is the admission policy's, which every listener asks:
        past it a newcomer is refused until a connection closes.
        """
        self.service.admission.maxClients = 2
        admission = self.service.admission
        self.assertEqual(admission.maxClients, 2)
        first = admission.admit("192.0.2.1")
        admission.admit("192.0.2.2")
        self.assertRaises(errors.ServerFull, admission.admit, "192.0.2.3")
        admission.release(first)
        admission.admit("192.0.2.3")

    def test_rename(self) -> None:
        """
        A rename frees the old name and tells everyone sharing a room, once.
        """
        alice, bob, carol = self.user("alice"), self.user("bob"), self.user("carol")
        for room in ("a", "b"):
            self.service.createRoom(alice, room)
            self.service.enter(alice, room)
            self.service.enter(bob, room)
        alice.events.clear()
        bob.events.clear()
        self.assertRaises(errors.NickTaken, self.service.rename, alice, "BOB")
        self.service.rename(alice, "Alicia")
        [toBob] = bob.events
        assert isinstance(toBob, Rename)
        self.assertEqual((toBob.old, toBob.new, toBob.rooms), ("alice", "Alicia", ("a", "b")))
        self.assertEqual(len(alice.events), 1)
        self.assertEqual(carol.events, [])
        self.assertEqual(self.service.members(bob, "a"), ["Alicia", "bob"])
        self.user("alice")
        self.service.rename(bob, "BOB")

    def test_kickNeedsOperator(self) -> None:
        """
        Only operators may kick; the kicked user is told and disconnected,
        and their connection is no longer counted.
        """
        root, bob = self.operator("moder"), self.user("bob")
        self.assertRaises(errors.NotPermitted, self.service.kick, bob, "moder")
        self.service.kick(root, "bob", "spam")
        self.assertNotIn(bob, self.service.connections())
        assert bob.disconnectedWith is not None
        self.assertEqual(bob.disconnectedWith.code, 27)  # no timeout: they may come back
        self.assertIn("spam", bob.disconnectedWith.text)
        self.assertIsNone(self.service.find("bob"))
        self.assertRaises(errors.NoSuchUser, self.service.kick, root, "bob")

    def test_administration(self) -> None:
        """
        The admin console's capabilities: every connection (logged in or
        not), rooms created without a participant, a notice to one person,
        and ending a session with a given error.
        """
        bob, anonymous = self.user("bob"), RecordingParticipant()
        self.service.connect(anonymous)
        self.assertEqual({bob, anonymous}, set(self.service.connections()))
        self.assertEqual("Général", self.service.addRoom("Général"))
        self.assertRaises(errors.GroupExists, self.service.addRoom, "général")
        self.assertRaises(errors.InvalidGroup, self.service.addRoom, "no room")
        self.service.notify(bob, "you are muted")
        self.assertEqual("you are muted", bob.events[-1].text)  # type: ignore[attr-defined]
        self.service.enter(bob, "Général")
        self.service.endSession(bob, errors.Killed("killed by root: flooding"))
        assert bob.disconnectedWith is not None
        self.assertEqual(27, bob.disconnectedWith.code)
        self.assertEqual([("Général", 0)], self.service.rooms())
        self.assertEqual([anonymous], self.service.connections())


class InviteTests(ServiceTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.service = ChatService(self.clock, rooms=["lobby"])

    def test_invite(self) -> None:
        """
        A member invites someone connected and not in the room: they get a
        notice naming the inviter and the room.  Outsiders cannot invite,
        nobody can invite a missing person (nor a name nobody can have: an
        invalid nickname) or a member.
        """
        alice, bob = self.user("alice"), self.user("bob")
        self.service.enter(alice, "lobby")
        self.service.invite(alice, "BOB", "LOBBY")
        [event] = bob.events
        assert isinstance(event, Notice)
        self.assertEqual((event.text, event.when), ("alice invites you to join lobby", 1000))
        self.assertRaises(errors.NotMember, self.service.invite, bob, "alice", "lobby")
        self.assertRaises(errors.NoSuchGroup, self.service.invite, alice, "bob", "nope")
        self.assertRaises(errors.NoSuchUser, self.service.invite, alice, "carol", "lobby")
        self.assertRaises(errors.InvalidNick, self.service.invite, alice, "b!", "lobby")
        self.service.enter(bob, "lobby")
        self.assertRaises(errors.AlreadyMember, self.service.invite, alice, "bob", "lobby")
        self.assertRaises(
            errors.NotLoggedIn, self.service.invite, RecordingParticipant(), "bob", "lobby"
        )

    def test_capacity(self) -> None:
        """
        A room's capacity is the service's group size limit (C{None}: none);
        asking about a missing room is an error.
        """
        self.assertIsNone(self.service.capacity("LOBBY"))
        self.service.maxGroupSize = 3
        self.assertEqual(self.service.capacity("lobby"), 3)
        self.assertRaises(errors.NoSuchGroup, self.service.capacity, "nope")

    def test_topic(self) -> None:
        """
        A room's topic is its settings' topic, empty unless configured.
        """
        self.assertEqual(self.service.topic("LOBBY"), "")
        self.service.registry.get("lobby").settings.topic = "all welcome"
        self.assertEqual(self.service.topic("lobby"), "all welcome")
        self.assertRaises(errors.NoSuchGroup, self.service.topic, "nope")


@implementer(IChatObserver)
class RecordingObserver:
    """
    An observer that records what it is told and holds each nickname claim
    until the test fires or fails it.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.claims: dict[str, Deferred[None]] = {}

    def claimNick(self, participant: IParticipant, nick: str) -> Deferred[None]:
        self.calls.append(("claim", nick))
        d = self.claims[nick] = Deferred()
        return d

    def releaseNick(self, participant: IParticipant, nick: str) -> None:
        self.calls.append(("release", nick))

    def absentElsewhere(self, holder: IParticipant) -> bool:
        return False

    def signedInTo(self, accountKey: str) -> None:
        return None

    def takeOver(self, holder: IParticipant) -> None:
        self.calls.append(("take over", holder.nick))

    def settleHolder(self, holder: IParticipant) -> Deferred[None]:
        return succeed(None)

    def reachesEveryone(self) -> bool:
        return True

    def activityOf(self, participant: IParticipant) -> None:
        self.calls.append(("activity", participant.nick))

    def claimRoom(self, room: str) -> None:
        self.calls.append(("claim room", room))

    def releaseRoom(self, room: str) -> None:
        self.calls.append(("release room", room))

    def loggedIn(self, participant: IParticipant) -> None:
        self.calls.append(("in", participant.nick))

    def loggedOut(self, participant: IParticipant, nick: str, reason: str) -> None:
        self.calls.append(("out", nick, reason))

    def renamed(self, participant: IParticipant, old: str) -> None:
        self.calls.append(("renamed", old, participant.nick))

    def entered(self, participant: IParticipant, room: str) -> None:
        self.calls.append(("entered", participant.nick, room))

    def everyoneHeard(self) -> None:
        return None

    def everyoneStored(self) -> None:
        return None

    def left(self, participant: IParticipant, room: str, reason: str) -> None:
        self.calls.append(("left", participant.nick, room))

    def roomCreated(self, participant: IParticipant, room: str) -> None:
        self.calls.append(("created", room))

    def statusChanged(self, participant: IParticipant, kind: str) -> None:
        self.calls.append(("status", participant.nick, kind))

    def roomChanged(self, event: RoomChange) -> None:
        self.calls.append(("changed", event.room, event.modes, event.args, event.topic))

    def kickedFromRoom(self, room: str, nick: str, by: str, reason: str) -> None:
        self.calls.append(("kicked", room, nick, by, reason))

    def roomDeleted(self, room: str, by: str, reason: str) -> None:
        self.calls.append(("deleted", room, by, reason))

    def invited(self, room: str, nick: str, by: str, admitted: bool) -> None:
        self.calls.append(("invited", room, nick, by, admitted))

    def messageRedacted(self, event: Redaction) -> None:
        self.calls.append(("redacted", event.msgid, event.by))


class ObserverTests(SynchronousTestCase):
    """
    The optional L{IChatObserver}: asked before a name is given, told of
    every change after it is made.
    """

    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby"])
        self.observer = RecordingObserver()
        self.service.observer = self.observer
        verifyObject(IChatObserver, self.observer)

    def connected(self) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        return participant

    def login(self, nick: str) -> RecordingParticipant:
        participant = self.connected()
        d = self.service.login(participant, nick)
        self.observer.claims[nick].callback(None)
        self.successResultOf(settled(d))
        return participant

    def test_loginWaitsForClaim(self) -> None:
        """
        A login completes only once the observer granted the name; a
        refused claim refuses the login.
        """
        alice = self.connected()
        d = self.service.login(alice, "alice")
        self.assertNoResult(d)
        self.assertIsNone(self.service.find("alice"))
        self.observer.claims["alice"].callback(None)
        self.assertEqual(self.successResultOf(settled(d)), "alice")
        bob = self.connected()
        d = self.service.login(bob, "bob")
        self.observer.claims["bob"].errback(errors.NickTaken())
        self.failureResultOf(d, errors.NickTaken)
        self.assertIsNone(bob.nick)
        self.assertEqual(
            self.observer.calls, [("claim", "alice"), ("in", "alice"), ("claim", "bob")]
        )

    def test_unusedClaimReleased(self) -> None:
        """
        A name claimed for a connection that closed meanwhile is given back.
        """
        alice = self.connected()
        d = self.service.login(alice, "alice")
        self.service.disconnect(alice)
        self.observer.claims["alice"].callback(None)
        self.failureResultOf(d, errors.NotLoggedIn)
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.observer.calls[-1], ("release", "alice"))

    def test_oneLoginAtATime(self) -> None:
        """
        While a login waits for its claim, another login on the same
        connection is refused as already logged in, without a claim; once
        the first is done the connection may log in again after a refusal.
        """
        alice = self.connected()
        d = self.service.login(alice, "alice")
        self.assertRaises(errors.AlreadyLoggedIn, self.service.login, alice, "alicia")
        self.observer.claims["alice"].errback(errors.NickTaken())
        self.failureResultOf(d, errors.NickTaken)
        d = self.service.login(alice, "alicia")
        self.observer.claims["alicia"].callback(None)
        self.assertEqual(self.successResultOf(settled(d)), "alicia")
        self.assertEqual(
            self.observer.calls, [("claim", "alice"), ("claim", "alicia"), ("in", "alicia")]
        )

    def test_changesReported(self) -> None:
        """
        Entering, leaving, creating rooms (claimed first, the claim given
        up once made), renaming and disconnecting are reported after they
        happen.
        """
        alice = self.login("alice")
        self.service.createRoom(alice, "dev")
        self.service.enter(alice, "dev")
        self.service.leave(alice, "dev")
        d = self.service.rename(alice, "alicia")
        self.observer.claims["alicia"].callback(None)
        self.successResultOf(settled(d))
        self.service.rename(alice, "ALICIA")  # same name: nothing to claim
        self.service.disconnect(alice, "bye")
        self.assertEqual(
            self.observer.calls[2:],
            [
                ("claim room", "dev"),
                ("created", "dev"),
                ("release room", "dev"),
                ("entered", "alice", "dev"),
                ("left", "alice", "dev"),
                ("claim", "alicia"),
                ("renamed", "alice", "alicia"),
                ("renamed", "alicia", "ALICIA"),
                ("out", "ALICIA", "bye"),
            ],
        )

    def test_remoteParticipants(self) -> None:
        """
        A participant served elsewhere is admitted and put in rooms without
        a claim or a size limit; rooms it names are created.
        """
        self.service.maxGroupSize = 1
        bob = self.login("bob")
        self.service.enter(bob, "lobby")
        remote = RecordingParticipant()
        self.assertEqual(self.service.replica.admitRemote(remote, "carol"), "carol")
        self.service.replica.enterRemote(remote, "lobby")
        self.service.replica.enterRemote(remote, "lobby")
        self.service.replica.enterRemote(remote, "elsewhere")
        self.assertEqual(self.service.members(bob, "lobby"), ["bob", "carol"])
        self.assertEqual(self.service.replica.ensureRoom("ELSEWHERE"), "elsewhere")
        self.assertRaises(
            errors.NickTaken, self.service.replica.admitRemote, RecordingParticipant(), "Bob"
        )
        joined = [e for e in bob.events if isinstance(e, Membership)]
        self.assertEqual([(e.nick, e.joined) for e in joined], [("carol", True)])
        self.assertNotIn(("claim", "carol"), self.observer.calls)
        self.service.replica.leaveRemote(remote, "LOBBY", "gone")
        self.service.replica.leaveRemote(remote, "lobby")
        self.service.replica.leaveRemote(remote, "nowhere")
        self.assertEqual(self.service.roomsOf(remote), ["elsewhere"])
        self.assertEqual((bob.events[-1].joined, bob.events[-1].reason), (False, "gone"))  # type: ignore[attr-defined]
        self.assertNotIn(("left", "carol", "lobby"), self.observer.calls)
        self.assertEqual(self.service.replica.renameRemote(remote, "Caroline"), "Caroline")
        self.assertRaises(errors.NickTaken, self.service.replica.renameRemote, remote, "BOB")
        self.assertIs(self.service.find("caroline"), remote)
        self.assertNotIn(("claim", "Caroline"), self.observer.calls)


class ConnectionLogTests(SynchronousTestCase):
    def loggedFor(self, logConnections: bool) -> list[str]:
        from twisted.logger import LogEvent, formatEvent, globalLogPublisher

        events: list[LogEvent] = []
        observer = events.append
        globalLogPublisher.addObserver(observer)  # type: ignore[arg-type]
        try:
            service = ChatService(Clock(), logConnections=logConnections)
            alice = RecordingParticipant()
            service.connect(alice)
            service.login(alice, "alice")
            service.disconnect(alice, "bye")
        finally:
            globalLogPublisher.removeObserver(observer)  # type: ignore[arg-type]
        return [formatEvent(e) for e in events if e.get("log_namespace", "").startswith("chatd")]

    def test_connectionsLoggedByDefault(self) -> None:
        """
        Each login and disconnect is logged with who, from where and why.
        """
        self.assertEqual(
            self.loggedFor(True),
            ["alice logged in from 127.0.0.1 over test", "alice disconnected (bye)"],
        )

    def test_quietConnections(self) -> None:
        """
        A busy site can turn those lines off.
        """
        self.assertEqual(self.loggedFor(False), [])


class RoomOperatorTests(ServiceTestCase):
    """
    Room operators, voice, room modes, topics and kicks from a room.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, operators=["Moder"])
        self.alice = self.user("alice")
        self.bob = self.user("bob")
        self.service.createRoom(self.alice, "den")
        self.service.enter(self.alice, "den")
        self.service.enter(self.bob, "den")
        self.alice.events.clear()
        self.bob.events.clear()

    def test_creatorIsOperator(self) -> None:
        """
        Whoever creates a room runs it; others do not, chatd operators run
        every room.
        """
        root = self.operator("Moder")
        self.service.enter(root, "den")
        self.assertTrue(self.service.isRoomOperator(self.alice, "den"))
        self.assertFalse(self.service.isRoomOperator(self.bob, "den"))
        self.assertTrue(self.service.isRoomOperator(root, "den"))
        self.assertEqual(self.service.memberStatus("den", "ALICE"), "o")
        self.assertEqual(self.service.memberStatus("den", "bob"), "")
        self.assertEqual(self.service.memberStatus("den", "Moder"), "o")
        self.assertEqual(self.service.roomModes("den"), "nt")
        self.assertEqual(self.service.roomCreatedAt("den"), 0)  # the clock's start
        self.clock.advance(7)
        self.service.createRoom(self.bob, "attic")
        self.assertEqual(self.service.roomCreatedAt("attic"), 7)
        self.assertTrue(self.service.isRoomOperator(self.bob, "attic"))

    def test_giveAndTakeStatus(self) -> None:
        """
        An operator gives voice and operator status; every member is told
        with a L{RoomChange}; a change that changes nothing is silent.
        """
        self.assertTrue(self.service.changeRoomMode(self.alice, "den", True, "v", "BOB"))
        self.assertEqual(self.service.memberStatus("den", "bob"), "v")
        [event] = self.bob.events
        assert isinstance(event, RoomChange)
        self.assertEqual((event.by, event.modes, event.args), ("alice", "+v", ("bob",)))
        self.assertEqual(event.text, "alice set mode +v bob on den")
        self.assertIs(self.alice.events[0], event)
        self.assertFalse(self.service.changeRoomMode(self.alice, "den", True, "v", "bob"))
        self.assertEqual(len(self.bob.events), 1)
        self.service.changeRoomMode(self.alice, "den", True, "o", "bob")
        self.assertTrue(self.service.isRoomOperator(self.bob, "den"))
        self.service.changeRoomMode(self.bob, "den", False, "o", "alice")
        self.assertFalse(self.service.isRoomOperator(self.alice, "den"))

    def test_memberStatuses(self) -> None:
        """
        Every member's status in one call, in the order they entered, as
        L{memberStatus} gives each (chatd operators count as operators);
        only members may ask.
        """
        root = self.operator("Moder")
        self.service.enter(root, "den")
        self.service.changeRoomMode(self.alice, "den", True, "v", "bob")
        self.service.changeRoomMode(self.alice, "den", True, "v", "alice")
        statuses = self.service.memberStatuses(self.bob, "den")
        self.assertEqual(statuses, [("alice", "ov"), ("bob", "v"), ("Moder", "o")])
        for nick, status in statuses:
            self.assertEqual(self.service.memberStatus("den", nick), status)
        carol = self.user("carol")
        self.assertRaises(errors.NotMember, self.service.memberStatuses, carol, "den")

    def test_onlyOperatorsChange(self) -> None:
        """
        A member who does not run the room may not change modes; the target
        must be a member; unknown modes are refused.
        """
        self.assertRaises(
            errors.NotRoomOperator, self.service.changeRoomMode, self.bob, "den", True, "o", "bob"
        )
        carol = self.user("carol")
        self.assertRaises(
            errors.NotInRoom, self.service.changeRoomMode, self.alice, "den", True, "v", "carol"
        )
        self.assertRaises(errors.NotMember, self.service.changeRoomMode, carol, "den", True, "m")
        self.assertRaises(
            errors.InvalidArgument, self.service.changeRoomMode, self.alice, "den", True, "k"
        )

    def test_statusFollowsMember(self) -> None:
        """
        Status goes with the person across a rename and is lost on leaving.
        """
        self.service.rename(self.alice, "alicia")
        self.assertEqual(self.service.memberStatus("den", "alicia"), "o")
        self.service.leave(self.alice, "den")
        self.service.enter(self.alice, "den")
        self.assertEqual(self.service.memberStatus("den", "alicia"), "")

    def test_moderated(self) -> None:
        """
        In a C{+m} room only voiced members and operators speak.
        """
        self.service.changeRoomMode(self.alice, "den", True, "m")
        self.assertEqual(self.service.roomModes("den"), "mnt")
        self.assertRaises(errors.Moderated, self.service.say, self.bob, "den", ("hi",))
        self.service.say(self.alice, "den", ("hi",))
        self.service.changeRoomMode(self.alice, "den", True, "v", "bob")
        self.service.say(self.bob, "den", ("hi",))
        self.assertIsInstance(self.alice.events[-1], RoomMessage)

    def test_noExternalMessages(self) -> None:
        """
        Without C{n}, people outside the room may speak in it.
        """
        carol = self.user("carol")
        self.assertRaises(errors.NotMember, self.service.say, carol, "den", ("hi",))
        self.service.changeRoomMode(self.alice, "den", False, "n")
        self.service.say(carol, "den", ("hi",))
        self.assertEqual(self.bob.events[-1].lines, ("hi",))  # type: ignore[attr-defined]

    def test_topic(self) -> None:
        """
        Under C{t} only operators set the topic; without it any member.
        """
        self.assertRaises(errors.NotRoomOperator, self.service.setTopic, self.bob, "den", "x")
        self.assertIsNone(self.service.topicSetter("den"))
        self.clock.advance(50)
        self.service.setTopic(self.alice, "den", "cats")
        self.assertEqual(self.service.topic("den"), "cats")
        self.assertEqual(self.service.topicSetter("den"), ("alice", 50))
        [event] = self.bob.events
        assert isinstance(event, RoomChange)
        self.assertEqual(event.topic, "cats")
        self.assertTrue(answers(event, self.alice))  # the setter's answer
        self.assertFalse(answers(event, self.bob))
        self.service.changeRoomMode(self.alice, "den", False, "t")
        self.service.setTopic(self.bob, "den", "dogs")
        self.assertEqual(self.service.topic("den"), "dogs")

    def test_kickFromRoom(self) -> None:
        """
        An operator removes someone from the room only: everyone, the kicked
        one included, gets a kick L{Membership} with the reason.
        """
        self.assertEqual(self.service.kickFromRoom(self.alice, "den", "BOB", "spam"), "bob")
        [event] = self.bob.events
        assert isinstance(event, Membership)
        self.assertEqual(
            (event.kind, event.by, event.reason, event.nick), (KICK, "alice", "spam", "bob")
        )
        self.assertIs(self.alice.events[0], event)
        self.assertTrue(answers(event, self.alice))  # the kicker's answer
        self.assertFalse(answers(event, self.bob))
        self.assertEqual(self.service.roomsOf(self.bob), [])
        self.assertEqual(list(connectionsOf(self.service.find("bob"))), [self.bob])
        self.assertIsNone(self.bob.disconnectedWith)
        self.assertRaises(errors.NotInRoom, self.service.kickFromRoom, self.alice, "den", "bob")
        self.service.enter(self.bob, "den")
        self.assertRaises(
            errors.NotRoomOperator, self.service.kickFromRoom, self.bob, "den", "alice"
        )

    def test_partReason(self) -> None:
        """
        Parting words reach the others in a L{Membership} of kind C{part}.
        """
        self.service.leave(self.bob, "den", "bye all")
        [event] = self.alice.events
        assert isinstance(event, Membership)
        self.assertEqual((event.kind, event.reason), (PART, "bye all"))

    def test_reasonLength(self) -> None:
        """
        A reason for removing someone is at most 379 bytes of UTF-8, as a
        topic: a longer one is refused, and nobody moves.
        """
        long = "x" * 380
        for reason in (long, "😀" * 95):
            self.assertRaises(
                errors.InvalidArgument, self.service.kickFromRoom, self.alice, "den", "bob", reason
            )
        self.assertEqual(self.service.roomsOf(self.bob), ["den"])
        self.service.leave(self.bob, "den", "x" * 379)
        self.assertEqual(self.service.roomsOf(self.bob), [])

    def test_partingWordsNeverRefused(self) -> None:
        """
        Someone asking to leave leaves: a reason holding characters chatd
        refuses loses them (as a QUIT's does), one too long is cut to 379
        bytes, whole characters; the others read what is left.
        """
        self.service.leave(self.bob, "den", "\u202ebye \x1b[2J\r\nnow")
        [event] = self.alice.events
        assert isinstance(event, Membership)
        self.assertEqual((event.kind, event.reason), (PART, "\u202ebye [2J now"))
        self.assertEqual(self.service.roomsOf(self.bob), [])
        self.service.enter(self.bob, "den")
        self.alice.events.clear()
        self.service.leave(self.bob, "den", "😀" * 95)
        [event] = [e for e in self.alice.events if isinstance(e, Membership)]
        self.assertEqual(event.reason, "😀" * 94)
        self.assertEqual(self.service.roomsOf(self.bob), [])

    def test_notices(self) -> None:
        """
        A message marked as a notice arrives marked; others are not.
        """
        self.service.say(self.alice, "den", ("hi",), notice=True)
        self.service.tell(self.alice, "bob", ("psst",), notice=True)
        self.service.tell(self.alice, "bob", ("plain",))
        notices = [event.notice for event in self.bob.events]  # type: ignore[attr-defined]
        self.assertEqual(notices, [True, True, False])

    def test_capacity(self) -> None:
        """
        An operator sets and clears the room's capacity (mode C{l}); a
        full room refuses newcomers; bad numbers are refused.
        """
        self.service.changeRoomMode(self.alice, "den", True, "l", "2")
        self.assertEqual(self.service.capacity("den"), 2)
        event = self.bob.events[-1]
        assert isinstance(event, RoomChange)
        self.assertEqual((event.modes, event.args), ("+l", ("2",)))
        self.assertRaises(errors.GroupFull, self.service.enter, self.user("carol"), "den")
        for bad in ["0", "-1", "x", ""]:
            self.assertRaises(
                errors.InvalidArgument,
                self.service.changeRoomMode,
                self.alice,
                "den",
                True,
                "l",
                bad,
            )
        self.service.changeRoomMode(self.alice, "den", False, "l")
        self.assertIsNone(self.service.capacity("den"))
        self.assertEqual(self.bob.events[-1].modes, "-l")  # type: ignore[attr-defined]

    def test_inviteOnly(self) -> None:
        """
        In an C{i} room only those an operator invited (once each) and chatd
        operators enter; members who do not run it may not invite.
        """
        self.service.changeRoomMode(self.alice, "den", True, "i")
        carol = self.user("carol")
        self.assertRaises(errors.InviteOnly, self.service.enter, carol, "den")
        self.assertRaises(errors.NotRoomOperator, self.service.invite, self.bob, "carol", "den")
        self.service.invite(self.alice, "carol", "den")
        event = carol.events[-1]
        assert isinstance(event, Invitation)
        self.assertEqual(
            (event.room, event.by, event.text), ("den", "alice", "alice invites you to join den")
        )
        self.service.enter(carol, "den")
        self.service.leave(carol, "den")
        self.assertRaises(errors.InviteOnly, self.service.enter, carol, "den")
        self.service.enter(self.operator("Moder"), "den")

    def test_grantOperator(self) -> None:
        """
        A session made operator runs every room and may kick, until it
        disconnects; the nickname alone does not carry it.
        """
        self.service.grantOperator(self.bob)
        self.assertTrue(self.service.isOperator(self.bob))
        self.assertTrue(self.service.isRoomOperator(self.bob, "den"))
        self.service.disconnect(self.bob)
        self.assertFalse(self.service.isOperator(self.user("bob")))
        self.assertRaises(errors.NotLoggedIn, self.service.grantOperator, RecordingParticipant())

    def test_tagsAndMsgid(self) -> None:
        """
        Messages get unique ids and carry the sender's tags; a message of
        tags only is allowed, an empty one without tags is not.
        """
        first = self.service.say(self.alice, "den", ("hi",), tags=(("+a", "b"),))
        second = self.service.say(self.alice, "den", (), tags=(("+typing", "active"),))
        self.assertIs(self.bob.events[-1], second)
        self.assertEqual(first.tags, (("+a", "b"),))
        self.assertNotEqual(first.msgid, second.msgid)
        self.assertRaises(errors.InvalidArgument, self.service.say, self.alice, "den", ())
        private = self.service.tell(self.alice, "bob", (), tags=(("+x", ""),))
        assert isinstance(private, PrivateMessage)
        self.assertTrue(private.msgid)

    def test_msgidsSortInOrder(self) -> None:
        """
        A service's message ids sort in the order it made them, also when
        its counter gains a digit (the 16th message), so the stored
        history's msgid index grows at one end.
        """
        said = [self.service.say(self.alice, "den", (f"{n}",)).msgid for n in range(20)]
        self.assertEqual(sorted(said), said)
        self.assertEqual(len(set(said)), 20)


class RoomRulesTests(ServiceTestCase):
    """
    Room keys (C{k}), ban masks (C{b}), secret rooms (C{s}) and grouped
    mode changes.  Alice created C{den}; bob is in it too.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, operators=["Moder"])
        self.alice = self.user("alice")
        self.bob = self.user("bob")
        self.service.createRoom(self.alice, "den")
        self.service.enter(self.alice, "den")
        self.service.enter(self.bob, "den")

    def test_key(self) -> None:
        """
        A keyed room lets in only those who give its key (chatd operators
        pass); members are told the key was set in a L{RoomChange}.
        """
        refused = self.service.changeRoomModes(self.alice, "den", [(True, "k", "sesame")])
        self.assertEqual(refused, [])
        self.assertEqual(self.service.roomKey("den"), "sesame")
        change = self.bob.events[-1]
        assert isinstance(change, RoomChange)
        self.assertEqual((change.modes, change.args), ("+k", ("sesame",)))
        carol = self.user("carol")
        self.assertRaises(errors.BadRoomKey, self.service.enter, carol, "den")
        self.assertRaises(errors.BadRoomKey, self.service.enter, carol, "den", "SESAME")
        self.assertEqual(self.service.enter(carol, "den", "sesame"), "den")
        self.assertEqual(self.service.enter(self.operator("Moder"), "den"), "den")
        self.service.changeRoomModes(self.alice, "den", [(False, "k", "*")])
        self.assertIsNone(self.service.roomKey("den"))
        self.assertEqual(self.service.enter(self.user("dave"), "den"), "den")

    def test_badKey(self) -> None:
        """
        An invalid key is refused and returned with its error; the other
        changes of the group are still made.
        """
        refused = self.service.changeRoomModes(
            self.alice, "den", [(True, "k", "two words"), (True, "m", "")]
        )
        [(adding, mode, argument, error)] = refused
        self.assertEqual((adding, mode, argument), (True, "k", "two words"))
        self.assertIsInstance(error, errors.InvalidArgument)
        self.assertIsNone(self.service.roomKey("den"))
        self.assertIn("m", self.service.roomModes("den"))

    def test_bans(self) -> None:
        """
        A ban mask keeps matching people out, without regard to case; it
        is listed with its setter and time and can be lifted.
        """
        self.clock.advance(50)
        self.service.changeRoomModes(self.alice, "den", [(True, "b", "CAROL")])
        self.assertEqual(self.service.roomBans("den"), [("CAROL!*@*", "alice", 50)])
        change = self.bob.events[-1]
        assert isinstance(change, RoomChange)
        self.assertEqual((change.modes, change.args), ("+b", ("CAROL!*@*",)))
        carol = self.user("carol")
        self.assertRaises(errors.BannedFromRoom, self.service.enter, carol, "den")
        self.service.changeRoomModes(self.alice, "den", [(False, "b", "carol!*@*")])
        self.assertEqual(self.service.roomBans("den"), [])
        self.assertEqual(self.service.enter(carol, "den"), "den")

    def test_banByAddress(self) -> None:
        """
        A mask matches a participant's real address as well as its host
        (a guest's cloak), never the name of its protocol.
        """
        self.service.changeRoomModes(self.alice, "den", [(True, "b", "*!*@10.1.*")])
        far = RecordingParticipant(address="10.1.2.3")
        self.service.connect(far)
        self.service.login(far, "far")
        self.assertRaises(errors.BannedFromRoom, self.service.enter, far, "den")
        self.service.changeRoomModes(self.alice, "den", [(True, "b", "*!*@test.chatd")])
        self.assertEqual(self.service.enter(self.user("near"), "den"), "den")
        self.service.changeRoomModes(
            self.alice, "den", [(True, "b", f"*!*@{guestHost(self.service)}")]
        )
        self.assertRaises(errors.BannedFromRoom, self.service.enter, self.user("nearer"), "den")

    def test_bannedMemberIsSilent(self) -> None:
        """
        A member matching a ban mask may not speak there unless voiced.
        """
        self.service.changeRoomModes(self.alice, "den", [(True, "b", "bob")])
        self.assertRaises(errors.BannedFromRoom, self.service.say, self.bob, "den", ("hi",))
        self.service.changeRoomModes(self.alice, "den", [(True, "v", "bob")])
        self.service.say(self.bob, "den", ("hi",))

    def test_invitationPassesBan(self) -> None:
        """
        An invitation from a room operator lets a banned person in once; a
        chatd operator is never kept out.
        """
        self.service.changeRoomModes(self.alice, "den", [(True, "b", "carol")])
        carol = self.user("carol")
        self.service.invite(self.bob, "carol", "den")  # bob does not run den
        self.assertRaises(errors.BannedFromRoom, self.service.enter, carol, "den")
        self.service.invite(self.alice, "carol", "den")
        self.service.enter(carol, "den")
        self.service.leave(carol, "den")
        self.assertRaises(errors.BannedFromRoom, self.service.enter, carol, "den")
        self.service.changeRoomModes(self.alice, "den", [(True, "b", "*")])
        self.service.enter(self.operator("Moder"), "den")

    def test_secret(self) -> None:
        """
        A secret room shows in the room lists of its members and chatd
        operators only.
        """
        self.service.addRoom("lobby")
        carol = self.user("carol")
        self.service.changeRoomModes(self.alice, "den", [(True, "s", "")])
        self.assertEqual(self.service.roomsVisibleTo(self.bob), [("den", 2), ("lobby", 0)])
        self.assertEqual(self.service.roomsVisibleTo(carol), [("lobby", 0)])
        self.assertFalse(self.service.canSee(carol, "den"))
        self.assertTrue(self.service.canSee(self.operator("Moder"), "den"))
        self.assertEqual(self.service.rooms(), [("den", 2), ("lobby", 0)])  # the admin's view

    def test_grouped(self) -> None:
        """
        Several changes make ONE L{RoomChange}, with only what changed;
        refusals come back with their errors; only operators may try.
        """
        refused = self.service.changeRoomModes(
            self.alice,
            "den",
            [
                (True, "i", ""),
                (False, "n", ""),
                (False, "t", ""),
                (True, "t", ""),
                (True, "o", "x"),
            ],
        )
        self.assertEqual(
            [(mode, type(error)) for _, mode, _, error in refused], [("o", errors.NotInRoom)]
        )
        changes = [e for e in self.bob.events if isinstance(e, RoomChange)]
        self.assertEqual([(c.modes, c.args) for c in changes], [("+i-nt+t", ())])
        self.assertEqual(self.service.roomModes("den"), "it")
        self.bob.events.clear()
        self.assertEqual(self.service.changeRoomModes(self.alice, "den", [(True, "i", "")]), [])
        self.assertEqual(self.bob.events, [])
        self.assertRaises(
            errors.NotRoomOperator, self.service.changeRoomModes, self.bob, "den", [(True, "m", "")]
        )
        refused = self.service.changeRoomModes(
            self.alice, "den", [(True, "Q", ""), (True, "l", "0")]
        )
        self.assertEqual([mode for _, mode, _, _ in refused], ["Q", "l"])
        self.service.changeRoomModes(self.alice, "den", [(True, "l", "5"), (True, "v", "BOB")])
        self.assertEqual(self.service.capacity("den"), 5)
        change = self.alice.events[-1]
        assert isinstance(change, RoomChange)
        self.assertEqual((change.modes, change.args), ("+lv", ("5", "bob")))

    def test_singleChangeKeyAndBan(self) -> None:
        """
        L{ChatService.changeRoomMode} sets and clears a key and ban masks
        too, announcing each; an invalid key is refused.
        """
        self.assertTrue(self.service.changeRoomMode(self.alice, "den", True, "k", "sesame"))
        self.assertFalse(self.service.changeRoomMode(self.alice, "den", True, "k", "sesame"))
        self.assertTrue(self.service.changeRoomMode(self.alice, "den", True, "b", "eve"))
        change = self.bob.events[-1]
        assert isinstance(change, RoomChange)
        self.assertEqual((change.modes, change.args), ("+b", ("eve!*@*",)))
        self.assertRaises(
            errors.InvalidArgument, self.service.changeRoomMode, self.alice, "den", True, "k", ""
        )
        self.assertTrue(self.service.changeRoomMode(self.alice, "den", False, "k", ""))
        self.assertIsNone(self.service.roomKey("den"))


class RemoteRoomTests(SynchronousTestCase):
    """
    Room changes made in another process (cluster mode): reported to the
    observer where they are made, applied without checks where they are
    not, members told with the usual events.
    """

    def setUp(self) -> None:
        self.service = ChatService(Clock(), rooms=["lobby"])
        self.observer = RecordingObserver()
        self.service.observer = self.observer
        self.remote = RecordingParticipant()
        self.service.replica.admitRemote(self.remote, "op")
        self.service.replica.enterRemote(self.remote, "lobby")
        self.bob = self.login("bob")
        self.service.enter(self.bob, "lobby")

    def login(self, nick: str) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        d = self.service.login(participant, nick)
        self.observer.claims[nick].callback(None)
        self.successResultOf(settled(d))
        return participant

    def changes(self, person: RecordingParticipant) -> list[tuple[str, tuple[str, ...], str]]:
        return [(e.modes, e.args, e.by) for e in person.events if isinstance(e, RoomChange)]

    def test_changesReported(self) -> None:
        """
        Mode, status, topic, kick and invitation made here are reported,
        once per change, with what members were told.
        """
        self.service.addRoom("dev")
        carol = self.login("carol")
        self.service.registry.get("lobby").ops.add("bob")
        self.service.changeRoomModes(self.bob, "lobby", [(True, "m", ""), (True, "k", "s3")])
        self.service.changeRoomMode(self.bob, "lobby", True, "v", "op")
        self.service.setTopic(self.bob, "lobby", "hi")
        self.service.invite(self.bob, "carol", "lobby")
        self.service.kickFromRoom(self.bob, "lobby", "OP", "out")
        del carol
        self.assertEqual(
            [c for c in self.observer.calls if c[0] in ("changed", "kicked", "invited")],
            [
                ("changed", "lobby", "+mk", ("s3",), None),
                ("changed", "lobby", "+v", ("op",), None),
                ("changed", "lobby", "", (), "hi"),
                ("invited", "lobby", "carol", "bob", True),
                ("kicked", "lobby", "op", "bob", "out"),
            ],
        )
        self.assertNotIn(("left", "op", "lobby"), self.observer.calls)

    def test_applyRemoteModes(self) -> None:
        """
        A grouped change from elsewhere applies without permission checks;
        members get one L{RoomChange}; parts that cannot apply here are
        left out; nothing is reported back to the observer.
        """
        before = len(self.observer.calls)
        event = self.service.replica.applyRemoteRoomChange(
            "lobby", "op", "+mklo-n", ["key", "5", "bob", "nobody"], when=7
        )
        assert event is not None
        self.assertEqual((event.modes, event.args, event.when), ("+mklo-n", ("key", "5", "bob"), 7))
        self.assertEqual(self.changes(self.bob), [("+mklo-n", ("key", "5", "bob"), "op")])
        self.assertEqual(self.changes(self.remote), [("+mklo-n", ("key", "5", "bob"), "op")])
        self.assertEqual(self.service.roomModes("lobby"), "mt")
        self.assertEqual(self.service.roomKey("lobby"), "key")
        self.assertEqual(self.service.capacity("lobby"), 5)
        self.assertEqual(self.service.memberStatus("lobby", "bob"), "o")
        self.assertEqual(len(self.observer.calls), before)
        self.assertIsNone(
            self.service.replica.applyRemoteRoomChange("lobby", "op", "+v", ["ghost"])
        )
        self.service.replica.applyRemoteRoomChange("lobby", "op", "-k+b", ["*", "eve"])
        self.assertEqual(self.service.roomKey("lobby"), None)
        self.assertEqual(self.service.roomBans("lobby"), [("eve!*@*", "op", 0)])
        self.service.replica.applyRemoteRoomChange("lobby", "op", topic="news", when=9)
        self.assertEqual(
            (self.service.topic("lobby"), self.service.topicSetter("lobby")), ("news", ("op", 9))
        )
        self.assertEqual(len(self.observer.calls), before)

    def test_syncRoomState(self) -> None:
        """
        A room made to match another copy's state with a newer room stamp
        (settings with no stamp of their own): its own settings, and the
        status of the members named only.
        """
        self.service.addRoom("dev")
        other = ChatService(Clock(), rooms=["dev"])
        room = other.registry.get("dev")
        room.modes = {"i", "s"}
        room.key = "k"
        room.bans.add("eve!*@*", "alice", 3)
        room.settings.capacity = 4
        room.ops.update({"bob", "op"})
        room.setTopic("tea", "alice", 5)
        room.keepStamp([5, "other", "alice"])  # its settings, unstamped, go by the room's stamp
        state = other.replica.roomState("dev")
        self.service.enter(self.bob, "dev")
        self.service.replica.enterRemote(self.remote, "dev")
        event = self.service.replica.syncRoomState("dev", "alice", state, ["op"])
        assert event is not None
        self.assertEqual((event.modes, event.args), ("-nt+iskblo", ("k", "eve!*@*", "4", "op")))
        self.assertEqual(self.service.roomBans("dev"), [("eve!*@*", "alice", 3)])
        self.assertEqual(self.service.topicSetter("dev"), ("alice", 5))
        topics = [e.topic for e in self.bob.events if isinstance(e, RoomChange) and e.topic]
        self.assertEqual(topics, ["tea"])
        self.assertEqual(self.service.memberStatus("dev", "bob"), "")
        self.assertEqual(self.service.replica.roomState("dev"), {**state, "o": ["op"]})
        self.assertIsNone(self.service.replica.syncRoomState("dev", "alice", state, ["op"]))

    def test_kickRemote(self) -> None:
        """
        A kick ordered elsewhere removes a local member or a remote one;
        everyone in the room, the kicked one included, gets a KICK.
        """
        self.service.registry.get("lobby").voiced.add("bob")
        self.assertTrue(self.service.replica.kickRemote("LOBBY", "BOB", "op", "bye"))
        kicks = [e for e in self.bob.events if isinstance(e, Membership) and e.kind == KICK]
        self.assertEqual([(k.nick, k.by, k.reason) for k in kicks], [("bob", "op", "bye")])
        self.assertEqual(self.service.roomsOf(self.bob), [])
        self.assertEqual(self.service.memberStatus("lobby", "bob"), "")
        self.assertFalse(self.service.replica.kickRemote("lobby", "bob", "op"))
        self.assertFalse(self.service.replica.kickRemote("nowhere", "bob", "op"))
        self.service.enter(self.bob, "lobby")
        self.assertTrue(self.service.replica.kickRemote("lobby", "op", "bob"))
        self.assertEqual(self.service.members(self.bob, "lobby"), ["bob"])
        self.assertEqual(self.service.roomsOf(self.remote), [])
        self.assertNotIn("kicked", [c[0] for c in self.observer.calls])

    def test_inviteRemote(self) -> None:
        """
        An invitation made elsewhere lets the user past C{i} here (once),
        and they are told.
        """
        self.service.replica.applyRemoteRoomChange("lobby", "op", "+i")
        carol = self.login("carol")
        self.service.replica.inviteRemote("lobby", "carol", "op", admitted=False)
        self.assertRaises(errors.InviteOnly, self.service.enter, carol, "lobby")
        self.service.replica.inviteRemote("lobby", "carol", "op", admitted=True, when=5)
        invitations = [e for e in carol.events if isinstance(e, Invitation)]
        self.assertEqual([(i.room, i.by, i.when) for i in invitations][-1], ("lobby", "op", 5))
        self.service.enter(carol, "lobby")
        self.service.leave(carol, "lobby")
        self.assertRaises(errors.InviteOnly, self.service.enter, carol, "lobby")

    def test_roomCreatedRemote(self) -> None:
        """
        A room created elsewhere exists here with its creator as operator.
        """
        self.assertEqual(self.service.replica.roomCreatedRemote("Dev", "op", 42), "Dev")
        self.service.replica.enterRemote(self.remote, "dev")
        self.assertEqual(self.service.memberStatus("dev", "op"), "o")
        self.assertEqual(self.service.roomCreatedAt("dev"), 42)


class WhowasTests(SynchronousTestCase):
    """
    L{ChatService.whowas}: a bounded memory of nicknames no longer in use.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.service = ChatService(self.clock, rooms=["lobby"])

    def user(self, nick: str, protocolName: str = "test") -> RecordingParticipant:
        participant = RecordingParticipant(protocolName=protocolName)
        self.service.connect(participant)
        self.service.login(participant, nick)
        return participant

    def test_departure(self) -> None:
        """
        Someone who disconnects is remembered with their user name, protocol,
        real name and the time; someone still here, or never seen, is not.
        """
        self.assertEqual(self.service.whowas("alice"), [])
        alice = self.user("Alice", protocolName="irc")
        alice.ident = "al"  # type: ignore[attr-defined]
        alice.realName = "Alice Liddell"  # type: ignore[attr-defined]
        self.user("bob")
        self.clock.advance(5)
        self.service.disconnect(alice, "bye")
        [entry] = self.service.whowas("ALICE")
        self.assertEqual(
            (entry.nick, entry.user, entry.protocolName, entry.realName, entry.when),
            ("Alice", "al", "irc", "Alice Liddell", 1005),
        )
        self.assertEqual((entry.node, entry.renamedTo), ("", None))
        self.assertEqual(self.service.whowas("bob"), [])

    def test_defaults(self) -> None:
        """
        Without a user name or real name (TCHAT, web), the user name is the
        nickname and the real name empty.
        """
        carol = self.user("carol")
        self.service.disconnect(carol)
        [entry] = self.service.whowas("carol")
        self.assertEqual((entry.user, entry.realName), ("carol", ""))

    def test_rename(self) -> None:
        """
        A rename remembers the old name, and the new one.
        """
        alice = self.user("alice")
        self.clock.advance(3)
        self.service.rename(alice, "alicia")
        [entry] = self.service.whowas("alice")
        self.assertEqual((entry.nick, entry.when, entry.renamedTo), ("alice", 1003, "alicia"))
        self.assertEqual(self.service.whowas("alicia"), [])

    def test_mostRecentFirstAndCount(self) -> None:
        """
        Entries come most recent first; C{count} limits them, a
        non-positive one does not; C{*} and C{?} are wildcards.
        """
        for ident in ("one", "two", "three"):
            person = self.user("nick2")
            person.ident = ident  # type: ignore[attr-defined]
            self.clock.advance(1)
            self.service.disconnect(person)
        self.user("nick3")
        self.assertEqual([e.user for e in self.service.whowas("nick2")], ["three", "two", "one"])
        self.assertEqual([e.user for e in self.service.whowas("nick2", 1)], ["three"])
        self.assertEqual([e.user for e in self.service.whowas("nick2", 2)], ["three", "two"])
        self.assertEqual(len(self.service.whowas("nick2", 0)), 3)
        self.assertEqual(len(self.service.whowas("nick2", -1)), 3)
        self.assertEqual(len(self.service.whowas("*CK2")), 3)
        self.assertEqual(len(self.service.whowas("nick?")), 3)

    def test_bounded(self) -> None:
        """
        Only the most recent L{MAX_ENTRIES} departures are kept.
        """
        for n in range(MAX_ENTRIES + 10):
            self.service.disconnect(self.user(f"u{n}"))
        self.assertEqual(self.service.whowas("u0"), [])
        self.assertEqual(self.service.whowas("u9"), [])
        self.assertEqual(len(self.service.whowas("u10")), 1)
        self.assertEqual(len(self.service.whowas("u*")), MAX_ENTRIES)
        self.assertEqual(self.service.whowas("u*", 1)[0].nick, f"u{MAX_ENTRIES + 9}")

    def test_notLoggedIn(self) -> None:
        """
        A connection that never logged in leaves nothing behind.
        """
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.service.disconnect(participant)
        self.assertEqual(self.service.whowas("*"), [])


class ExceptionListTests(ServiceTestCase):
    """
    Ban exceptions (C{e}) and invite exceptions (C{I}): masks that let
    people past a room's ban masks, or into an invite-only room.  Alice
    created C{den}.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock)
        self.alice = self.user("alice")
        self.service.createRoom(self.alice, "den")
        self.service.enter(self.alice, "den")

    def test_banException(self) -> None:
        """
        Someone matched by a ban mask and by a ban exception enters and
        speaks; someone matched by the ban alone does neither.
        """
        self.service.changeRoomModes(
            self.alice, "den", [(True, "b", "*!*@*"), (True, "e", "bob"), (True, "m", "")]
        )
        self.service.changeRoomModes(self.alice, "den", [(False, "m", "")])
        bob, carol = self.user("Bob"), self.user("carol")
        self.assertEqual(self.service.enter(bob, "den"), "den")
        self.assertRaises(errors.BannedFromRoom, self.service.enter, carol, "den")
        self.service.say(bob, "den", ("hello",))
        self.service.changeRoomModes(self.alice, "den", [(False, "e", "BOB!*@*")])
        self.assertRaises(errors.BannedFromRoom, self.service.say, bob, "den", ("again",))
        self.assertEqual(self.service.roomBans("den", "e"), [])

    def test_inviteException(self) -> None:
        """
        In an invite-only room, someone matching an invite exception enters
        without an invitation; the list is kept with setter and time.
        """
        self.clock.advance(7)
        self.service.changeRoomModes(self.alice, "den", [(True, "i", ""), (True, "I", "*!*@10.*")])
        inside, outside = RecordingParticipant("10.0.0.9"), RecordingParticipant("192.0.2.1")
        for participant, nick in ((inside, "dora"), (outside, "eve")):
            self.service.connect(participant)
            self.service.login(participant, nick)
        self.assertEqual(self.service.enter(inside, "den"), "den")
        self.assertRaises(errors.InviteOnly, self.service.enter, outside, "den")
        self.assertEqual(self.service.roomBans("den", "I"), [("*!*@10.*", "alice", 7)])

    def test_listsAreSeparate(self) -> None:
        """
        The three lists are kept apart: an exception is not a ban, and a
        full exception list says which list is full.
        """
        self.service.changeRoomModes(self.alice, "den", [(True, "e", "x")])
        self.assertEqual(self.service.roomBans("den"), [])
        for n in range(49):
            self.service.changeRoomModes(self.alice, "den", [(True, "e", f"n{n}")])
        [(_, _, _, error)] = self.successResultOf(
            settled(self.service.changeRoomModes(self.alice, "den", [(True, "e", "y")]))
        )
        self.assertIsInstance(error, errors.ListFull)
        self.assertIn("ban exception list", error.text)


class WallopsTests(SynchronousTestCase):
    """
    Operators' messages (L{ChatService.wallops}) reach those who asked.
    """

    def test_readersOnly(self) -> None:
        """
        A chatd operator's message reaches the participants that asked for
        them, until they stop asking or disconnect; others may not send.
        """
        service = ChatService(Clock(), operators=["moder"])
        people = {}
        for nick in ("moder", "reader", "other"):
            people[nick] = RecordingParticipant()
            service.connect(people[nick])
            service.login(people[nick], nick)
        service.people.accounts.prove(people["moder"], "moder")  # as a password login does
        service.receiveWallops(people["reader"], True)
        event = service.wallops(people["moder"], "maintenance at noon")
        self.assertEqual(people["reader"].events[-1:], [event])
        self.assertEqual((event.by, event.message), ("moder", "maintenance at noon"))
        self.assertFalse(any(isinstance(e, Wallops) for e in people["other"].events))
        self.assertRaises(errors.NotPermitted, service.wallops, people["other"], "hi")
        service.disconnect(people["reader"])
        service.wallops(people["moder"], "again")
        self.assertEqual(
            [e.message for e in people["reader"].events if isinstance(e, Wallops)],
            ["maintenance at noon"],
        )
