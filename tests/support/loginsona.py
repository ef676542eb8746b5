"""
Logins through the front-ends of node C{a} of two cluster nodes on one
shared database (L{LoginsOnACase}): the connections the tests of an
account signed in on the other node, C{b}, open on C{a}.
"""

from __future__ import annotations

import base64
from typing import Any

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.outagenodes import SharedNodesCase


class LoginsOnACase(SharedNodesCase):
    """
    L{SharedNodesCase} whose tests log in on C{a} through TCHAT and IRC
    (account registration and SASL on).
    """

    def irc(self, *lines: bytes) -> tuple[Any, StringTransport]:
        """An IRC connection to C{a} that sent C{lines}."""
        factory = IRCFactory(
            self.a.service, self.clock, floodBurst=None, aliveAfter=60, accountRegistration=True
        )
        irc, transport = connect(factory, self.clock)
        self.addCleanup(irc.connectionLost, None)
        irc.dataReceived(b"".join(line + b"\r\n" for line in lines))
        self.settle()
        return irc, transport

    def saslBeforeRegistration(self, password: bytes) -> tuple[Any, StringTransport]:
        """
        An IRC connection to C{a}, as C{bob}, that sent a SASL PLAIN login
        to bob with C{password} and waits for C{CAP END}.
        """
        plain = base64.b64encode(b"\0bob\0" + password)
        return self.irc(
            b"CAP LS 302",
            b"NICK bob",
            b"USER bob 0 * :Bob",
            b"CAP REQ :sasl",
            b"AUTHENTICATE PLAIN",
            b"AUTHENTICATE " + plain,
        )

    def tchatLogin(self, line: bytes) -> bytes:
        """What C{line}, a TCHAT LOGIN on C{a}, is answered."""
        factory = TchatFactory(self.a.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, transport = connect(factory, self.clock)
        self.addCleanup(proto.connectionLost, None)
        output(transport, self.clock)  # the greeting
        proto.dataReceived(line + b"\r\n")
        self.settle()
        return output(transport, self.clock)
