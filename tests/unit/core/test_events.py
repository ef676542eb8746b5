"""
Tests for L{chatd.core.events}: one encoding per wire format, however many
recipients.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd import tchat, tchatwire
from chatd.core.events import RoomChange, RoomMessage, textOnly
from chatd.core.service import ChatService
from chatd.tchat import TchatFactory
from chatd.tchatwire import encodeSpeak
from tests.support.helpers import connect, output


class WireCacheTests(SynchronousTestCase):
    def test_encoderRunsOncePerFormat(self) -> None:
        """
        C{wire} calls each encoder once and returns the same bytes after.
        """
        calls: list[str] = []

        def upper(event: RoomMessage) -> bytes:
            calls.append("upper")
            return event.lines[0].upper().encode()

        event = RoomMessage("g", "alice", ("hi",), 0)
        self.assertEqual(event.wire(upper), b"HI")
        self.assertIs(event.wire(upper), event.wire(upper))
        self.assertEqual(calls, ["upper"])
        self.assertEqual(event.wire(encodeSpeak), b"srv: SPEAK alice g 0\nsrv: hi\nsrv: .\n")

    def test_fanOutEncodesOnce(self) -> None:
        """
        A SPEAK to a room of 50 TCHAT members runs the TCHAT encoder once.
        """
        clock = Clock()
        service = ChatService(clock, rooms=["lobby"])
        factory = TchatFactory(service, clock, floodBurst=None, aliveAfter=None)
        members = []
        for index in range(50):
            proto, transport = connect(factory, clock)
            proto.dataReceived(f"clt: LOGIN u{index}\nclt: ENTER lobby\n".encode())
            members.append(transport)
        encoded: list[RoomMessage] = []
        original = tchatwire.encodeSpeak

        def counting(event: RoomMessage) -> bytes:
            encoded.append(event)
            return original(event)

        self.patch(tchat, "speakOrNothing", textOnly(counting))
        for transport in members:
            output(transport, clock)
        sender = service.find("u0")
        assert sender is not None
        service.say(sender, "lobby", ("hello",))
        self.assertEqual(len(encoded), 1)
        received = {output(transport, clock) for transport in members[1:]}
        self.assertEqual(received, {b"srv: SPEAK u0 lobby 0\nsrv: hello\nsrv: .\n"})


class RoomChangeTextTests(SynchronousTestCase):
    def test_topicSetAndCleared(self) -> None:
        """
        A topic set reads C{<who> set the topic of <room>: <topic>}; a
        topic cleared (empty) C{<who> cleared the topic of <room>}, with
        nothing after it.
        """
        self.assertEqual(
            RoomChange("sroom", "opper", 0, topic="plans").text,
            "opper set the topic of sroom: plans",
        )
        self.assertEqual(
            RoomChange("sroom", "opper", 0, topic="").text, "opper cleared the topic of sroom"
        )
