"""
Tests for L{chatd.core.rightschange} over IRC: the rights of a session
(C{OPER}) come and go in every channel as a reload's or the console's do,
with C{MODE #room +o/-o} from the services to every member, once.
"""

from __future__ import annotations

from chatd.admin.commands import Consoles
from chatd.admin.sessions import REVOKE_ADMIN
from chatd.irc.servertime import serverTime
from tests.support.irchelpers import IRCTestCase
from tests.support.operpasswords import operChecker
from tests.support.slowcluster import SlowCluster


def channelModes(text: str) -> list[str]:
    """The C{MODE} lines for channels in C{text}, as sent."""
    return [line for line in text.splitlines() if " MODE #" in line]


class OperShownInChannelsTests(IRCTestCase):
    """
    C{baz} and C{pupil} in C{#class}, which C{pupil} created (so runs), and
    C{#lobby}; C{OPER operuser operpassword} is an administrator's.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory.operChecker = operChecker(self, self.clock)
        self.pupil, self.tp = self.connect("pupil")
        self.send(self.pupil, self.tp, "JOIN #class", "JOIN #lobby")
        self.baz, self.tb = self.connect("baz")
        self.send(self.baz, self.tb, "JOIN #class", "JOIN #lobby")
        self.read(self.tp)

    def test_operShowsPlusO(self) -> None:
        """
        C{OPER} makes C{baz} an operator of every channel: each member of
        each sees C{MODE #room +o baz} from the services (not from the
        administrator name given to C{OPER}), C{baz} too, after its reply
        (C{381}, then its own C{MODE baz +o}), as servers answer;
        C{NAMES} shows C{@baz}.
        """
        told = self.send(self.baz, self.tb, "OPER operuser operpassword")
        shown = [
            ":services.chatd MODE #class +o baz",
            ":services.chatd MODE #lobby +o baz",
        ]
        self.assertEqual(sorted(channelModes(told)), shown)
        reply = [
            ":chatd 381 baz :You are now an IRC operator",
            f":{self.baz.hostmask()} MODE baz :+o",
        ]
        self.assertEqual(told.splitlines()[:2], reply)
        self.assertEqual(sorted(told.splitlines()[2:]), shown)
        self.assertEqual(sorted(channelModes(self.read(self.tp))), shown)
        self.assertNotIn("operuser", told)
        self.assertIn("@baz", self.send(self.pupil, self.tp, "NAMES #class"))

    def test_operReplyTimedAtTheChange(self) -> None:
        """
        With C{server-time}, C{OPER}'s own C{MODE nick +o} carries the time
        the change was made, as the channels' C{+o} after it do, though it
        is sent once the other nodes heard of it, later: a client ordering
        lines by their time keeps the reply first.
        """
        quick, tq = self.connect("quick", "server-time")
        self.send(quick, tq, "JOIN #class")
        cluster = SlowCluster(lambda: True)
        self.service.observer = cluster  # type: ignore[assignment]
        made = self.clock.seconds()
        self.send(quick, tq, "OPER operuser operpassword")
        self.clock.advance(2)  # the other nodes answer later
        self.assertTrue(cluster.heard)  # the reply waits for them
        self.service.observer = None
        for heard in cluster.heard:
            heard.callback(None)
        told = [m for m in self.messages(self.read(tq)) if m.command == "MODE"]
        self.assertEqual(
            [(m.params[0], m.tags["time"]) for m in told],
            [("quick", serverTime(made)), ("#class", serverTime(made))],
        )

    def test_dropOwnOperShowsMinusO(self) -> None:
        """
        C{MODE baz -o} gives up the rights: every member sees
        C{MODE #room -o baz}, once, C{baz} after its reply (its own
        C{MODE baz -o}), and C{NAMES} shows plain C{baz}.
        """
        self.send(self.baz, self.tb, "OPER operuser operpassword")
        self.read(self.tp)
        told = self.send(self.baz, self.tb, "MODE baz -o")
        shown = [
            ":services.chatd MODE #class -o baz",
            ":services.chatd MODE #lobby -o baz",
        ]
        self.assertEqual(sorted(channelModes(told)), shown)
        reply, *after = told.splitlines()  # the reply to the command first
        self.assertEqual(reply, f":{self.baz.hostmask()} MODE baz :-o")
        self.assertEqual(sorted(after), shown)
        self.assertEqual(sorted(channelModes(self.read(self.tp))), shown)
        names = self.send(self.pupil, self.tp, "NAMES #class")
        self.assertNotIn("@baz", names)
        self.assertIn(" baz", names)

    def test_consoleDeopShowsMinusOOnce(self) -> None:
        """
        The console's C{deop} of the session: one C{MODE #room -o baz} per
        channel, not one for the session's end and one for the command.
        """
        self.send(self.baz, self.tb, "OPER operuser operpassword")
        self.read(self.tp)
        self.read(self.tb)
        self.successResultOf(Consoles(self.service)("root").execute("deop baz"))
        shown = [
            ":services.chatd MODE #class -o baz",
            ":services.chatd MODE #lobby -o baz",
        ]
        self.assertEqual(sorted(channelModes(self.read(self.tp))), shown)
        self.assertEqual(sorted(channelModes(self.read(self.tb))), shown)

    def test_roomOperatorSeesNoChange(self) -> None:
        """
        Where C{OPER}'s rights change nothing shown (C{pupil} runs
        C{#class}), nothing shows: C{pupil}'s C{OPER} shows only in
        C{#lobby}.
        """
        told = self.send(self.pupil, self.tp, "OPER operuser operpassword")
        self.assertEqual(channelModes(told), [":services.chatd MODE #lobby +o pupil"])
        self.assertEqual(channelModes(self.read(self.tb)), [":services.chatd MODE #lobby +o pupil"])

    def test_revokeShowsMinusO(self) -> None:
        """
        Revoking the administrator whose password gave C{OPER} (here as
        another node's revoke): the channels show C{-o}, from the services.
        """
        self.send(self.baz, self.tb, "OPER operuser operpassword")
        self.read(self.tp)
        Consoles(self.service).peerModeration(REVOKE_ADMIN, {"nick": "operuser"})
        shown = [
            ":services.chatd MODE #class -o baz",
            ":services.chatd MODE #lobby -o baz",
        ]
        self.assertEqual(sorted(channelModes(self.read(self.tp))), shown)
