"""
Helpers for driving the IRC front-end in memory.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message, parse
from chatd.irc.protocol import IRCProtocol
from tests.support.helpers import connect, guestHost, output


class IRCTestCase(SynchronousTestCase):
    """
    A service with a room C{lobby}, an IRC factory, and clients to drive it.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(self.clock, maxGroupSize=4, rooms=["lobby"], operators=["moder"])
        self.factory = IRCFactory(
            self.service,
            self.clock,
            floodBurst=None,
            aliveAfter=60,
            presence=self.service.people.presence,
        )
        #: The host of a guest of L{connect}'s address.
        self.guestHost = guestHost(self.service)

    def connect(
        self, nick: str | None = None, caps: str = ""
    ) -> tuple[IRCProtocol, StringTransport]:
        """
        A new client; with C{nick}, registered (after C{CAP REQ :caps}) and
        with the welcome burst read.
        """
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, IRCProtocol)
        if nick is not None:
            lines = [f"CAP REQ :{caps}"] if caps else []
            lines += [f"NICK {nick}", f"USER {nick} 0 * :{nick} Real"]
            lines += ["CAP END"] if caps else []
            replies = self.send(proto, transport, *lines)
            self.assertIn(" 001 ", replies)
        return proto, transport

    def makeOperator(self, nick: str, shown: StringTransport | None = None) -> None:
        """
        Make the connected C{nick} a chatd operator for its session, as
        C{OPER} does (a name alone gives no rights); what C{shown} was sent
        meanwhile (its channels' C{MODE +o}) is read.
        """
        participant = self.service.find(nick)
        assert participant is not None
        self.service.grantOperator(participant)
        if shown is not None:
            self.read(shown)

    def send(self, proto: IRCProtocol, transport: StringTransport, *lines: str) -> str:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return self.read(transport)

    def read(self, transport: StringTransport) -> str:
        return output(transport, self.clock).decode("utf-8")

    def messages(self, text: str) -> list[Message]:
        """
        The parsed lines of C{text}, each checked to end with CR LF.
        """
        self.assertTrue(text == "" or text.endswith("\r\n"), text)
        return [parse(line) for line in text.split("\r\n") if line]

    def numerics(self, text: str) -> list[str]:
        return [m.command for m in self.messages(text)]
