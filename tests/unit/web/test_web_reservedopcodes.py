"""
A WebSocket frame with a reserved opcode (3 to 7, 0xB to 0xF: RFC 6455
section 5.2) fails the connection with a close frame, status 1002
(protocol error), as chatd's other protocol errors do, on the page's
WebSocket (C{/ws}) and on IRC over WebSocket (C{/socket}): alone, and
right behind a request in the same read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from wsproto.events import TextMessage
from wsproto.frame_protocol import CloseReason

from chatd.irc.factory import IRCFactory
from tests.support.ircwsclient import IRCWSClient, connectIRC
from tests.support.webclient import WebTestCase

#: Every opcode RFC 6455 reserves: non-control 3 to 7, control 0xB to 0xF.
RESERVED = [*range(0x3, 0x8), *range(0xB, 0x10)]


def reservedFrame(opcode: int) -> bytes:
    """
    A final, masked frame (an all-zero key) of C{opcode} holding C{x}.
    """
    return bytes([0x80 | opcode, 0x81, 0, 0, 0, 0]) + b"x"


class ReservedOpcodeTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        return {"irc": IRCFactory(self.service, self.reactor)}

    def page(self, n: int) -> IRCWSClient:
        """
        A client on C{/ws}, logged in.
        """
        client = connectIRC(self.web, [], path="/ws")
        client.sendText(json.dumps({"type": "login", "nick": f"page{n}"}))
        self.web.flush()
        self.assertEqual(json.loads(client.take()[-1])["type"], "login")
        return client

    def irc(self, n: int) -> IRCWSClient:
        """
        A client on C{/socket}, registered.
        """
        client = connectIRC(self.web, ["text.ircv3.net"])
        for line in (f"NICK irc{n}", f"USER irc{n} 0 * :irc"):
            client.sendText(line)
        self.web.flush()
        self.assertIn(f"001 irc{n}", client.take()[0])
        return client

    def assertFailed(self, client: IRCWSClient, opcode: int) -> None:
        self.assertEqual(client.closeCode, CloseReason.PROTOCOL_ERROR, hex(opcode))
        self.assertTrue(client.closed, hex(opcode))

    def eachReservedOpcodeFails(self, connect: Callable[[int], IRCWSClient]) -> None:
        """
        A frame of each reserved opcode, on a connection of its own
        (C{connect(n)}), closes it with 1002.
        """
        for n, opcode in enumerate(RESERVED):
            client = connect(n)
            assert client.transport is not None
            client.transport.write(reservedFrame(opcode))
            self.web.flush()
            self.assertFailed(client, opcode)

    def test_page(self) -> None:
        """
        On C{/ws}, each reserved opcode closes the connection with 1002.
        """
        self.eachReservedOpcodeFails(self.page)

    def test_pageBehindRequest(self) -> None:
        """
        Behind a request in the same read, the request is answered, then
        the connection closes with 1002.
        """
        client = self.page(0)
        assert client.transport is not None
        ping = client.ws.send(TextMessage(json.dumps({"id": 7, "type": "ping"})))
        client.transport.write(ping + reservedFrame(0x3))
        self.web.flush()
        self.assertEqual([json.loads(m).get("id") for m in client.take()], [7])
        self.assertFailed(client, 0x3)

    def test_irc(self) -> None:
        """
        On C{/socket}, each reserved opcode closes the connection with 1002.
        """
        self.eachReservedOpcodeFails(self.irc)

    def test_ircBehindLines(self) -> None:
        """
        On C{/socket}, IRC lines in the same read before the frame are
        answered (the welcome, the join), as on C{/ws}; then C{ERROR} and
        the close with 1002, and nothing read after the frame is.
        """
        client = connectIRC(self.web, ["text.ircv3.net"])
        assert client.transport is not None
        lines = ["NICK gina", "USER gina 0 * :G", "JOIN #lobby"]
        data = b"".join(client.ws.send(TextMessage(line)) for line in lines)
        after = client.ws.send(TextMessage("JOIN #later"))
        client.transport.write(data + reservedFrame(0x3) + after)
        self.web.flush()
        self.reactor.advance(0)
        self.web.flush()
        got = client.take()
        self.assertTrue(got and got[0].startswith(":chatd 001 gina "), got)
        self.assertTrue([line for line in got if line.startswith(":gina!") and "#lobby" in line])
        self.assertFalse([line for line in got if "#later" in line], got)
        self.assertTrue(got[-1].startswith("ERROR :Closing Link"), got)
        self.assertFailed(client, 0x3)
        self.assertEqual(client.closeReason, "Invalid opcode 0x3")  # wsproto's words
        self.assertNotIn("gina", self.service.users())
