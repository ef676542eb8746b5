"""
Tests for the IRC replies that name a channel: each names it as its room
is stored (C{#Général}), whatever case or accents the command used
(C{#general}), as Ergo and InspIRCd name a channel; a channel that is no
room is named as typed.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.protocol import IRCProtocol
from tests.support.irchelpers import IRCTestCase
from tests.support.ircstorecase import IRCStoreTestCase


class RoomNameTests(IRCTestCase):
    """
    C{alice} made the room C{Général} and runs it; C{bob} is not in it.
    """

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect("alice")
        self.bob, self.tb = self.connect("bob")
        self.send(self.alice, self.ta, "JOIN #Général")

    def replies(self, proto: IRCProtocol, transport: StringTransport, line: str) -> list[list[str]]:
        """
        The command and parameters (after the nickname) of what C{line}
        was answered with.
        """
        messages = self.messages(self.send(proto, transport, line))
        return [[m.command, *m.params[1:]] for m in messages]

    def test_joinRefused(self) -> None:
        """
        C{475}, C{474}, C{473} and C{471} for a JOIN in another case name
        the channel as stored.
        """
        self.send(self.alice, self.ta, "MODE #Général +k sekrit")
        self.assertEqual(
            self.replies(self.bob, self.tb, "JOIN #GENERAL"),
            [["475", "#Général", "Cannot join channel (+k)"]],
        )
        self.send(self.alice, self.ta, "MODE #Général -k+b * bob!*@*")
        self.assertEqual(
            self.replies(self.bob, self.tb, "JOIN #general"),
            [["474", "#Général", "Cannot join channel (+b)"]],
        )
        self.send(self.alice, self.ta, "MODE #Général -b+i bob!*@*")
        self.assertEqual(
            self.replies(self.bob, self.tb, "JOIN #general"),
            [["473", "#Général", "Cannot join channel (+i)"]],
        )
        self.send(self.alice, self.ta, "MODE #Général -i+l 1")
        [[code, channel, _]] = self.replies(self.bob, self.tb, "JOIN #general")
        self.assertEqual((code, channel), ("471", "#Général"))

    def test_noSuchRoom(self) -> None:
        """
        A channel that is no room is named as typed.
        """
        [[code, channel, *_]] = self.replies(self.bob, self.tb, "PART #Nowhere")
        self.assertEqual((code, channel), ("403", "#Nowhere"))
        [[code, channel, *_]] = self.replies(self.bob, self.tb, "TOPIC #Nowhere")
        self.assertEqual((code, channel), ("403", "#Nowhere"))

    def test_partNotMember(self) -> None:
        """
        C{442} for a PART of a room one is not in names it as stored.
        """
        [[code, channel, _]] = self.replies(self.bob, self.tb, "PART #general")
        self.assertEqual((code, channel), ("442", "#Général"))

    def test_invite(self) -> None:
        """
        C{442} (not in it), C{341} (invited) and C{443} (already in it) for
        an INVITE name the channel as stored.
        """
        [[code, channel, _]] = self.replies(self.bob, self.tb, "INVITE alice #general")
        self.assertEqual((code, channel), ("442", "#Général"))
        self.assertEqual(
            self.replies(self.alice, self.ta, "INVITE bob #GENERAL"), [["341", "bob", "#Général"]]
        )
        self.send(self.bob, self.tb, "JOIN #Général")
        self.read(self.ta)
        [[code, nick, channel, _]] = self.replies(self.alice, self.ta, "INVITE bob #general")
        self.assertEqual((code, nick, channel), ("443", "bob", "#Général"))

    def test_messageRefused(self) -> None:
        """
        C{404} for a message refused in a channel typed in another case
        names it as stored (and as C{@#Général} for its operators).
        """
        self.send(self.alice, self.ta, "MODE #Général +m")
        self.send(self.bob, self.tb, "JOIN #Général")
        [[code, channel, _]] = self.replies(self.bob, self.tb, "PRIVMSG #general :hi")
        self.assertEqual((code, channel), ("404", "#Général"))
        [[code, channel, _]] = self.replies(self.bob, self.tb, "PRIVMSG @#GENERAL :hi")
        self.assertEqual((code, channel), ("404", "@#Général"))


class StoredRoomNameTests(IRCStoreTestCase):
    """
    The account C{alice} in the stored room C{Général}, with read markers
    and history.
    """

    def signIn(self) -> tuple[IRCProtocol, StringTransport]:
        proto, t = self.client()
        caps = "draft/read-marker draft/chathistory batch server-time"
        self.send(proto, t, f"CAP REQ :{caps}", "PASS sesame", "NICK alice", "USER a 0 * :A")
        self.send(proto, t, "CAP END", "JOIN #Général")
        return proto, t

    def test_markread(self) -> None:
        """
        C{MARKREAD} of a channel typed in another case answers naming it
        as stored, and the marker is kept under the room's name.
        """
        proto, t = self.signIn()
        [answer] = self.send(proto, t, "MARKREAD #general timestamp=2023-11-14T22:13:20.000Z")
        self.assertEqual((answer.command, answer.params[0]), ("MARKREAD", "#Général"))
        [kept] = self.successResultOf(self.store.readMarkers("alice"))
        self.assertEqual(kept[0], "Général")

    def test_emptyHistory(self) -> None:
        """
        C{CHATHISTORY} of a channel typed in another case, with nothing to
        show, names it as stored in its batch.
        """
        proto, t = self.signIn()
        start = self.send(proto, t, "CHATHISTORY LATEST #general * 10")[0]
        self.assertEqual((start.command, start.params[1:]), ("BATCH", ["chathistory", "#Général"]))
