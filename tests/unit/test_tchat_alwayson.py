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
        """
        Back after one message it did not read, and a private one: the
        groups, what it missed, then the private message.
        """
        self.assertEqual(
            self.awayAndBack(["seen"], "seen", ["one"]),
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

    def awayAndBack(self, before: list[str], marked: str | None, after: list[str]) -> list[str]:
        """
        Alice, always on, in Blabla, where bob says C{before} while she is
        connected (and she marks read the one C{marked}, if given), leaves;
        a second later bob says C{after} and sends her a private message;
        she comes back: the lines her login is answered with.
        """
        factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.registered("alice", "sesame")
        alice, transport = connect(factory, self.clock)
        alice.dataReceived(b"clt: LOGIN alice sesame\nclt: ENTER Blabla\n")
        self.clock.advance(0)
        output(transport, self.clock)
        alwaysOn, markers = alwaysOnOf(self.service), readMarkersOf(self.service)
        assert isinstance(alwaysOn, AlwaysOn) and markers is not None
        self.assertTrue(self.successResultOf(alwaysOn.set(alice, True)))
        bob = self.login("bob")
        self.service.enter(bob, "Blabla")
        for text in before:
            said = self.service.say(bob, "Blabla", (text,))
            if text == marked:
                self.successResultOf(markers.mark(alice, "Blabla", True, said.millis))
        alice.connectionLost(None)
        self.clock.advance(1)
        for text in after:
            self.service.say(bob, "Blabla", (text,))
        self.service.tell(bob, "alice", ("psst",))
        back, t2 = connect(factory, self.clock)
        back.dataReceived(b"clt: LOGIN alice sesame\n")
        self.clock.advance(0)
        self.clock.advance(0)
        return output(t2, self.clock).decode("utf-8").splitlines()

    def test_neverReadCountedSinceLastConnected(self) -> None:
        """
        A group the account never marked read is counted from when it was
        last connected: what was said while it was there is not (the last
        of a burst in the same millisecond too).
        """
        self.assertEqual(
            self.awayAndBack(["while there", "and more"], None, ["one", "two"]),
            [
                "srv: TCHAT 1",
                "srv: OKAY!",
                "srv: NOTICE 1700000001",
                "srv: you are in Général, Blabla",
                "srv: .",
                "srv: NOTICE 1700000001",
                "srv: while you were away: 2 in Blabla new since you last read",
                "srv: .",
                "srv: MSGPV bob 1700000001",
                "srv: psst",
                "srv: .",
            ],
        )

    def test_markerWins(self) -> None:
        """
        A group the account marked read is counted from its marker, what
        came after it while the account was still connected included.
        """
        lines = self.awayAndBack(["seen", "unread while there"], "seen", ["one"])
        self.assertIn("srv: while you were away: 2 in Blabla new since you last read", lines)

    def test_nothingSinceNothingCounted(self) -> None:
        """
        With nothing said since the account was last connected there is no
        "while you were away" NOTICE; the private messages that waited
        still come.
        """
        self.assertEqual(
            self.awayAndBack(["while there"], None, []),
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
