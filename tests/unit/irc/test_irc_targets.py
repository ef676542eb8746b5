"""
Tests for the targets of C{PRIVMSG}, C{NOTICE} and C{TAGMSG}
(L{chatd.irc.privmsg}): each distinct target once, at most C{TARGMAX}.
"""

from __future__ import annotations

from chatd.core.events import PrivateMessage, RoomMessage
from tests.support.protocolcases import ChannelTestCase


class TargetTests(ChannelTestCase):
    def test_repeatedTarget(self) -> None:
        """
        A target named twice in one command (in any case) gets the message
        once: the channel's members see it once, the person once.
        """
        bob = self.other("bob")
        alice, ta = self.joined("alice")
        carol, tc = self.connect("carol")
        replies = self.send(alice, ta, "PRIVMSG #lobby,carol,#LOBBY,Carol :twice?")
        self.assertEqual(self.numerics(replies), [])
        said = [event for event in bob.events if isinstance(event, RoomMessage)]
        self.assertEqual([event.lines for event in said], [("twice?",)])
        got = self.messages(self.read(tc))
        self.assertEqual([(m.command, m.params) for m in got], [("PRIVMSG", ["carol", "twice?"])])

    def test_tooManyTargets(self) -> None:
        """
        More distinct targets than C{TARGMAX} gives C{407} naming the first
        one past the limit, and the message reaches the first four only,
        each once.
        """
        bob = self.other("bob", room=None)
        carol = self.other("carol", room=None)
        dave = self.other("dave", room=None)
        erin = self.other("erin", room=None)
        alice, ta = self.joined("alice")
        replies = self.messages(
            self.send(alice, ta, "PRIVMSG #lobby,bob,#lobby,bob,carol,dave,erin :multi")
        )
        self.assertEqual(
            [(m.command, m.params) for m in replies],
            [("407", ["alice", "erin", "Too many recipients"])],
        )
        for person in (bob, carol, dave):
            self.assertEqual(
                [event.lines for event in person.events if isinstance(event, PrivateMessage)],
                [("multi",)],
            )
        self.assertEqual(erin.events, [])

    def test_tooManyNoticeTargets(self) -> None:
        """
        A C{NOTICE} (and a C{TAGMSG}) to too many targets reaches the first
        four distinct ones, and, as a NOTICE is never answered with an
        error, gets no C{407}.
        """
        people = [self.other(nick, room=None) for nick in ("bob", "carol", "dave", "erin", "finn")]
        alice, ta = self.connect("alice", caps="message-tags")
        self.assertEqual(self.send(alice, ta, "NOTICE bob,BOB,carol,dave,erin,finn :hear ye"), "")
        typing = "@+typing=active TAGMSG bob,carol,bob,dave,erin,finn"
        self.assertEqual(self.send(alice, ta, typing), "")
        self.assertEqual([len(person.events) for person in people], [2, 2, 2, 2, 0])
