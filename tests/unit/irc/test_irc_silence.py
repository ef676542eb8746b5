"""
IRC C{SILENCE} (L{chatd.irc.silence}): the list (271/272), changes echoed,
a full list (511), the ISUPPORT token, and a silenced sender's private
messages dropped whatever their protocol, the sender told nothing.
"""

from __future__ import annotations

from chatd.core.limits import MAX_IGNORES
from chatd.testing import RecordingParticipant
from tests.support.irchelpers import IRCTestCase


class SilenceTests(IRCTestCase):
    def test_addListRemove(self) -> None:
        """
        C{SILENCE +troll} is echoed as the mask added, C{SILENCE} lists it,
        C{SILENCE -troll} removes it; a name alone is C{name!*@*}.
        """
        alice, t = self.connect("alice")
        echoed = self.messages(self.send(alice, t, "SILENCE +troll,+*!*@192.0.2.*"))
        self.assertEqual(
            [(m.prefix, m.command, m.params) for m in echoed],
            [
                (f"alice!alice@{self.guestHost}", "SILENCE", ["+troll!*@*"]),
                (f"alice!alice@{self.guestHost}", "SILENCE", ["+*!*@192.0.2.*"]),
            ],
        )
        listed = self.messages(self.send(alice, t, "SILENCE"))
        self.assertEqual(
            [(m.command, m.params) for m in listed],
            [
                ("271", ["alice", "alice", "troll!*@*"]),
                ("271", ["alice", "alice", "*!*@192.0.2.*"]),
                ("272", ["alice", "End of Silence List"]),
            ],
        )
        removed = self.messages(self.send(alice, t, "SILENCE -TROLL"))
        self.assertEqual([(m.command, m.params) for m in removed], [("SILENCE", ["-troll!*@*"])])
        self.assertEqual(self.send(alice, t, "SILENCE -troll"), "")  # not there: nothing

    def test_dropped(self) -> None:
        """
        A silenced IRC user's PRIVMSG, NOTICE and CTCP never reach the
        silencer, and the sender gets no error; others' do.
        """
        alice, t = self.connect("alice")
        troll, tt = self.connect("troll")
        self.send(alice, t, "SILENCE +troll")
        sent = self.send(troll, tt, "PRIVMSG alice :hi", "NOTICE alice :psst")
        sent += self.send(troll, tt, "PRIVMSG alice :\x01VERSION\x01")
        self.clock.advance(10)
        self.assertEqual(sent + self.read(tt), "")
        self.assertEqual(self.read(t), "")
        self.send(alice, t, "SILENCE -troll")
        self.send(troll, tt, "PRIVMSG alice :again")
        self.assertIn("PRIVMSG alice :again", self.read(t))

    def test_otherProtocols(self) -> None:
        """
        The list holds for senders on any protocol.
        """
        alice, t = self.connect("alice")
        self.send(alice, t, "SILENCE +troll")
        troll = RecordingParticipant()
        self.service.connect(troll)
        self.service.login(troll, "troll")
        self.service.tell(troll, "alice", ("from afar",))
        self.assertNotIn("from afar", self.read(t))

    def test_full(self) -> None:
        """
        The list holds C{MAX_IGNORES} masks, ISUPPORT says so; one more is
        511.
        """
        alice, t = self.connect("alice")
        self.assertIn(f"SILENCE={MAX_IGNORES}", self.send(alice, t, "VERSION"))
        for start in range(0, MAX_IGNORES, 20):  # lines of IRC's 512 bytes
            masks = ",".join(f"+user{i}" for i in range(start, min(start + 20, MAX_IGNORES)))
            self.send(alice, t, f"SILENCE {masks}")
        [full] = self.messages(self.send(alice, t, "SILENCE +more"))
        self.assertEqual(
            (full.command, full.params), ("511", ["alice", "more", "Your silence list is full"])
        )
