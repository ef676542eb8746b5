"""
A muted person is silent in every way others would read their words, not
only in messages: no topic, no invitation, no reason for leaving or for
removing someone, no quit message, no away message, no real name.
"""

from __future__ import annotations

from chatd.core.events import Invitation, Membership, RoomChange
from chatd.core.status import StatusChange, awayOf
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase


class MutedTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect("alice")
        self.send(self.alice, self.ta, "JOIN #den")  # she created it: she runs it
        self.bob = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.bob)
        self.service.login(self.bob, "bob")
        self.service.enter(self.bob, "den")
        self.carol = RecordingParticipant(protocolName="tchat")
        self.service.connect(self.carol)
        self.service.login(self.carol, "carol")
        self.service.moderation.mute("alice", 600, "spam", "root")
        self.read(self.ta)
        del self.bob.events[:]

    def test_noTopicNoInvitation(self) -> None:
        """
        A muted room operator cannot set the topic or invite anyone: the
        client is told it is muted, and nobody sees anything.
        """
        reply = self.send(self.alice, self.ta, "TOPIC #den :BUY CHEAP STUFF")
        self.assertEqual(self.numerics(reply), ["404"])
        self.assertIn("you are muted", reply)
        self.assertEqual(self.service.topic("den"), "")
        reply = self.send(self.alice, self.ta, "INVITE carol #den")
        self.assertEqual(self.numerics(reply), ["404"])
        self.assertEqual(self.carol.events, [])
        self.assertFalse([e for e in self.bob.events if isinstance(e, (RoomChange, Invitation))])

    def test_noKeyNoMask(self) -> None:
        """
        A muted room operator cannot set a key or a ban mask (members see
        both, so they would carry its words), alone or among other
        changes; the other changes still apply.
        """
        reply = self.send(self.alice, self.ta, "MODE #den +k BUY_CHEAP_STUFF")
        self.assertIn("you are muted", reply)
        self.assertIsNone(self.service.roomKey("den"))
        self.send(self.alice, self.ta, "MODE #den +bm BUY!CHEAP@STUFF")
        self.assertEqual(self.service.roomBans("den"), [])
        [change] = [e for e in self.bob.events if isinstance(e, RoomChange)]
        self.assertEqual((change.modes, change.args), ("+m", ()))

    def test_noAwayTextNoRealName(self) -> None:
        """
        A muted person can neither set an away message nor change its real
        name (both reach others as its words): the client is told, nobody
        sees anything; being back (C{AWAY} alone) is allowed.
        """
        [refusal] = self.messages(self.send(self.alice, self.ta, "AWAY :BUY CHEAP STUFF"))
        self.assertEqual((refusal.prefix, refusal.command), ("chatd", "NOTICE"))
        self.assertEqual(refusal.params[0], "alice")
        self.assertRegex(refusal.params[1], "^AWAY: you are muted")
        self.assertIsNone(awayOf(self.service.find("alice")))
        reply = self.send(self.alice, self.ta, "SETNAME :BUY CHEAP STUFF")
        self.assertIn("FAIL SETNAME CANNOT_CHANGE_REALNAME", reply)
        self.assertFalse([e for e in self.bob.events if isinstance(e, StatusChange)])
        self.assertIn(" 305 ", self.send(self.alice, self.ta, "AWAY"))

    def test_awayRefusedAsStandardReply(self) -> None:
        """
        A client with C{standard-replies} is refused a muted person's away
        text as C{FAIL AWAY CANNOT_SET_AWAY}, never a numeric naming a
        channel.
        """
        dora, td = self.connect("dora", caps="standard-replies")
        self.service.moderation.mute("dora", 300, "shush", "root")
        [refusal] = self.messages(self.send(dora, td, "AWAY :BUY CHEAP STUFF"))
        self.assertEqual(
            (refusal.command, refusal.params[:2]), ("FAIL", ["AWAY", "CANNOT_SET_AWAY"])
        )
        self.assertRegex(refusal.params[2], "^you are muted .*: shush$")
        self.assertIsNone(awayOf(self.service.find("dora")))

    def test_reasonsNotHeard(self) -> None:
        """
        A muted person's reason for kicking someone, for leaving a room,
        and their quit message reach nobody; the kick, the part and the
        quit themselves happen.
        """
        self.send(self.alice, self.ta, "KICK #den bob :BUY CHEAP STUFF")
        [kicked] = [e for e in self.bob.events if isinstance(e, Membership)]
        self.assertEqual((kicked.nick, kicked.reason), ("bob", ""))
        self.service.enter(self.bob, "den")
        del self.bob.events[:]
        self.send(self.alice, self.ta, "PART #den :BUY CHEAP STUFF", "JOIN #den")
        [parted] = [e for e in self.bob.events if isinstance(e, Membership) and not e.joined]
        self.assertEqual((parted.nick, parted.reason), ("alice", ""))
        del self.bob.events[:]
        self.send(self.alice, self.ta, "QUIT :BUY CHEAP STUFF")
        [quit] = [e for e in self.bob.events if isinstance(e, Membership)]
        self.assertEqual(quit.nick, "alice")
        self.assertNotIn("CHEAP", quit.reason)

    def test_unmutedHeard(self) -> None:
        """
        Once the mute is lifted, their reasons are heard again.
        """
        self.service.moderation.lift("mute", "alice")
        self.send(self.alice, self.ta, "PART #den :see you")
        [parted] = [e for e in self.bob.events if isinstance(e, Membership)]
        self.assertEqual(parted.reason, "see you")
