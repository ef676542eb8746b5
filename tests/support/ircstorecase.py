"""
An IRC front-end on a service with a store, for the tests of what IRC does
with accounts and stored history.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.message import Message, parse
from chatd.irc.protocol import IRCProtocol
from tests.support.helpers import connect, guestHost, output
from tests.support.persistencecase import PersistenceTestCase
from tests.support.protocolcases import plain


class IRCStoreTestCase(PersistenceTestCase):
    """
    A service with a store, an IRC factory, and the registered account
    C{alice} (password C{sesame}).
    """

    #: Whether the IRC factory lets a client register an account.
    accountRegistration = False

    def setUp(self) -> None:
        super().setUp()
        self.factory = IRCFactory(
            self.service,
            self.clock,
            floodBurst=None,
            accountRegistration=self.accountRegistration,
        )
        self.registered("alice", "sesame")
        #: The host of a guest of L{connect}'s address.
        self.guestHost = guestHost(self.service)

    def client(self) -> tuple[IRCProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, IRCProtocol)
        return proto, transport

    def send(self, proto: IRCProtocol, transport: StringTransport, *lines: str) -> list[Message]:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.clock.advance(0)  # the store and the login answer on later turns
        text = output(transport, self.clock).decode("utf-8")
        return [parse(line) for line in text.split("\r\n") if line]

    #: The capabilities L{clientAs} asks for, first.
    clientCaps = "CAP REQ :batch message-tags"

    def clientAs(self, nick: str, *first: str) -> tuple[IRCProtocol, StringTransport]:
        """
        A client registered as C{nick} with L{clientCaps}, after the lines
        C{first} (a C{PASS}, say).
        """
        proto, t = self.client()
        self.send(proto, t, self.clientCaps, *first, f"NICK {nick}", "USER u 0 * :U", "CAP END")
        return proto, t

    def joinedBlabla(self, nick: str, caps: str) -> tuple[IRCProtocol, StringTransport]:
        """A client registered as C{nick}, that asked for C{caps} if any, in #Blabla."""
        proto, t = self.client()
        lines = [f"CAP REQ :{caps}"] if caps else []
        self.send(proto, t, *lines, f"NICK {nick}", f"USER {nick} 0 * :R", "CAP END")
        self.send(proto, t, "JOIN #Blabla")
        return proto, t

    def codes(self, messages: list[Message]) -> list[str]:
        return [m.command for m in messages]

    def saslAs(
        self, account: str, password: str, nick: str
    ) -> tuple[IRCProtocol, StringTransport, list[Message]]:
        """
        A client signed in to C{account} with SASL PLAIN that asked for
        the nickname C{nick}, and what it was told up to its welcome.
        """
        proto, t = self.client()
        self.send(proto, t, "CAP REQ sasl", f"NICK {nick}", "USER u 0 * :U", "AUTHENTICATE PLAIN")
        told = self.send(proto, t, "AUTHENTICATE " + plain("", account, password), "CAP END")
        return proto, t, told
