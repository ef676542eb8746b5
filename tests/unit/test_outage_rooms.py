"""
A registered user who signs in while the database is unavailable (from the
credentials kept, L{chatd.core.keptcredentials}) is told that their stored
rooms come back once the database answers, and is put back in them then,
as a login would have put them, on TCHAT and IRC.
"""

from __future__ import annotations

from chatd.irc.protocol import IRCProtocol
from chatd.tchat import TchatProtocol
from tests.support.helpers import connect, output
from tests.support.ircstorecase import IRCStoreTestCase
from tests.support.keptsignin import leave
from tests.support.persistencecase import DATABASE_DOWN, OutageStore, OutageStoreCase
from tests.support.tchatstorecase import TchatStoreTestCase
from tests.support.webclient import StoredWebTestCase


class TchatRoomsLaterTests(OutageStoreCase, TchatStoreTestCase):
    """
    C{alice} (password C{sesame}) is in the room C{salon}, stored, when
    she leaves; then the database goes away.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        proto, transport = self.connectAs("alice", "sesame")
        self.assertIn(b"OKAY!", self.send(proto, transport, "clt: CREAT salon"))
        self.assertIn(b"OKAY!", self.send(proto, transport, "clt: ENTER salon"))
        leave(proto, transport, self.clock)
        self.outage.down |= DATABASE_DOWN

    def signIn(self) -> tuple[TchatProtocol, bytes]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        self.addCleanup(leave, proto, transport, self.clock)
        output(transport, self.clock)
        return proto, self.send(proto, transport, "clt: LOGIN alice sesame")

    def test_toldAtSignIn(self) -> None:
        """
        The sign-in is answered C{OKAY!}, then a notice that her rooms come
        back once the database answers; she is in none yet.
        """
        proto, reply = self.signIn()
        self.assertTrue(reply.startswith(b"srv: OKAY!\n"), reply)
        self.assertIn(b"your rooms come back once it answers", reply)
        self.assertEqual(self.service.roomsOf(proto), [])

    def test_backWhenTheStoreAnswers(self) -> None:
        """
        Once the store's health recovers, she is put back in C{salon} and
        told so (C{you are in salon}); she can speak there.
        """
        proto, reply = self.signIn()
        transport = proto.transport
        self.clock.advance(30)
        self.assertEqual(self.service.roomsOf(proto), [])
        self.outage.answersAgain()
        told = output(transport, self.clock)  # type: ignore[arg-type]
        self.assertIn(b"you are in ", told)
        self.assertIn(b"salon", told)
        self.assertIn("salon", self.service.roomsOf(proto))
        said = self.send(proto, transport, "clt: SPEAK salon", "clt: hello", "clt: .")  # type: ignore[arg-type]
        self.assertEqual(said, b"srv: OKAY!\n")

    def test_leftBefore(self) -> None:
        """
        A connection that closed before the store answers is put in nothing
        and waits for nothing.
        """
        proto, reply = self.signIn()
        leave(proto, proto.transport, self.clock)  # type: ignore[arg-type]
        assert self.service.persistence is not None
        self.assertEqual(self.service.persistence.login._roomsWait, {})
        self.outage.answersAgain()
        self.clock.advance(0)
        self.assertNotIn("alice", self.service.registry.find("salon").members)  # type: ignore[union-attr]


class IRCRoomsLaterTests(OutageStoreCase, IRCStoreTestCase):
    """
    C{alice} (password C{sesame}) is in C{#salon}, stored, when she quits;
    then the database goes away.
    """

    def setUp(self) -> None:
        super().setUp()
        proto, transport, told = self.saslAs("alice", "sesame", "alice")
        self.assertIn("903", self.codes(told))
        self.assertIn("JOIN", self.codes(self.send(proto, transport, "JOIN #salon")))
        proto.connectionLost(None)
        self.clock.advance(0)
        self.outage.down |= DATABASE_DOWN

    def test_noticeThenJoin(self) -> None:
        """
        Signed in with SASL during the outage, she is welcomed with a notice
        that her channels come back, and no C{JOIN}; once the store answers,
        C{JOIN #salon} (and its names) follow.
        """
        proto, transport, told = self.saslAs("alice", "sesame", "alice")
        self.addCleanup(proto.connectionLost, None)
        assert isinstance(proto, IRCProtocol)
        self.assertIn("001", self.codes(told))
        self.assertNotIn("JOIN", self.codes(told))
        notices = [m.params[-1] for m in told if m.command == "NOTICE"]
        self.assertTrue(any("your rooms come back" in n for n in notices), notices)
        self.outage.answersAgain()
        later = self.send(proto, transport)
        joins = [m.params[0] for m in later if m.command == "JOIN"]
        self.assertEqual(sorted(joins), ["#Général", "#salon"])
        self.assertIn("353", self.codes(later))


class WebRoomsLaterTests(StoredWebTestCase):
    """
    On the web page: C{alice} (password C{sesame}) is in C{lobby}, stored,
    when she leaves; then the database goes away.
    """

    def makeStore(self) -> OutageStore:
        self.outage = OutageStore()
        self.outage.startService()
        return self.outage

    def test_noticeThenJoined(self) -> None:
        """
        Signed in during the outage, the page is told (a C{notice}) that her
        rooms come back; once the store answers, a C{joined} frame for
        C{lobby} follows.
        """
        client = self.signIn()
        self.assertEqual(self.request(client, type="join", room="lobby").get("type"), "join")
        client.transport.loseConnection()
        self.web.flush()
        self.outage.down |= DATABASE_DOWN
        client = self.web.connect()
        reply = self.request(client, type="login", nick="alice", password="sesame")
        self.assertEqual(reply.get("rooms"), [])
        self.reactor.advance(0)
        self.web.flush()
        told = client.take()
        self.assertTrue(
            any("your rooms come back" in f.get("text", "") for f in told + client.received), told
        )
        self.outage.answersAgain()
        self.reactor.advance(0)
        self.web.flush()
        frames = client.take()
        joined = [f["room"] for f in frames if f.get("type") == "joined" and f["nick"] == "alice"]
        self.assertEqual(joined, ["lobby"], frames)
        client.transport.loseConnection()
        self.web.flush()
