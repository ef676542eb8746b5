# -*- test-case-name: tests.unit.irc.test_irc_monitor -*-
"""
IRC C{MONITOR}: 730/731 as watched people come and go on any protocol,
the list commands, the limit (734) and the ISUPPORT token.
"""

from __future__ import annotations

from chatd.core.participant import IParticipant
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase


class MonitorTests(IRCTestCase):
    """
    MONITOR through the IRC front-end, against the service's presence.
    """

    def tchatUser(self, nick: str) -> IParticipant:
        """
        Someone on another protocol logs in as C{nick}.
        """
        person = RecordingParticipant()
        self.service.connect(person)
        self.service.login(person, nick)
        return person

    def test_addShowsStatus(self) -> None:
        """
        C{MONITOR +} answers 730 with the hostmasks of those online and 731
        with the names of those offline.
        """
        self.tchatUser("bob")
        alice, t = self.connect("alice")
        replies = self.messages(self.send(alice, t, "MONITOR + bob,carol"))
        self.assertEqual(
            [(m.command, m.params) for m in replies],
            [("730", ["alice", f"bob!bob@{self.guestHost}"]), ("731", ["alice", "carol"])],
        )

    def test_addOneNameOnce(self) -> None:
        """
        Names that are one by chatd's name key (case, look-alike letters)
        are one entry: in the status answered and in the list.
        """
        self.tchatUser("bob")
        alice, t = self.connect("alice")
        replies = self.messages(self.send(alice, t, "MONITOR + bob,cy,BOB,b\u043eb,CY"))
        self.assertEqual(
            [(m.command, m.params) for m in replies],
            [("730", ["alice", f"bob!bob@{self.guestHost}"]), ("731", ["alice", "cy"])],
        )
        [listed, _] = self.messages(self.send(alice, t, "MONITOR L"))
        self.assertEqual(listed.params, ["alice", "bob,cy"])

    def test_loginAndLogoutAcrossProtocols(self) -> None:
        """
        A watched name logging in on another protocol is 730 with its
        hostmask; its logout is 731; a rename is 731 for the old name and
        730 for the new one when both are watched.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "MONITOR + bob,robert")
        bob = self.tchatUser("Bob")
        self.assertEqual(
            [(m.command, m.params) for m in self.messages(self.read(t))],
            [("730", ["alice", f"Bob!Bob@{self.guestHost}"])],
        )
        self.service.rename(bob, "robert")
        self.assertEqual(
            [(m.command, m.params[1]) for m in self.messages(self.read(t))],
            [("731", "Bob"), ("730", f"robert!robert@{self.guestHost}")],
        )
        self.service.disconnect(bob)
        self.assertEqual(
            [(m.command, m.params) for m in self.messages(self.read(t))],
            [("731", ["alice", "robert"])],
        )

    def test_ircClientWatched(self) -> None:
        """
        An IRC client's registration and QUIT reach its watchers.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "MONITOR + dave")
        dave, td = self.connect("dave")
        self.assertEqual(self.numerics(self.read(t)), ["730"])
        self.send(dave, td, "QUIT :bye")
        self.assertEqual(self.numerics(self.read(t)), ["731"])

    def test_listRemoveClear(self) -> None:
        """
        C{MONITOR L} lists the names as given (732, 733), C{-} removes
        names (then no more notices for them), C{C} clears, C{S} gives the
        status of every name watched.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "MONITOR + bob,Carol", "MONITOR + carol")
        replies = self.messages(self.send(alice, t, "MONITOR L"))
        self.assertEqual(
            [(m.command, m.params[1:]) for m in replies],
            [("732", ["bob,Carol"]), ("733", ["End of MONITOR list"])],
        )
        self.assertEqual(self.numerics(self.send(alice, t, "MONITOR S")), ["731"])
        self.send(alice, t, "MONITOR - bob")
        self.tchatUser("bob")
        self.assertEqual(self.read(t), "")
        self.send(alice, t, "MONITOR C")
        self.tchatUser("carol")
        self.assertEqual(self.read(t), "")
        self.assertEqual(self.numerics(self.send(alice, t, "MONITOR L")), ["733"])

    def test_limit(self) -> None:
        """
        Past C{--irc-monitor-limit} names, 734 names the ones refused; the
        others are added; ISUPPORT says C{MONITOR=<limit>}.
        """
        self.factory.monitorLimit = 2
        alice, t = self.connect("alice")
        replies = self.messages(self.send(alice, t, "MONITOR + a,b,c,d"))
        self.assertEqual(replies[0].command, "734")
        self.assertEqual(replies[0].params[1:3], ["2", "c,d"])
        self.assertEqual(replies[1].params[1], "a,b")
        self.assertIn("MONITOR=2", self.send(alice, t, "VERSION"))

    def test_limitWithLongList(self) -> None:
        """
        A 734 too long for one line is split over several, each name whole.
        """
        self.factory.monitorLimit = 1
        alice, t = self.connect("alicealicealice")
        names = [f"watched{n:09d}" for n in range(29)]
        text = self.send(alice, t, "MONITOR + " + ",".join(names))
        lines = [line for line in text.split("\r\n") if " 734 " in line]
        self.assertTrue(all(len(line) + 2 <= 512 for line in lines))
        replies = self.messages("".join(line + "\r\n" for line in lines))
        self.assertEqual(len(replies), 2)
        self.assertEqual(",".join(m.params[2] for m in replies), ",".join(names[1:]))

    def test_closedConnectionForgotten(self) -> None:
        """
        A watcher whose connection closed is told nothing more, and its
        list is gone from the service's presence.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "MONITOR + bob")
        alice.connectionLost(None)
        self.tchatUser("bob")
        self.assertEqual(self.service.people.presence.watching(alice), [])
