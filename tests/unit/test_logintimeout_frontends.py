"""
The service's login timeout (L{chatd.core.logindeadline}) on every
front-end: a connection that has not logged in is told so in its protocol's
words and closed at the deadline, not before; a login in time cancels it;
a connection that closes first leaves no timer.
"""

from __future__ import annotations

import json
from typing import Any

from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure

from chatd.irc.factory import IRCFactory
from tests.support.irchelpers import IRCTestCase
from tests.support.ircwsclient import connectIRC
from tests.support.protocolcases import TalkTestCase, TchatTestCase
from tests.support.webclient import JSONClient, StoredWebTestCase, WebTestCase

TIMEOUT = 60.0
CLOSED = Failure(ConnectionDone())


class TchatLoginTimeoutTests(TchatTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.loginDeadlines.timeout = TIMEOUT
        self.factory.aliveAfter = None  # no ALIVE probes among the lines read

    def test_closedAtDeadline(self) -> None:
        """
        A connection with no LOGIN gets C{srv: ERROR 01} at the deadline and
        is closed; nothing before.
        """
        proto, t = self.connect()
        self.clock.advance(TIMEOUT - 1)
        self.assertEqual((self.read(t), t.disconnecting), (b"", False))
        self.clock.advance(1)
        self.assertEqual(self.read(t), b"srv: ERROR 01\n")
        self.assertTrue(t.disconnecting)
        self.assertNotIn(proto, self.service.connections())

    def test_loginInTime(self) -> None:
        """
        A LOGIN before the deadline cancels it.
        """
        proto, t = self.connect()
        self.clock.advance(TIMEOUT - 1)
        self.assertEqual(self.send(proto, t, "clt: LOGIN alice"), b"srv: OKAY!\n")
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.clock.advance(1)
        self.assertNotIn(b"ERROR", self.read(t))
        self.assertFalse(t.disconnecting)

    def test_closedFirst(self) -> None:
        """
        A connection closed before its deadline leaves no timer behind.
        """
        proto, _ = self.connect()
        proto.connectionLost(CLOSED)
        self.assertEqual(self.service.loginDeadlines.pending(), 0)


class TalkLoginTimeoutTests(TalkTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.loginDeadlines.timeout = TIMEOUT

    def test_closedAtDeadline(self) -> None:
        """
        At the nickname prompt, the deadline ends the connection with a
        sentence saying why; nothing before.
        """
        proto, t = self.connect()
        self.clock.advance(TIMEOUT - 1)
        self.assertEqual((self.read(t), t.disconnecting), (b"", False))
        self.clock.advance(1)
        self.assertEqual(self.read(t), b"\r\n*** No nickname chosen in time: goodbye.\r\n")
        self.assertTrue(t.disconnecting)

    def test_loginInTime(self) -> None:
        """
        A nickname chosen before the deadline cancels it.
        """
        proto, t = self.connect()
        self.clock.advance(TIMEOUT - 1)
        self.send(proto, t, "alice")
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.clock.advance(1)
        self.assertNotIn(b"goodbye", self.read(t))
        self.assertFalse(t.disconnecting)

    def test_closedFirst(self) -> None:
        """
        A connection closed before its deadline leaves no timer behind.
        """
        proto, _ = self.connect()
        proto.connectionLost(CLOSED)
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.assertEqual([c for c in self.clock.getDelayedCalls() if c.active()], [])


class IRCLoginTimeoutTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.loginDeadlines.timeout = TIMEOUT

    def test_closedAtDeadline(self) -> None:
        """
        A client that has not completed registration (here: NICK without
        USER) gets C{ERROR :Closing Link: ... (registration timed out)} at
        the deadline and is closed; nothing before.
        """
        proto, t = self.connect()
        self.send(proto, t, "NICK alice")
        self.clock.advance(TIMEOUT - 1)
        self.assertEqual((self.read(t), t.disconnecting), ("", False))
        self.clock.advance(1)
        closing = "ERROR :Closing Link: 127.0.0.1 (registration timed out)\r\n"
        self.assertEqual(self.read(t), closing)
        self.assertTrue(t.disconnecting)

    def test_loginInTime(self) -> None:
        """
        Registration completed before the deadline cancels it.
        """
        proto, t = self.connect()
        self.clock.advance(TIMEOUT - 1)
        self.assertIn(" 001 ", self.send(proto, t, "NICK alice", "USER a 0 * :A"))
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.clock.advance(1)
        self.assertNotIn("ERROR", self.read(t))
        self.assertFalse(t.disconnecting)

    def test_closedFirst(self) -> None:
        """
        A connection closed before its deadline leaves no timer behind.
        """
        proto, _ = self.connect()
        proto.connectionLost(CLOSED)
        self.assertEqual(self.service.loginDeadlines.pending(), 0)


class WebLoginTimeoutTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        self.service.loginDeadlines.timeout = TIMEOUT
        return {}

    def test_closedAtDeadline(self) -> None:
        """
        A web page that has not logged in gets a C{bye} frame with code 1
        and the reason at the deadline, and is closed; nothing before.
        """
        client = self.web.connect()
        self.reactor.advance(TIMEOUT - 1)
        self.web.flush()
        self.assertEqual((client.take(), client.lost), ([], None))
        self.reactor.advance(1)
        self.web.flush()
        self.assertEqual(
            client.take(),
            [
                {
                    "type": "bye",
                    "code": 1,
                    "text": "login timed out: you did not log in within 60 seconds",
                }
            ],
        )
        self.assertIsNotNone(client.lost)

    def test_loginInTime(self) -> None:
        """
        A login before the deadline cancels it.
        """
        client = self.web.connect("alice")
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.reactor.advance(TIMEOUT)
        self.web.flush()
        self.assertNotIn("bye", json.dumps(client.take()))
        self.assertIsNone(client.lost)

    def test_closedFirst(self) -> None:
        """
        A page that closes first leaves no timer behind.
        """
        client = self.web.connect()
        self.assertEqual(self.service.loginDeadlines.pending(), 1)
        client.transport.loseConnection(1000)
        self.web.flush()
        self.assertEqual(self.service.loginDeadlines.pending(), 0)


class WebLoginWaitedTests(StoredWebTestCase):
    def pass_(self, seconds: int, client: JSONClient) -> list[dict[str, Any]]:
        """
        Let C{seconds} go by a second at a time, every page answering the
        server's pings; what C{client} was sent meanwhile.
        """
        frames = []
        for _ in range(seconds):
            self.reactor.advance(1)
            self.web.flush()
            frames += client.take()
        return frames

    def test_ownerWaitedPastDeadline(self) -> None:
        """
        While guesses at alice's password from the same address hold her own
        check back past the deadline, her page's login is waited for (the
        page answering pings all along, unread while it waits) and
        succeeds; her page stays open, and hears at each keepalive that its
        answer is coming (a page gives up a connection silent for 40 s).
        """
        self.service.loginDeadlines.timeout = TIMEOUT
        guesses = [self.web.connect() for _ in range(10)]
        for guess in guesses:
            guess.send(type="login", nick="alice", password="guess")
        owner = self.web.connect()
        owner.send(type="login", nick="alice", password="sesame")
        waited = self.pass_(int(TIMEOUT) + 1, owner)
        self.assertEqual(waited, [{"type": "waiting"}] * int(TIMEOUT // 30))
        self.assertIsNone(owner.lost)
        frames = self.pass_(90, owner)  # (its turn came after about two minutes)
        [reply] = [frame for frame in frames if frame["type"] != "waiting"]
        self.assertEqual((reply["type"], reply["nick"]), ("login", "alice"))
        self.assertEqual(self.pass_(120, owner), [])
        self.assertIsNone(owner.lost)


class IRCWebSocketLoginTimeoutTests(WebTestCase):
    def options(self) -> dict[str, Any]:
        self.service.loginDeadlines.timeout = TIMEOUT
        return {"irc": IRCFactory(self.service, self.reactor)}

    def test_closedAtDeadline(self) -> None:
        """
        IRC over WebSocket: an unregistered client is closed at the
        deadline as over TCP, with C{ERROR}.
        """
        client = connectIRC(self.web, ["text.ircv3.net"])
        self.reactor.advance(TIMEOUT - 1)
        self.web.flush()
        self.assertEqual((client.take(), client.closed), ([], False))
        self.reactor.advance(1)
        self.web.flush()
        [line] = client.take()
        self.assertTrue(line.endswith("(registration timed out)"), line)
        self.assertTrue(client.closed)

    def test_loginInTime(self) -> None:
        """
        Registration before the deadline cancels it.
        """
        client = connectIRC(self.web, ["text.ircv3.net"])
        self.reactor.advance(TIMEOUT - 1)
        client.sendText("NICK alice")
        client.sendText("USER a 0 * :A")
        self.web.flush()
        self.assertIn(" 001 alice ", "\n".join(client.take()))
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
        self.reactor.advance(1)
        self.web.flush()
        self.assertEqual((client.take(), client.closed), ([], False))

    def test_closedFirst(self) -> None:
        """
        A client that closes first leaves no timer behind.
        """
        client = connectIRC(self.web, ["text.ircv3.net"])
        self.assertEqual(self.service.loginDeadlines.pending(), 1)
        client.close()
        self.web.flush()
        self.assertEqual(self.service.loginDeadlines.pending(), 0)
