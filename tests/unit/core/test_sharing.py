"""
Tests for L{chatd.core.sharing}: cluster nodes that share one store see each
other's registrations, room settings and approvals.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import maybeDeferred

from chatd.cluster.barrier import WAIT
from chatd.cluster.remote import RemoteParticipant
from chatd.core import errors
from chatd.core.events import Notice, PrivateMessage
from chatd.storage.interfaces import APPROVAL
from chatd.testing import RecordingParticipant, settled
from tests.support.fakenode import AccountNodesCase, FakeNode


class SharedStoreTests(AccountNodesCase):
    """
    Two nodes on one store (one PostgreSQL database in real life).
    """

    def login(self, node: FakeNode, nick: str, password: str | None = None) -> Any:
        person = RecordingParticipant()
        node.service.connect(person)
        d = node.service.login(person, nick, password)
        self.settle()
        return d

    def test_registrationSeenEverywhere(self) -> None:
        """
        A name registered on one node needs its password on the other, for
        a login as for a rename.
        """
        alice = self.a.user("alice")
        self.successResultOf(self.a.service.register(alice, "secret1"))
        self.settle()
        self.assertTrue(self.successResultOf(self.b.service.isRegistered("alice")))
        self.a.service.disconnect(alice)
        self.settle()
        bob = self.b.user("bob")
        self.assertRaises(errors.BadPassword, self.b.service.rename, bob, "ALICE")
        self.failureResultOf(self.login(self.b, "alice"), errors.BadPassword)
        self.assertEqual(self.successResultOf(self.login(self.b, "alice", "secret1")), "alice")

    def test_registeringSessionSignedInEverywhere(self) -> None:
        """
        A password login to an account on one node while the session that
        registered it holds it on another is refused with the reason, as
        when that session logged in with the password.
        """
        alice = self.a.user("alice")
        self.successResultOf(self.a.service.register(alice, "secret1"))
        self.settle()
        login = maybeDeferred(self.login, self.b, "alice", "secret1")
        refused = self.failureResultOf(login, errors.NickTaken)
        self.assertIn("signed in on another server", str(refused.value))

    def test_absentAlwaysOnAccountMoves(self) -> None:
        """
        An always-on account present on node A with no connection signs in
        on node B with its password: A lets the absent person go, and the
        account is B's from then on. With a connection open on A, it is
        refused on B as before.
        """
        registering = self.a.user("aon")
        self.successResultOf(self.a.service.register(registering, "pw-one"))
        self.a.service.disconnect(registering)
        self.settle()
        aon = RecordingParticipant()
        self.a.service.connect(aon)
        login = maybeDeferred(self.a.service.login, aon, "aon", "pw-one")
        self.settle()
        self.successResultOf(login)
        alwaysOn = self.a.service.persistence.alwaysOn  # type: ignore[union-attr]
        self.assertTrue(self.successResultOf(alwaysOn.set(aon, True)))
        self.settle()
        self.failureResultOf(maybeDeferred(self.login, self.b, "aon", "pw-one"), errors.NickTaken)
        self.a.service.disconnect(aon, "bye")  # its last connection: it stays, absent
        self.settle()
        self.assertIsNotNone(self.a.service.find("aon"))
        self.assertEqual(self.successResultOf(self.login(self.b, "aon", "pw-one")), "aon")
        self.settle()
        self.assertIsInstance(self.a.service.find("aon"), RemoteParticipant)
        self.assertNotIsInstance(self.b.service.find("aon"), RemoteParticipant)

    def test_takeOverOfAConnectedAccountIgnored(self) -> None:
        """
        A node told to let an absent account go keeps it if a connection of
        it came back meanwhile (the asking node's view was a moment old).
        """
        alice = self.a.user("alice")
        proxy = self.b.service.find("alice")
        assert isinstance(proxy, RemoteParticipant)
        proxy.absent = "1"  # as B saw it a moment ago
        took = self.b.bridge.takeOver(proxy)
        self.settle()
        self.successResultOf(took)
        self.assertIsNone(alice.disconnectedWith)
        self.assertIs(self.a.service.find("alice").connections[0], alice)

    def test_readMarkerMovedOnAnotherNode(self) -> None:
        """
        A read marker the account moved on node B is what node A gives
        next, though A had read it before.
        """
        owner = self.a.user("mk")
        self.successResultOf(self.a.service.register(owner, "pw-mark"))
        self.a.service.disconnect(owner)
        self.settle()
        markers = [node.service.persistence.readMarkers for node in (self.a, self.b)]  # type: ignore[union-attr]
        for node, millis in ((self.a, 1_000), (self.b, 2_000), (self.a, None)):
            mk = RecordingParticipant()
            node.service.connect(mk)
            login = maybeDeferred(node.service.login, mk, "mk", "pw-mark")
            self.settle()
            self.successResultOf(login)
            readers = markers[0 if node is self.a else 1]
            if millis is not None:
                self.successResultOf(readers.mark(mk, "lobby", True, millis))
                self.successResultOf(readers.get(mk, "lobby", True))
            else:
                self.assertEqual(self.successResultOf(readers.get(mk, "lobby", True)), 2_000)
            node.service.disconnect(mk)
            self.settle()

    def test_lostEventStillProtected(self) -> None:
        """
        Even when the announcement never reaches a node, a login there under
        the registered name is checked against the store.
        """
        self.b.alive = False  # node b reads nothing from here on
        alice = RecordingParticipant()
        self.a.service.connect(alice)
        login = settled(self.a.service.login(alice, "alice", None))
        self.clock.advance(WAIT)  # node b never answers: the login waits no longer
        self.assertEqual(self.successResultOf(login), "alice")
        self.successResultOf(self.a.service.register(alice, "secret1"))
        self.a.service.disconnect(alice)
        self.settle()
        self.b.alive = True
        self.assertFalse(self.successResultOf(self.b.service.isRegistered("alice")))
        self.failureResultOf(self.login(self.b, "alice"), errors.BadPassword)
        self.assertTrue(self.successResultOf(self.b.service.isRegistered("alice")))

    def test_roomSettings(self) -> None:
        """
        A room configured (or created) on one node has those settings on the
        other.
        """
        self.successResultOf(self.a.service.configureRoom("Secret", APPROVAL, 5, "hush"))
        self.settle()
        self.assertEqual(self.b.service.roomMode("secret"), APPROVAL)
        room = self.b.service.registry.get("Secret")
        self.assertEqual((room.settings.capacity, room.settings.topic), (5, "hush"))

    def test_approvalAcrossNodes(self) -> None:
        """
        A request to enter made on node B is listed on node A; accepted there,
        the user on B is put in the room and told, on B.
        """
        carol = self.b.user("carol")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, carol, "Marketing"), errors.PendingApproval
        )
        self.settle()
        self.assertEqual(self.a.service.pendingRequests("Marketing"), [("Marketing", "carol")])
        self.successResultOf(self.a.service.acceptPending("Marketing", "carol"))
        self.settle()
        self.assertIn("Marketing", self.b.service.roomsOf(carol))
        self.assertEqual(self.b.service.pendingRequests("Marketing"), [])
        notices = [e.text for e in carol.events if isinstance(e, Notice)]
        self.assertIn("an operator accepted you in Marketing", notices)
        proxy = self.a.service.find("carol")
        assert proxy is not None
        self.assertIn("Marketing", self.a.service.roomsOf(proxy))

    def test_refusalAcrossNodes(self) -> None:
        """
        A request made on node B and refused on node A ends on B too, and
        the user on B is told there, once, with the reason; withdrawn on B
        (leaving the room), a request ends on A too.
        """
        carol = self.b.user("carol")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, carol, "Marketing"), errors.PendingApproval
        )
        self.settle()
        self.successResultOf(self.a.service.refusePending("Marketing", "carol", "full"))
        self.settle()
        self.assertEqual(self.b.service.pendingRequests("Marketing"), [])
        notices = [e.text for e in carol.events if isinstance(e, Notice)]
        told = "an operator refused your request to enter Marketing: full"
        self.assertEqual([told], [text for text in notices if "refused" in text])
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, carol, "Marketing"), errors.PendingApproval
        )
        self.settle()
        self.assertEqual(self.a.service.pendingRequests("Marketing"), [("Marketing", "carol")])
        leaving = self.b.outcome(self.b.service.leave, carol, "Marketing")
        self.settle()
        self.failureResultOf(leaving, errors.NotMember)
        self.assertEqual(self.a.service.pendingRequests("Marketing"), [])

    def test_guestApprovalEndsOnEveryNode(self) -> None:
        """
        A guest accepted on node A leaves node B: its acceptance ends on A
        too, so the next guest of that name on A asks again.
        """
        carol = self.b.user("carol")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, carol, "Marketing"), errors.PendingApproval
        )
        self.settle()
        self.successResultOf(self.a.service.acceptPending("Marketing", "carol"))
        self.settle()
        self.b.service.disconnect(carol)
        self.settle()
        self.assertNotIn("carol", self.a.service.registry.get("Marketing").approved)
        other = self.a.user("carol")
        self.failureResultOf(
            self.a.outcome(self.a.service.enter, other, "Marketing"), errors.PendingApproval
        )

    def test_guestLeavesWhileWaitingOnEveryNode(self) -> None:
        """
        A guest waiting on node B leaves: the request ends on A too, and
        the room's operators served on A are told it no longer waits.
        """
        founder = self.a.user("fran")
        self.a.service.registry.get("Marketing").settings.founder = "fran"
        carol = self.b.user("carol")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, carol, "Marketing"), errors.PendingApproval
        )
        self.settle()
        founder.events.clear()
        self.b.service.disconnect(carol)
        self.settle()
        self.assertEqual(self.a.service.pendingRequests("Marketing"), [])
        told = [e.text for e in founder.events if isinstance(e, Notice)]
        self.assertEqual(
            [
                "carol no longer asks to enter Marketing: they left the chat"
                " (a guest's request ends with them)"
            ],
            told,
        )

    def test_guestRenamedWhileWaiting(self) -> None:
        """
        A guest waiting on node B who renames: node A lists the request
        under the new name with its first time, and its founder is not told
        of a new request.
        """
        founder = self.a.user("fran")
        self.a.service.registry.get("Marketing").settings.founder = "fran"
        hugo = self.b.user("hugo")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, hugo, "Marketing"), errors.PendingApproval
        )
        self.settle()
        asked = self.a.service.waitingRequests()
        founder.events.clear()
        self.clock.advance(2)  # (within the nodes' heartbeats)
        renaming = settled(self.b.service.rename(hugo, "hugo2"))
        self.settle()
        self.successResultOf(renaming)
        self.assertEqual(self.a.service.waitingRequests(), [("Marketing", "hugo2", asked[0][2])])
        self.assertEqual(self.b.service.waitingRequests(), [("Marketing", "hugo2", asked[0][2])])
        told = [e.text for e in founder.events if isinstance(e, Notice)]
        self.assertEqual([text for text in told if "asks to enter" in text], [])

    def test_openedOnEveryNode(self) -> None:
        """
        An approval room made open on node A ends the requests made on
        node B too: the user there is told they may enter, and none comes
        back when it is an approval room again.
        """
        carol = self.b.user("carol")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, carol, "Marketing"), errors.PendingApproval
        )
        self.settle()
        self.successResultOf(self.a.service.setRoomApproval("Marketing", False))
        self.settle()
        self.assertEqual(self.b.service.pendingRequests("Marketing"), [])
        told = [e.text for e in carol.events if isinstance(e, Notice)]
        self.assertIn(
            "Marketing is open now: your request to enter it is over, enter when you like", told
        )
        self.successResultOf(self.a.service.setRoomApproval("Marketing", True))
        self.settle()
        self.assertEqual(self.b.service.pendingRequests("Marketing"), [])
        self.assertEqual(self.a.service.pendingRequests("Marketing"), [])

    def test_reloadAfterGap(self) -> None:
        """
        Changes a node missed while cut off are read from the store when it
        learns of the gap.
        """
        self.b.alive = False
        self.successResultOf(self.a.service.configureRoom("Secret", APPROVAL))
        self.settle()
        self.b.alive = True
        self.assertRaises(errors.NoSuchGroup, self.b.service.roomMode, "Secret")
        self.b.bridge.gap("a")
        self.settle()
        self.assertEqual(self.b.service.roomMode("Secret"), APPROVAL)

    def test_privateMessageForOneWhoJustLeft(self) -> None:
        """
        A private message that reaches a registered user's node just after
        they logged out there (their node's news had not reached the
        sender's, which acknowledged it) is kept for their next login, as
        on one node; one for an unregistered user who left reaches nobody,
        and its sender is told so.
        """
        bob = self.b.user("bob")
        self.successResultOf(self.b.service.register(bob, "secret1"))
        carol = self.b.user("carol")
        alice = self.a.user("alice")
        self.settle()
        self.b.service.disconnect(bob)
        self.b.service.disconnect(carol)
        told = [settled(self.a.service.tell(alice, nick, ("hi?",))) for nick in ("bob", "carol")]
        self.settle()
        for d in told:
            self.assertIsInstance(self.successResultOf(d), PrivateMessage)
        back = RecordingParticipant()
        self.b.service.connect(back)
        again = settled(self.b.service.login(back, "bob", "secret1"))
        self.settle()
        self.successResultOf(again)
        kept = [e for e in back.events if isinstance(e, PrivateMessage)]
        self.assertEqual([(e.sender, e.lines) for e in kept], [("alice", ("hi?",))])
        self.assertTrue(kept[0].waited)
        [notice] = [e.text for e in alice.events if isinstance(e, Notice)]
        self.assertRegex(  # which message: its start and when it was sent
            notice,
            r'^carol left before your private message \("hi\?", sent at \d\d:\d\d:\d\d UTC\)'
            " reached them: not delivered$",
        )
