"""
The tests of signing in while the database is unavailable: a TCHAT
connection's whole answer to one C{LOGIN}.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output


def leave(proto: TchatProtocol, transport: StringTransport, clock: Clock) -> None:
    """
    C{proto}'s connection closes.
    """
    transport.loseConnection()
    proto.connectionLost(None)
    clock.advance(0)


def loginReply(factory: TchatFactory, clock: Clock, nick: str, password: str) -> bytes:
    """
    What a new TCHAT connection of C{factory} is answered to C{LOGIN nick
    password} and told on the turns after (its welcome); it is closed then.
    """
    proto, transport = connect(factory, clock)
    assert output(transport, clock) == b"srv: TCHAT 1\n"
    proto.dataReceived(f"clt: LOGIN {nick} {password}\r\n".encode())
    reply = b""
    for _ in range(5):
        reply += output(transport, clock)
    leave(proto, transport, clock)
    return reply
