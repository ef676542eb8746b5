"""
Tests for L{chatd.talk.moderation}'s C{/kick}, which takes someone out of a
room as IRC's C{KICK} and the web's C{kick} with a room do, and for
C{/leave}'s reason, which the room's members read as IRC's C{PART} reason.
"""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from chatd.irc.factory import IRCFactory
from chatd.irc.protocol import IRCProtocol
from chatd.talk.protocol import TalkProtocol
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, guestHost, output
from tests.support.protocolcases import TalkTestCase


class RoomKickTests(TalkTestCase):
    """
    A room C{club} that C{tini} created (so runs), with C{ivo} in it, and
    the chatd operator C{moder}, who is not.
    """

    def setUp(self) -> None:
        super().setUp()
        self.tini, self.tt = self.connect("tini")
        self.ivo, self.ti = self.connect("ivo")
        self.moder, self.tm = self.connect("moder")
        self.service.grantOperator(self.moder)
        self.read(self.tm)  # (lobby shows her +o)
        self.send(self.tini, self.tt, "/join club")
        self.send(self.ivo, self.ti, "/join club")
        self.read(self.tt)

    def ircMember(self, nick: str) -> tuple[IRCProtocol, StringTransport]:
        """
        An IRC user in C{#club}, its output so far read.
        """
        proto, transport = connect(
            IRCFactory(self.service, self.clock, floodBurst=None), self.clock
        )
        proto.dataReceived(f"NICK {nick}\r\nUSER {nick} 0 * :x\r\nJOIN #club\r\n".encode())
        output(transport, self.clock)
        assert isinstance(proto, IRCProtocol)
        return proto, transport

    def tchatMember(self, nick: str) -> tuple[TchatProtocol, StringTransport]:
        """
        A TCHAT user in C{club}, its output so far read.
        """
        proto, transport = connect(TchatFactory(self.service, self.clock), self.clock)
        proto.dataReceived(f"clt: LOGIN {nick}\nclt: ENTER club\n".encode())
        output(transport, self.clock)
        assert isinstance(proto, TchatProtocol)
        return proto, transport

    def inClub(self, who: TalkProtocol | IRCProtocol | TchatProtocol) -> bool:
        return "club" in self.service.roomsOf(who)

    def test_roomOperatorKicksFromCurrentRoom(self) -> None:
        """
        A room operator who is no chatd operator (C{/who} shows them
        running it) C{/kick}s someone out of their current room: every
        member reads it, whatever their front-end, the kicked one too; no
        one is disconnected.  A member who does not run the room is refused.
        """
        self.assertIn(b"tini (runs it)", self.send(self.tini, self.tt, "/who"))
        irc, ircOut = self.ircMember("ircy")
        self.read(self.tt)
        self.read(self.ti)
        self.assertEqual(
            self.send(self.ivo, self.ti, "/kick tini"),
            b"*** Sorry, only the room's operators may do that.\r\n",
        )
        self.assertEqual(
            self.send(self.tini, self.tt, "/kick ivo off you go"),
            b"*** ivo was kicked from club by tini (off you go)\r\n",
        )
        self.assertTrue(
            self.read(self.ti).startswith(
                b"*** You were kicked from club by tini (off you go).\r\n"
            )
        )
        host = guestHost(self.service)
        self.assertEqual(
            output(ircOut, self.clock), f":tini!tini@{host} KICK #club ivo :off you go\r\n".encode()
        )
        self.assertFalse(self.ti.disconnecting)
        self.assertFalse(self.inClub(self.ivo))
        self.assertIn("lobby", self.service.roomsOf(self.ivo))

    def test_kickedTchatUserToldWhy(self) -> None:
        """
        A TCHAT member a talk room operator kicks reads who and why in a
        NOTICE, then its own LEAVE, and stays connected; an IRC member is
        kicked the same way and stays connected.
        """
        tchat, tchatOut = self.tchatMember("tchy")
        irc, ircOut = self.ircMember("ircy")
        output(tchatOut, self.clock)
        self.send(self.tini, self.tt, "/kick tchy spam")
        self.assertEqual(
            output(tchatOut, self.clock),
            b"srv: NOTICE 1700000000\nsrv: you were removed from club by tini: spam\nsrv: .\n"
            b"srv: LEAVE club tchy 1700000000\n",
        )
        self.send(self.tini, self.tt, "/kick ircy")
        self.assertIn(b"KICK #club ircy", output(ircOut, self.clock))
        self.assertFalse(tchatOut.disconnecting or ircOut.disconnecting)
        self.assertFalse(self.inClub(tchat) or self.inClub(irc))

    def test_chatdOperatorNamesTheRoom(self) -> None:
        """
        A chatd operator may kick from a room they are not in (the core's
        rule, as IRC and the web have it), naming it with C{#}; being no
        member, they are told it was done.
        """
        irc, ircOut = self.ircMember("ircy")
        self.assertEqual(
            self.send(self.moder, self.tm, "/kick #club ircy bye now"),
            b"*** ircy was kicked from club.\r\n",
        )
        host = guestHost(self.service)
        self.assertEqual(
            output(ircOut, self.clock), f":moder!moder@{host} KICK #club ircy :bye now\r\n".encode()
        )
        self.assertFalse(ircOut.disconnecting)
        self.assertIsNotNone(self.service.find("ircy"))

    def test_notInTheRoom(self) -> None:
        """
        C{/kick} of someone not in the room says so; to a chatd operator,
        who may have meant to disconnect them, it names C{/kill}.
        """
        self.assertEqual(
            self.send(self.tini, self.tt, "/kick moder"), b"*** Sorry, moder is not in club.\r\n"
        )
        irc, ircOut = self.ircMember("ircy")  # in club, not in lobby
        self.assertEqual(
            self.send(self.moder, self.tm, "/kick ircy rude"),
            b"*** Sorry, ircy is not in lobby (/kill ircy [reason] ends their session).\r\n",
        )
        self.assertFalse(ircOut.disconnecting)
        self.assertEqual(
            self.send(self.moder, self.tm, "/kick #club moder"),
            b"*** Sorry, moder is not in club (/kill moder [reason] ends their session).\r\n",
        )

    def test_usage(self) -> None:
        """
        C{/kick} without a nickname gets its usage; with no current room,
        how to name one (and, for a chatd operator, C{/kill}).
        """
        usage = b"*** Usage: /kick <nick> [reason]\r\n"
        self.assertEqual(self.send(self.tini, self.tt, "/kick"), usage)
        self.assertEqual(self.send(self.tini, self.tt, "/kick #club"), usage)
        self.send(self.ivo, self.ti, "/leave club", "/leave lobby")
        self.assertEqual(
            self.send(self.ivo, self.ti, "/kick tini"),
            b"*** You have no current room: /kick #room <nick> [reason] names one.\r\n",
        )
        self.send(self.moder, self.tm, "/leave lobby")
        self.assertEqual(
            self.send(self.moder, self.tm, "/kick tini"),
            b"*** You have no current room: /kick #room <nick> [reason] names one"
            b" (/kill <nick> [reason] ends their session).\r\n",
        )

    def test_leaveWithRefusedCharacters(self) -> None:
        """
        C{/leave room reason} with an escape sequence in the reason: the
        user leaves, and the others read the reason without it.
        """
        self.read(self.tt)
        self.assertEqual(
            self.send(self.ivo, self.ti, "/leave club bye \x1b[2J"),
            b"*** You left club; now talking in lobby.\r\n",
        )
        self.assertEqual(self.read(self.tt), b"*** ivo has left club (bye [2J)\r\n")
        self.assertFalse(self.inClub(self.ivo))

    def test_leaveWithReason(self) -> None:
        """
        C{/leave room reason}: the room's members read the reason, talk
        users as a part's, IRC users as its C{PART} reason.
        """
        irc, ircOut = self.ircMember("ircy")
        self.read(self.tt)
        self.read(self.ti)
        self.assertEqual(
            self.send(self.ivo, self.ti, "/leave club bye all"),
            b"*** You left club; now talking in lobby.\r\n",
        )
        self.assertEqual(self.read(self.tt), b"*** ivo has left club (bye all)\r\n")
        host = guestHost(self.service)
        self.assertEqual(
            output(ircOut, self.clock), f":ivo!ivo@{host} PART #club :bye all\r\n".encode()
        )
        self.assertFalse(self.inClub(self.ivo))
