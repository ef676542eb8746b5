"""
An always-on account back over TCHAT (L{chatd.core.alwayson}): after its
C{srv: OKAY!}, the NOTICE naming its groups, then the one saying what it
missed since it last read them, then the private messages that waited.
"""

from __future__ import annotations

from chatd.core.alwayson import AlwaysOn, alwaysOnOf
from chatd.core.readmarkers import readMarkersOf
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class TchatAlwaysOnTests(PersistenceTestCase):
    def test_backInOrder(self) -> None:
        factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.registered("alice", "sesame")
        alice, transport = connect(factory, self.clock)
        alice.dataReceived(b"clt: LOGIN alice sesame\nclt: ENTER Blabla\n")
        self.clock.advance(0)
        output(transport, self.clock)
        alwaysOn = alwaysOnOf(self.service)
        markers = readMarkersOf(self.service)
        assert isinstance(alwaysOn, AlwaysOn) and markers is not None
        self.assertTrue(self.successResultOf(alwaysOn.set(alice, True)))
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        said = self.service.say(bob, "Blabla", ("seen",))
        self.successResultOf(markers.mark(alice, "Blabla", True, said.millis))
        alice.connectionLost(None)
        self.clock.advance(1)
        self.service.say(bob, "Blabla", ("one",))
        self.service.tell(bob, "alice", ("psst",))
        back, t2 = connect(factory, self.clock)
        back.dataReceived(b"clt: LOGIN alice sesame\n")
        self.clock.advance(0)
        self.clock.advance(0)
        self.assertEqual(
            output(t2, self.clock).decode("utf-8").splitlines(),
            [
                "srv: TCHAT 1",
                "srv: OKAY!",
                "srv: NOTICE 1700000001",
                "srv: you are in Général, Blabla",
                "srv: .",
                "srv: NOTICE 1700000001",
                "srv: while you were away: 1 in Blabla new since you last read",
                "srv: .",
                "srv: MSGPV bob 1700000001",
                "srv: psst",
                "srv: .",
            ],
        )

    def test_neverReadNotCounted(self) -> None:
        """
        A group the account never marked read is not counted: the server
        keeps where an account last read, not when it was last connected.
        With no group counted there is no "while you were away" NOTICE; the
        private messages that waited still come.
        """
        factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.registered("alice", "sesame")
        alice, transport = connect(factory, self.clock)
        alice.dataReceived(b"clt: LOGIN alice sesame\nclt: ENTER Blabla\n")
        self.clock.advance(0)
        output(transport, self.clock)
        alwaysOn = alwaysOnOf(self.service)
        assert isinstance(alwaysOn, AlwaysOn)
        self.assertTrue(self.successResultOf(alwaysOn.set(alice, True)))
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        alice.connectionLost(None)
        self.clock.advance(1)
        self.service.say(bob, "Blabla", ("one",))
        self.service.say(bob, "Blabla", ("two",))
        self.service.tell(bob, "alice", ("psst",))
        back, t2 = connect(factory, self.clock)
        back.dataReceived(b"clt: LOGIN alice sesame\n")
        self.clock.advance(0)
        self.clock.advance(0)
        self.assertEqual(
            output(t2, self.clock).decode("utf-8").splitlines(),
            [
                "srv: TCHAT 1",
                "srv: OKAY!",
                "srv: NOTICE 1700000001",
                "srv: you are in Général, Blabla",
                "srv: .",
                "srv: MSGPV bob 1700000001",
                "srv: psst",
                "srv: .",
            ],
        )
