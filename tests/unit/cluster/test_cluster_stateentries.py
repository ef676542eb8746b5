"""
A whole state (L{chatd.cluster.inbound.Inbound.remote_state}) is taken
entry by entry (L{chatd.cluster.stateentries}): one entry of its sanctions,
of its lifts, of its rooms or of its rooms' settings that cannot be taken is
logged with its traceback, and the rest of the state is taken all the same.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chatd.modstore import BAN, Sanction
from tests.support.fakenode import TwoNodes


class StateEntryTests(TwoNodes):
    """
    On node b, C{bob} in C{#lobby}, and C{victim}; C{held} and C{freed} are
    banned there.  Node b then reads the whole state of node x, a node it
    meets anew: C{whole}, a user of x, in C{lobby}, made C{+m}; a ban of
    C{victim}; the ban of C{freed} lifted; but one entry of one part that
    cannot be taken.
    """

    def setUp(self) -> None:
        super().setUp()
        self.now = self.clock.seconds()
        for nick in ("held", "freed"):
            self.b.service.moderation.replicate(BAN, nick, self.ban(nick, self.now - 60))
        self.bob = self.ircClient(self.b, "bob")
        self.bob.send("JOIN #lobby")
        self.victim = self.ircClient(self.b, "victim")
        self.bob.read()

    def ban(self, nick: str, at: float) -> Sanction:
        return Sanction(BAN, nick, nick, "spam", "root", at)

    def state(self, **parts: Any) -> None:
        """
        Node b reads x's state, with C{parts} in place of those described
        (C{sn}: the sanctions and lifts, C{rooms}, C{rs}: their settings).
        """
        fields = {
            "users": [["whole", ["lobby"]]],
            "rooms": ["lobby"],
            "pf": {"whole": {"p": "irc"}},
            "rs": {"lobby": self.settings("mnt")},
            "sn": self.sanctions(),
            **parts,
        }
        self.b.bridge.remote_state("x", fields)
        self.settle()

    def settings(self, modes: Any) -> dict[str, Any]:
        """A room's settings in x's state: C{modes}, C{m} changed there now."""
        stamp = [self.now, "x", "xop", False]
        empty: dict[str, Any] = {"k": None, "b": [], "e": [], "I": [], "o": [], "v": []}
        return {**empty, "m": modes, "s": stamp, "ss": {"m": stamp}}

    def sanctions(self, *more: Any, lifts: tuple[Any, ...] = ()) -> dict[str, list[Any]]:
        """x's sanctions: C{more}, then a ban of C{victim}; C{lifts}, then C{freed}'s."""
        return {
            "in": [*more, asdict(self.ban("victim", self.now - 1))],
            "out": [*lifts, [BAN, "freed", self.now - 1]],
        }

    def assertRestTaken(self, error: type[Exception]) -> None:
        """
        The entry that could not be taken was logged, once, with its
        traceback (an C{error}); the rest was taken: C{bob} sees C{whole}
        join and the room made C{+m}; C{victim} is closed as banned; and
        C{freed} can come in, as C{held} still cannot.
        """
        self.assertEqual(len(self.flushLoggedErrors(error)), 1)
        told = self.bob.read()
        self.assertIn(" JOIN #lobby", told.split("\r\n")[0])
        self.assertTrue(told.split("\r\n")[0].startswith(":whole!"), told)
        self.assertIn(" MODE #lobby +m\r\n", told)
        self.assertIn("banned by root: spam", self.victim.read())
        self.assertTrue(self.comesIn("freed"))
        self.assertFalse(self.comesIn("held"))

    def comesIn(self, nick: str) -> bool:
        """Whether an IRC client of b registering as C{nick} is welcomed."""
        try:
            self.ircClient(self.b, nick)
        except AssertionError:
            return False
        return True

    def test_sanction(self) -> None:
        """A sanction of a kind this node's version does not know of."""
        unknown = {**asdict(self.ban("other", self.now)), "scope": "network"}
        self.state(sn=self.sanctions(unknown))
        self.assertRestTaken(TypeError)

    def test_lift(self) -> None:
        """A lift of C{held}'s ban whose time is not a time."""
        self.state(sn=self.sanctions(lifts=([BAN, "held", "yesterday"],)))
        self.assertRestTaken(TypeError)

    def test_room(self) -> None:
        """A room whose name is not a name."""
        self.state(rooms=[["broken"], "lobby"])
        self.assertRestTaken(TypeError)

    def test_roomSettings(self) -> None:
        """A room's settings whose modes are not letters."""
        rs = {"broken": self.settings(5), "lobby": self.settings("mnt")}
        self.state(rooms=["broken", "lobby"], rs=rs)
        self.assertRestTaken(TypeError)
