"""
What web users see of moderation, in memory on the web team's harness.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.test.iosim import ConnectionCompleter
from twisted.web.websocket import WebSocketClientEndpoint

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.delivery import connectionsOf
from tests.support.webclient import ClientFactory, WebTestCase


class WebModerationTests(WebTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.console = AdminConsole(self.service, "root")

    def run_(self, line: str) -> str:
        reply: str = self.successResultOf(self.console.execute(line))
        self.web.flush()
        return reply

    def test_kicked(self) -> None:
        """
        A kicked web user gets a C{bye} frame with code 26 and the reason,
        and the connection closes; logging in as them again gets error 26.
        """
        alice = self.web.connect("alice")
        self.assertEqual(
            "kicked alice for 1m, until 1970-01-01 00:17:40 UTC", self.run_("kick alice 1m spam")
        )
        self.assertEqual(
            [{"type": "bye", "code": 26, "text": "kicked by the administrator root for 1m: spam"}],
            alice.take(),
        )
        self.assertIsNotNone(alice.lost)
        again = self.web.connect()
        reply = self.request(again, type="login", nick="alice")
        self.assertEqual((reply["type"], reply["code"]), ("error", 26))
        self.reactor.advance(60)
        self.assertEqual("login", self.request(again, type="login", nick="alice")["type"])

    def test_roomDeletedByTheAdministrator(self) -> None:
        """
        A room the console deletes is left with a C{left} of kind C{kick}
        whose C{by} names the administrator as such, a form no nickname
        can take, and whose C{deleted} says the room is gone, with the
        administrator's reason alone.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        alice.take()
        self.run_("delete room lobby too noisy")
        [left] = [f for f in alice.take() if f["type"] == "left"]
        self.assertEqual(
            (left["kind"], left["by"], left["reason"], left["deleted"]),
            ("kick", "the administrator root", "room deleted: too noisy", "too noisy"),
        )

    def test_mutedAndBannedAddress(self) -> None:
        """
        A muted web user's messages get error 25; after a ban on their
        address they get C{bye} 24, and a new connection from there gets
        error 24 and is closed.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        self.run_("mute alice 5m")
        reply = self.request(alice, type="say", room="lobby", text="hi")
        self.assertEqual((reply["type"], reply["code"]), ("error", 25))
        # In memory the peer is no IP address; give alice one to ban.
        participant = connectionsOf(self.service.find("alice"))[0]
        participant.address = "192.0.2.7"
        self.assertEqual(
            "banned 192.0.2.0/24; 1 connection(s) closed", self.run_("ban ip 192.0.2.0/24 bots")
        )
        self.assertEqual(24, alice.take()[-1]["code"])
        self.assertIsNotNone(alice.lost)

    def test_refusedAtConnect(self) -> None:
        """
        A new web connection the service refuses for a banned address gets
        an error frame with code 24 and is closed (policy violation).
        """

        def banned(participant: object) -> None:
            raise errors.Banned("your address is banned for good: bots")

        self.service.moderation.admit = banned  # type: ignore[method-assign]
        endpoint = WebSocketClientEndpoint.new(self.reactor, "http://localhost/ws")
        connected = Deferred.fromCoroutine(endpoint.connect(ClientFactory()))
        pump = ConnectionCompleter(self.reactor).succeedOnce()
        assert pump is not None
        pump.flush()
        client = self.successResultOf(connected)
        self.assertEqual(
            [{"type": "error", "code": 24, "text": "your address is banned for good: bots"}],
            client.received,
        )
        self.assertIsNotNone(client.lost)
        self.assertEqual([], self.service.connections())
