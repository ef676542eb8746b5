"""
Base test cases for the unit tests of the line front-ends, each a service and
a factory in memory (L{StringTransport}, L{Clock}) with a way to connect
clients: TCHAT, talk mode, and IRC channels shared with other protocols; and
L{plain}, a SASL PLAIN response.
"""

from __future__ import annotations

from base64 import b64encode
from typing import Any

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.irc.protocol import IRCProtocol
from chatd.talk.format import NICK_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.tchat import TchatFactory, TchatProtocol
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.irchelpers import IRCTestCase


class TchatTestCase(SynchronousTestCase):
    """
    A service, a TCHAT factory and a way to connect clients to them.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(self.clock, maxGroupSize=3, maxClients=10)
        self.factory = TchatFactory(
            self.service,
            self.clock,
            maxLineLength=100,
            maxBodyLines=3,
            maxBodyBytes=50,
            floodBurst=None,
            aliveAfter=15,
        )

    def connect(self, nick: str | None = None) -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\n")
        if nick is not None:
            self.assertEqual(self.send(proto, transport, f"clt: LOGIN {nick}"), b"srv: OKAY!\n")
        return proto, transport

    def send(self, proto: TchatProtocol, transport: StringTransport, *lines: str) -> bytes:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock)

    def read(self, transport: StringTransport) -> bytes:
        return output(transport, self.clock)


PROMPT = NICK_PROMPT.encode()


class TalkTestCase(SynchronousTestCase):
    """
    A service with a C{lobby}, a talk factory and a way to connect people.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(
            self.clock, maxClients=10, maxGroupSize=4, rooms=["lobby"], operators=["moder"]
        )
        self.factory = TalkFactory(self.service, self.clock, maxLineLength=100, floodBurst=None)

    def connect(self, nick: str | None = None) -> tuple[TalkProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        greeting = output(transport, self.clock)
        self.assertIn(b"Welcome to chatd talk mode", greeting)
        self.assertTrue(greeting.endswith(PROMPT))
        if nick is not None:
            seen = self.send(proto, transport, nick)
            self.assertIn(f"*** Welcome, {nick}!\r\n".encode(), seen)
        return proto, transport

    def send(self, proto: TalkProtocol, transport: StringTransport, *lines: str) -> bytes:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock)

    def read(self, transport: StringTransport) -> bytes:
        return output(transport, self.clock)


class ChannelTestCase(IRCTestCase):
    def other(self, nick: str, room: str | None = "lobby") -> RecordingParticipant:
        """
        A participant of another protocol, logged in and (by default) in
        C{room}.
        """
        person = RecordingParticipant(protocolName="tchat")
        self.service.connect(person)
        self.service.login(person, nick)
        if room is not None:
            self.service.enter(person, room)
        return person

    def joined(self, nick: str, caps: str = "") -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.connect(nick, caps)
        self.send(proto, t, "JOIN #lobby")
        return proto, t


def plain(authzid: str, authcid: str, password: str) -> str:
    return b64encode(f"{authzid}\0{authcid}\0{password}".encode()).decode()


class FrontEndsTestCase(SynchronousTestCase):
    """
    A service with a room C{lobby}, for tests that open any front-end's
    factory on it with its default limits (L{open}).
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])

    def open(self, factory: Any, login: bytes) -> tuple[Any, StringTransport]:
        """Connect a client to C{factory}, send C{login} and take the answer."""
        proto, t = connect(factory, self.clock)
        proto.dataReceived(login)
        output(t, self.clock)
        return proto, t


class MixedFrontEndsTestCase(IRCTestCase):
    """
    L{IRCTestCase}'s service (a room C{lobby}) with talk and TCHAT
    factories on it too, and a way to log a client in on each.
    """

    def setUp(self) -> None:
        super().setUp()
        self.talkFactory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.tchatFactory = TchatFactory(self.service, self.clock, floodBurst=None)

    def talk(self, nick: str) -> tuple[TalkProtocol, StringTransport]:
        """A talk client signed in as C{nick}, its greeting read."""
        proto, transport = connect(self.talkFactory, self.clock)
        proto.dataReceived(nick.encode() + b"\r\n")
        self.assertIn(f"*** Welcome, {nick}!".encode(), output(transport, self.clock))
        return proto, transport

    def tchat(self, nick: str) -> tuple[TchatProtocol, StringTransport]:
        """A TCHAT client logged in as C{nick}, its answer read."""
        proto, transport = connect(self.tchatFactory, self.clock)
        proto.dataReceived(f"clt: LOGIN {nick}\r\n".encode())
        self.assertEqual(output(transport, self.clock), b"srv: TCHAT 1\nsrv: OKAY!\n")
        return proto, transport

    def lines(self, proto: Any, transport: StringTransport, line: str) -> bytes:
        """What C{line}, sent by a talk or TCHAT client, is answered."""
        proto.dataReceived(line.encode("utf-8") + b"\r\n")
        return output(transport, self.clock)
