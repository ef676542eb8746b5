"""
One member whose front-end raises does not keep a room's events from the
other members (L{chatd.core.delivery}).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.events import Membership, RoomMessage
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
