"""
C{/alwayson} in talk mode (L{chatd.talk.alwayson}), and what a terminal is
told when its always-on account comes back: what came in each room since
it last read there, or since it quit where it never read.
"""

from __future__ import annotations

from chatd.core.readmarkers import readMarkersOf
from chatd.talk.protocol import TalkProtocol
from tests.support.helpers import connect
from tests.support.talkstorecase import TalkStoreTestCase


class TalkAlwaysOnTests(TalkStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("alice", "sesame")
        self.bob = self.login("bob")
        self.service.enter(self.bob, "Blabla")

    def test_readAndChange(self) -> None:
        """
        C{/alwayson} says the setting, C{on} and C{off} change it; anything
        else gets the usage; a guest is refused.
        """
        alice, t = self.talk("alice", "sesame")
        self.assertIn(b"Always on is off", self.type(alice, t, "/alwayson"))
        self.assertIn(b"Always on: you stay in your rooms", self.type(alice, t, "/alwayson on"))
        self.assertIn(b"Always on: you stay", self.type(alice, t, "/alwayson"))
        self.assertIn(b"Usage: /alwayson [on|off]", self.type(alice, t, "/alwayson perhaps"))
        self.assertIn(b"Always on is off", self.type(alice, t, "/alwayson OFF"))
        carol, tc = self.talk("carol")
        self.assertIn(b"only a registered account", self.type(carol, tc, "/alwayson on"))

    def test_comingBack(self) -> None:
        """
        alice, always on, read Blabla, quit; bob said three things there and
        one to her.  Her next terminal hears how many she missed in Blabla
        and gets bob's private message.
        """
        alice, t = self.talk("alice", "sesame")
        self.type(alice, t, "/join Blabla")
        self.type(alice, t, "/alwayson on")
        said = self.service.say(self.bob, "Blabla", ("seen",))
        markers = readMarkersOf(self.service)
        assert markers is not None
        self.successResultOf(markers.mark(alice.participant, "Blabla", True, said.millis))
        self.type(alice, t, "/quit")
        alice.connectionLost(None)
        self.clock.advance(1)
        for text in ("one", "two", "three"):
            self.service.say(self.bob, "Blabla", (text,))
        self.service.tell(self.bob, "alice", ("call me",))
        again, t2 = connect(self.factory, self.clock)
        assert isinstance(again, TalkProtocol)
        self.type(again, t2, "alice")
        seen = self.type(again, t2, "sesame").decode("utf-8")
        self.assertIn("while you were away: 3 in Blabla new since you last read", seen)
        self.assertIn("call me", seen)

    def test_neverReadCountedSinceQuit(self) -> None:
        """
        alice, always on, joined Blabla and quit before anything was said
        there (no read marker): what bob said since she quit is counted.
        """
        alice, t = self.talk("alice", "sesame")
        self.type(alice, t, "/join Blabla")
        self.type(alice, t, "/alwayson on")
        self.type(alice, t, "/quit")
        alice.connectionLost(None)
        self.clock.advance(1)
        for text in ("one", "two"):
            self.service.say(self.bob, "Blabla", (text,))
        again, t2 = connect(self.factory, self.clock)
        assert isinstance(again, TalkProtocol)
        self.type(again, t2, "alice")
        seen = self.type(again, t2, "sesame").decode("utf-8")
        self.assertIn(
            "*** Server notice: while you were away: 2 in Blabla new since you last read", seen
        )

    def test_privateToAbsentWaits(self) -> None:
        """
        C{/pm} to an always-on account with no connection open says it
        waits for them, as for anyone registered and away.
        """
        alice, t = self.talk("alice", "sesame")
        self.type(alice, t, "/alwayson on")
        self.type(alice, t, "/quit")
        alice.connectionLost(None)
        carol, tc = self.talk("carol")
        self.assertIn(
            b"*** alice is away; they will get it when they log in.",
            self.type(carol, tc, "/pm alice hi"),
        )

    def test_absentShownAway(self) -> None:
        """
        An always-on account with no connection open is shown away in
        C{/who}, C{/list} and the greeting of whoever joins its room.
        """
        alice, t = self.talk("alice", "sesame")
        self.type(alice, t, "/join den")
        self.type(alice, t, "/alwayson on")
        self.type(alice, t, "/quit")
        alice.connectionLost(None)
        carol, tc = self.talk("carol")
        self.assertIn(b"with alice (away).", self.type(carol, tc, "/join den"))
        self.assertIn(b"In den (2): alice (away, runs it), carol", self.type(carol, tc, "/who"))
        self.assertIn(b"alice (away)", self.type(carol, tc, "/list"))
