"""
Talk mode on a service with a store, for the tests of what talk does with
accounts and stored history: L{TalkStoreTestCase}.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.talk.format import PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class TalkStoreTestCase(PersistenceTestCase):
    """
    A service with a store and a talk factory, and terminals on it.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)

    def talk(self, nick: str, password: str | None = None) -> tuple[TalkProtocol, StringTransport]:
        """
        A terminal logged in as C{nick}, with C{password} when it is asked
        for one.
        """
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        seen = self.type(proto, transport, nick)
        if password is not None:
            self.assertTrue(seen.endswith(PASSWORD_PROMPT.encode()), seen)
            self.type(proto, transport, password)
        return proto, transport

    def type(self, proto: TalkProtocol, transport: StringTransport, *lines: str) -> bytes:
        """
        Type C{lines}; what the terminal shows after them.
        """
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        self.clock.advance(0)
        return output(transport, self.clock)
