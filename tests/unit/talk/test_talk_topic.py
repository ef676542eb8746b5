"""
Tests for talk mode's C{/topic} and the topic shown by C{/join}
(L{chatd.talk.rooms}): the same rule as everywhere, the service's.
"""

from __future__ import annotations

import time

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import connect, output

START = 1_700_000_000


class TopicTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.service = ChatService(self.clock, rooms=["lobby"], operators=["root"])
        self.factory = TalkFactory(self.service, self.clock, maxLineLength=200, floodBurst=None)

    def connect(self, nick: str) -> tuple[TalkProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        output(transport, self.clock)  # the greeting, after telnet's option requests
        self.send(proto, transport, nick)
        return proto, transport

    def send(self, proto: TalkProtocol, transport: StringTransport, *lines: str) -> str:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock).decode("utf-8")

    def test_showAndSet(self) -> None:
        """
        C{/topic} says there is none, C{/topic text} sets it (every member
        is told), then C{/topic} shows it with its setter and time, and
        C{/join} of the room shows it too.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "/join kitchen")
        self.send(bob, tb, "/join kitchen")
        self.assertIn("*** kitchen has no topic.\r\n", self.send(bob, tb, "/topic"))
        self.clock.advance(30)
        self.send(alice, ta, "/topic tea at five")
        told = output(tb, self.clock).decode()
        self.assertIn("alice set the topic of kitchen: tea", told)
        when = time.strftime("%H:%M", time.localtime(START + 30))
        shown = self.send(bob, tb, "/topic")
        self.assertIn(f"*** Topic of kitchen: tea at five (set by alice, {when})\r\n", shown)
        carol, tc = self.connect("carol")
        joined = self.send(carol, tc, "/join kitchen")
        self.assertIn("*** You joined kitchen, with alice, bob.\r\n*** Topic of kitchen:", joined)

    def test_onlyOperatorsUnderT(self) -> None:
        """
        Under mode C{t} (a new room's default) a member who is not an
        operator is refused; the room's operator may; with C{-t}, anyone.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "/join kitchen")
        self.send(bob, tb, "/join kitchen")
        refused = self.send(bob, tb, "/topic mine")
        self.assertIn("*** Sorry,", refused)
        self.assertEqual(self.service.topic("kitchen"), "")
        self.service.changeRoomMode(alice, "kitchen", False, "t")
        self.send(bob, tb, "/topic mine")
        self.assertEqual(self.service.topic("kitchen"), "mine")

    def test_noRoom(self) -> None:
        """
        C{/topic} outside any room says to join one first.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "/leave lobby")
        self.assertIn("/join <room> first", self.send(alice, ta, "/topic"))
