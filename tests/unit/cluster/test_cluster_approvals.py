"""
Approval rooms in a cluster (L{chatd.core.sharing}, L{chatd.core.approvals}):
a room made an approval room on one node is one on every node, and a
request made on one node is listed, with its time, and told to the room's
operators, on the others.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.approvals import waitingFor
from chatd.core.events import Notice
from chatd.core.refusal import RequestRefused
from chatd.storage.interfaces import APPROVAL
from chatd.storage.records import Snapshot
from chatd.testing import RecordingParticipant
from tests.support.approvalnodes import NOBODY, ApprovalNodes
from tests.support.fakenode import FakeNode


class ClusterApprovalTests(ApprovalNodes):
    def test_setRoomApprovalEverywhere(self) -> None:
        """
        C{set room NAME approval on} on node A makes the room an approval
        room on node B too.
        """
        self.assertEqual(
            "Blabla is now an approval room: whoever enters it needs accepting",
            self.run_(self.a, "set room Blabla approval on"),
        )
        self.assertEqual(APPROVAL, self.b.service.roomMode("Blabla"))
        pupil = self.b.user("pupil1")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, pupil, "Blabla"), errors.PendingApproval
        )

    def test_requestListedAndToldEverywhere(self) -> None:
        """
        A request made on node B is listed by C{pending rooms} on node A
        with its time, counted by C{rooms}, and told to the room's operator
        on A.
        """
        helper = self.a.user("helper")
        self.failureResultOf(
            self.a.outcome(self.a.service.enter, helper, "Informatique"), errors.PendingApproval
        )
        self.settle()
        self.run_(self.a, "accept pending helper Informatique")
        self.run_(self.a, "roomop Informatique helper")
        helper.events.clear()
        self.clock.advance(60)
        pupil = self.b.user("pupil1")
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, pupil, "Informatique"), errors.PendingApproval
        )
        self.settle()
        self.assertIn(
            "pupil1            Informatique      2026-11-18 11:07:40",
            self.run_(self.a, "pending rooms"),
        )
        rows = {
            line.split()[0]: line.split()[1:] for line in self.run_(self.a, "rooms").splitlines()
        }
        self.assertEqual("1", rows["Informatique"][-1])
        told = [e.text for e in helper.events if isinstance(e, Notice)]
        self.assertEqual(1, len(told), told)
        self.assertTrue(told[0].startswith("pupil1 asks to enter Informatique"), told)


class MissedEndingTests(ApprovalNodes):
    """
    A node that missed how a request ended on another node (the envelope
    lost, past the sender's resend log) learns it when it re-reads the
    shared database.
    """

    def asking(self, node: FakeNode | None = None) -> RecordingParticipant:
        """
        C{pupil1}, an account signed in on node A, waits to enter
        C{Informatique}; both nodes list the request.
        """
        pupil = super().asking(node)
        for each in (self.a, self.b):
            self.assertIn("pupil1 ", self.run_(each, "pending rooms"))
        return pupil

    def missing(self, line: str) -> None:
        """
        Node B runs console C{line} while node A reads nothing, and then
        forgets what it sent A: A finds the gap at B's next envelope and
        re-reads the database.
        """
        self.a.alive = False
        reply = self.b.outcome(AdminConsole(self.b.service, "root").execute, line)
        self.settle()
        self.b.bus.sent.forget("a")
        self.a.alive = True
        self.b.user("someone")
        for _ in range(5):
            self.clock.advance(1)
            self.settle()
        self.successResultOf(reply)

    def slowReading(self) -> Deferred[None]:
        """
        The database's next reading (L{MemoryChatStore.load}) answers only
        once the Deferred returned fires; the ones after it, at once.
        """
        reading: Deferred[None] = Deferred()
        load = self.store.load

        def slowLoad() -> Deferred[Snapshot]:
            self.store.load = load  # type: ignore[method-assign]
            snapshot = self.successResultOf(load())
            return reading.addCallback(lambda _: snapshot)

        self.store.load = slowLoad  # type: ignore[method-assign]
        return reading

    def test_refusalMissed(self) -> None:
        """
        A request refused on node B while node A missed it is no longer
        listed on A once A re-reads the database (C{pending rooms}, the
        web page's C{waiting}), and its asker, served by A, is told the
        request is over.
        """
        pupil = self.asking()
        self.missing("refuse pending pupil1 Informatique not this term")
        self.assertEqual(
            "nobody waits to enter an approval room", self.run_(self.a, "pending rooms")
        )
        self.assertEqual([], waitingFor(self.a.service, pupil))
        told = [e for e in pupil.events if isinstance(e, RequestRefused)]
        self.assertEqual(["Informatique"], [e.room for e in told])
        self.assertIn("your request to enter Informatique is over", told[0].text)

    def test_refusalMissedWhileCountedDead(self) -> None:
        """
        A request refused on node B while B counted node A dead (A stalled
        past the TTL: B sent it nothing meanwhile) ends on A once A is back
        and B greets it, its asker there told.
        """
        pupil = self.asking()
        self.a.alive = False
        self.a.presence.stop()
        for _ in range(8):
            self.clock.advance(1)
            self.b.turns()
        self.assertNotIn("a", self.b.presence.peers)
        self.run_(self.b, "refuse pending pupil1 Informatique not this term")
        self.a.alive = True
        self.a.presence.start()
        for _ in range(3):
            self.clock.advance(1)
            self.settle()
        self.assertIn("a", self.b.presence.peers)
        self.assertEqual(
            "nobody waits to enter an approval room", self.run_(self.a, "pending rooms")
        )
        told = [e for e in pupil.events if isinstance(e, RequestRefused)]
        self.assertEqual(["Informatique"], [e.room for e in told])

    def test_acceptanceMissed(self) -> None:
        """
        A request accepted on node B while node A missed it: once A
        re-reads the database, the asker, served by A, enters the room and
        is told, as if the envelope had come.
        """
        pupil = self.asking()
        self.missing("accept pending pupil1 Informatique")
        self.assertEqual(
            "nobody waits to enter an approval room", self.run_(self.a, "pending rooms")
        )
        self.assertIn("Informatique", self.a.service.roomsOf(pupil))
        told = [e.text for e in pupil.events if isinstance(e, Notice)]
        self.assertIn("an operator accepted you in Informatique", told)

    def test_openingMissed(self) -> None:
        """
        A room made open on node B while node A missed it: once A re-reads
        the database, the request ends there too and its asker, served by
        A, is told they may enter.
        """
        pupil = self.asking()
        self.missing("set room Informatique approval off")
        self.assertEqual(
            "nobody waits to enter an approval room", self.run_(self.a, "pending rooms")
        )
        told = [e.text for e in pupil.events if isinstance(e, Notice)]
        self.assertIn(
            "Informatique is open now: your request to enter it is over, enter when you like", told
        )
        self.assertEqual([], [e for e in pupil.events if isinstance(e, RequestRefused)])

    def test_requestMadeMeanwhileKept(self) -> None:
        """
        Re-reading the database ends only the requests it no longer
        holds: one still stored stays, and so does one made on node A
        while the database was being read (after what the read returns).
        """
        pupil = self.asking()
        other = self.b.user("pupil2")
        self.successResultOf(self.b.service.register(other, "sesame"))
        self.settle()
        self.failureResultOf(
            self.b.outcome(self.b.service.enter, other, "Informatique"), errors.PendingApproval
        )
        self.settle()
        reading = self.slowReading()
        self.missing("refuse pending pupil1 Informatique")
        late = self.a.user("pupil3")
        self.failureResultOf(
            self.a.outcome(self.a.service.enter, late, "Informatique"), errors.PendingApproval
        )
        reading.callback(None)
        self.settle()
        listed = self.run_(self.a, "pending rooms")
        self.assertIn("pupil2 ", listed)
        self.assertIn("pupil3 ", listed)
        self.assertNotIn("pupil1 ", listed)
        self.assertEqual([], waitingFor(self.a.service, pupil))

    def test_toldOnceThoughTheRefusalWasMissed(self) -> None:
        """
        Refused on node B while away, and node A missed the refusal (the
        envelope lost): a login on A while A re-reads the database is told
        it from the store, and the re-reading does not tell it again.
        """
        self.a.service.disconnect(self.asking())
        self.settle()
        reading = self.slowReading()
        self.missing("refuse pending pupil1 Informatique not this term")
        back = self.a.user("pupil1", password="sesame")
        self.settle()
        reading.callback(None)
        self.settle()
        self.assertEqual(NOBODY, self.run_(self.a, "pending rooms"))
        self.assertEqual(
            [("Informatique", "not this term")],
            [(e.room, e.reason) for e in back.events if isinstance(e, RequestRefused)],
        )


class KeptRefusalTests(ApprovalNodes):
    """
    A request refused on one node while its asker, an account, is
    connected to no node is told at its next login on any node, once
    (L{chatd.core.keptrefusals}); one refused while it is connected to
    another node is told there, and not kept.
    """

    def refusals(self, who: RecordingParticipant) -> list[tuple[str, str]]:
        return [(e.room, e.reason) for e in who.events if isinstance(e, RequestRefused)]

    def test_toldAtLoginOnAnotherNode(self) -> None:
        """
        Asked on node A, refused on node B while away: the next login, on
        A, is told, and the one after, on B, is not.
        """
        self.a.service.disconnect(self.asking())
        self.settle()
        self.run_(self.b, "refuse pending pupil1 Informatique not this term")
        back = self.a.user("pupil1", password="sesame")
        self.settle()
        self.assertEqual([("Informatique", "not this term")], self.refusals(back))
        self.a.service.disconnect(back)
        self.settle()
        again = self.b.user("pupil1", password="sesame")
        self.settle()
        self.assertEqual([], self.refusals(again))

    def test_connectedElsewhereToldThere(self) -> None:
        """
        Refused on node B while connected to node A: told on A at once,
        once, and nothing is kept for the next login.
        """
        pupil = self.asking()
        self.run_(self.b, "refuse pending pupil1 Informatique not this term")
        self.assertEqual([("Informatique", "not this term")], self.refusals(pupil))
        self.assertEqual([], self.successResultOf(self.store.takeRefusals("pupil1")))

    def test_leftJustBeforeRefusal(self) -> None:
        """
        Refused on node A, which has not yet heard that the account's only
        connection, on node B, closed: B, which sees it away, keeps the
        refusal, and the next login, on A, is told it, once.
        """
        pupil = self.asking(self.b)
        self.a.hold()
        self.b.service.disconnect(pupil)
        self.settle()
        self.assertIsNotNone(self.a.service.find("pupil1"))  # A still sees them on B
        reply = self.a.outcome(
            AdminConsole(self.a.service, "root").execute,
            "refuse pending pupil1 Informatique not this term",
        )
        self.settle()
        self.a.release()
        self.settle()
        self.assertIn("refused pupil1's request", self.successResultOf(reply))
        self.assertEqual([], self.refusals(pupil))
        back = self.a.user("pupil1", password="sesame")
        self.settle()
        self.assertEqual([("Informatique", "not this term")], self.refusals(back))
