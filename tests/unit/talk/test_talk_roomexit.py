"""
Talk mode when the current room is left by other means than C{/leave}: a
room operator's kick (on IRC, after a ban, or from a chatd operator outside
the room, which makes a guest's room disappear), a kick from the whole chat
at the admin console; and room names typed the IRC way, C{/join #den}.

A plain line is said only in the room the person chose: after their current
room is taken from them, it is refused until they C{/join} one, and no other
room's members ever get it.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole, Consoles
from chatd.core import errors
from chatd.core.names import MAX_ROOM_NAME_LENGTH
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.tchat import TchatFactory
from tests.support.helpers import connect, guestHost, output

#: What a talk user kicked from their current room den2 by op reads.
KICKED = (
    b"*** You were kicked from den2 by op (bye now).\r\n"
    b"*** You have no current room: nothing you type is said anywhere until you /join a room"
    b" (you are still in lobby).\r\n"
)
#: The answer to a plain line typed then.
NOT_SENT = (
    b"*** Not sent: you have no current room; /join <room> chooses one (you are in lobby).\r\n"
)


class FrontEndsTestCase(SynchronousTestCase):
    """
    A service with a C{lobby}; talk, IRC and TCHAT listeners on it, and a
    TCHAT user C{lis} in C{lobby} who hears everything said there.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = ChatService(
            self.clock, maxClients=20, maxGroupSize=10, rooms=["lobby"], operators=["root"]
        )
        kw: dict[str, Any] = {"floodBurst": None, "aliveAfter": None}
        self.talk = TalkFactory(self.service, self.clock, maxLineLength=200, **kw)
        self.irc = IRCFactory(self.service, self.clock, **kw)
        self.tchat = TchatFactory(self.service, self.clock, **kw)
        self.lis, self.heard = connect(self.tchat, self.clock)
        self.type(self.lis, self.heard, "clt: LOGIN lis", "clt: ENTER lobby")

    def type(self, proto: Any, transport: StringTransport, *lines: str) -> bytes:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock)

    def talker(self, nick: str, *lines: str) -> tuple[TalkProtocol, StringTransport]:
        """
        A talk user logged in as C{nick} (landed in lobby) who typed C{lines}.
        """
        proto, t = connect(self.talk, self.clock)
        assert isinstance(proto, TalkProtocol)
        self.assertIn(f"*** Welcome, {nick}!".encode(), self.type(proto, t, nick))
        self.type(proto, t, *lines)
        return proto, t

    def ircer(self, nick: str, *lines: str) -> tuple[Any, StringTransport]:
        proto, t = connect(self.irc, self.clock)
        self.assertIn(b" 001 ", self.type(proto, t, f"NICK {nick}", f"USER {nick} 0 * :{nick}"))
        self.type(proto, t, *lines)
        return proto, t

    def lobbyHeard(self) -> bytes:
        """
        What C{lis}, in lobby, got since last asked.
        """
        return output(self.heard, self.clock)


class KickedFromRoomTests(FrontEndsTestCase):
    def test_kickedFromCurrentRoom(self) -> None:
        """
        Kicked from their current room by its operator, a talk user is told
        who did it and why, in the second person, and that they now have
        no current room; the others read who kicked whom.  A line typed then
        is refused, and lobby's members never get it; C{/join} chooses a
        room again.
        """
        op, to = self.ircer("op", "JOIN #den2")
        kk2, tk = self.talker("kk2", "/join den2")
        amy, ta = self.talker("amy", "/join den2")
        for transport in (to, tk, ta, self.heard):
            output(transport, self.clock)
        self.type(op, to, "KICK #den2 kk2 :bye now")
        self.assertEqual(self.type(kk2, tk), KICKED)
        self.assertEqual(self.type(amy, ta), b"*** kk2 was kicked from den2 by op (bye now)\r\n")
        self.assertEqual(self.type(kk2, tk, "this was meant for den2 only"), NOT_SENT)
        self.assertEqual(self.lobbyHeard(), b"")
        self.assertEqual(self.type(amy, ta), b"")
        self.assertNotIn(b"PRIVMSG", self.type(op, to))
        self.assertIsNone(kk2.room)
        # Commands that need a current room say the same.
        self.assertEqual(
            self.type(kk2, tk, "/who"),
            b"*** You have no current room: /join <room> chooses one (you are in lobby).\r\n",
        )
        self.assertEqual(
            self.type(kk2, tk, "/join lobby"), b"*** You are now talking in lobby.\r\n"
        )
        self.type(kk2, tk, "back in lobby")
        self.assertIn(b"srv: back in lobby\n", self.lobbyHeard())

    def test_kickWithoutReason(self) -> None:
        """
        A kick without a reason names the operator alone.
        """
        op, to = self.ircer("op", "JOIN #den2")
        kk2, tk = self.talker("kk2", "/join den2")
        output(tk, self.clock)
        self.type(op, to, "KICK #den2 kk2")
        self.assertTrue(
            self.type(kk2, tk).startswith(b"*** You were kicked from den2 by op.\r\n"),
        )

    def test_kickedFromAnotherRoom(self) -> None:
        """
        Kicked from a room that is not their current one, the user is told,
        and their lines still go to the room they talk in.
        """
        op, to = self.ircer("op", "JOIN #den2")
        kk2, tk = self.talker("kk2", "/join den2", "/join lobby")
        output(tk, self.clock)
        self.lobbyHeard()
        self.type(op, to, "KICK #den2 kk2 :bye now")
        self.assertEqual(self.type(kk2, tk), b"*** You were kicked from den2 by op (bye now).\r\n")
        self.assertEqual(kk2.room, "lobby")
        self.assertEqual(self.type(kk2, tk, "still here"), b"")
        self.assertIn(b"srv: still here\n", self.lobbyHeard())

    def test_bannedThenKicked(self) -> None:
        """
        A ban (C{MODE +b}) and then a kick: told as a kick, lines refused,
        and the room refuses them until unbanned.
        """
        op, to = self.ircer("op", "JOIN #den2")
        kk2, tk = self.talker("kk2", "/join den2")
        output(tk, self.clock)
        self.lobbyHeard()
        self.type(op, to, "MODE #den2 +b kk2!*@*", "KICK #den2 kk2 :bye now")
        self.assertEqual(self.type(kk2, tk), b"*** op set mode +b kk2!*@* on den2\r\n" + KICKED)
        self.assertEqual(self.type(kk2, tk, "let me back"), NOT_SENT)
        self.assertEqual(
            self.type(kk2, tk, "/join #den2"), b"*** Sorry, you are banned from that room.\r\n"
        )
        self.assertEqual(self.type(kk2, tk, "still nowhere"), NOT_SENT)
        self.assertEqual(self.lobbyHeard(), b"")

    def test_roomDisappears(self) -> None:
        """
        A chatd operator outside a guest's room kicks its only member: the
        room is gone.  A user in no other room is told so; their lines are
        refused; C{/join} makes the room anew.
        """
        moder, tr = self.talker("moder")
        self.service.grantOperator(moder)
        kk2, tk = self.talker("kk2", "/join den2", "/leave lobby")
        self.assertEqual(self.service.roomsOf(kk2), ["den2"])
        output(tk, self.clock)
        self.lobbyHeard()
        self.service.kickFromRoom(moder, "den2", "kk2", "closing")
        self.assertEqual(
            self.type(kk2, tk),
            b"*** You were kicked from den2 by moder (closing).\r\n"
            b"*** You are in no room now: /rooms lists them, /join <room> enters.\r\n",
        )
        self.assertNotIn("den2", [name for name, _ in self.service.rooms()])
        self.assertEqual(
            self.type(kk2, tk, "hello?"), b"*** You are not in any room: /join <room> first.\r\n"
        )
        self.assertEqual(self.lobbyHeard(), b"")
        self.assertEqual(
            self.type(kk2, tk, "/join den2"), b"*** You joined den2; nobody else is here yet.\r\n"
        )

    def test_kickedFromTheChat(self) -> None:
        """
        The admin console's C{kick} ends the whole session: the user is
        told why and disconnected, and nothing typed after is said.
        """
        console = AdminConsole(self.service, "root")
        kk2, tk = self.talker("kk2", "/join den2")
        output(tk, self.clock)
        self.successResultOf(console.execute("kick kk2 1m rude"))
        self.assertEqual(
            self.type(kk2, tk),
            b"*** You have been disconnected: kicked by the administrator root for 1m: rude.\r\n",
        )
        self.assertTrue(tk.disconnecting)
        self.assertIn(b"srv: LEAVE lobby kk2", self.lobbyHeard())
        self.assertEqual(self.type(kk2, tk, "typed too late"), b"")
        self.assertEqual(self.lobbyHeard(), b"")
        self.assertIsNone(self.service.find("kk2"))


class AdministratorTextTests(FrontEndsTestCase):
    def test_consoleChangeNamesTheAdministrator(self) -> None:
        """
        A room change from the console reads as the administrator's on
        talk and TCHAT, unlike the same change by a user who took the
        administrator's name; neither is called a server notice.  The
        topic's setter is the administrator too (talk's C{/topic}, IRC's
        C{333} names the services).
        """
        guest, tr = self.ircer("ada", "JOIN #den")  # its creator runs it
        watcher, tk = self.talker("watcher", "/join den")
        self.type(self.lis, self.heard, "clt: ENTER den")
        self.type(guest, tr, "TOPIC #den :from a user")
        self.successResultOf(Consoles(self.service)("ada").execute("topic den from the console"))
        shown = self.type(watcher, tk).decode()
        self.assertIn("*** ada set the topic of den: from a user", shown)
        self.assertIn("*** the administrator ada set the topic of den: from the console", shown)
        self.assertNotIn("Server notice", shown)
        self.assertIn(
            "srv: the administrator ada set the topic of den: from the console",
            self.lobbyHeard().decode(),
        )
        self.assertIn(
            "*** Topic of den: from the console (set by the administrator ada,",
            self.type(watcher, tk, "/topic").decode(),
        )
        self.assertIn(" 333 ada #den services.chatd ", self.type(guest, tr, "TOPIC #den").decode())


class AwayTests(FrontEndsTestCase):
    def test_pmSomeoneAway(self) -> None:
        """
        C{/pm} to someone connected and marked away (IRC's C{AWAY}) says
        they are away and why, as IRC's C{301} does.
        """
        ircy, ti = self.ircer("ircy", "AWAY :at lunch")
        amy, ta = self.talker("amy")
        self.assertEqual(self.type(amy, ta, "/pm IRCY hi"), b"*** ircy is away: at lunch\r\n")
        self.assertIn(b"PRIVMSG ircy :hi", self.type(ircy, ti))
        self.type(ircy, ti, "AWAY")
        self.assertEqual(self.type(amy, ta, "/pm ircy back?"), b"")


class HashRoomNameTests(FrontEndsTestCase):
    def test_joinHash(self) -> None:
        """
        C{/join #den} joins the room C{den}, the one IRC's C{#den} is;
        C{/leave} and C{/who} read C{#den} so too.
        """
        op, to = self.ircer("op", "JOIN #den")
        output(to, self.clock)
        amy, ta = self.talker("amy")
        self.assertEqual(self.type(amy, ta, "/join #den"), b"*** You joined den, with op.\r\n")
        host = guestHost(self.service)
        self.assertIn(f":amy!amy@{host} JOIN #den".encode(), self.type(op, to))
        self.assertEqual(self.type(amy, ta, "/who #den"), b"*** In den (2): op (runs it), amy\r\n")
        self.type(amy, ta, "hi op")
        self.assertIn(b"PRIVMSG #den :hi op", self.type(op, to))
        self.assertEqual(
            self.type(amy, ta, "/join #lobby"), b"*** You are now talking in lobby.\r\n"
        )
        self.assertEqual(
            self.type(amy, ta, "/leave #den"), b"*** You left den; now talking in lobby.\r\n"
        )
        self.assertEqual(
            self.type(amy, ta, "/join #new"), b"*** You joined new; nobody else is here yet.\r\n"
        )
        self.assertIn(("new", 1), self.service.rooms())
        self.assertNotIn("#new", [name for name, _ in self.service.rooms()])

    def test_nameRule(self) -> None:
        """
        A room name may be as long as the core allows (49), as on IRC; a
        longer or malformed one, or C{#} alone, is refused with the core's
        rule in words.
        """
        refusal = f"*** Sorry, {errors.InvalidGroup.reason}.\r\n".encode()
        self.assertIn(f"1 to {MAX_ROOM_NAME_LENGTH} letters".encode(), refusal)
        amy, ta = self.talker("amy")
        longest = "x" * MAX_ROOM_NAME_LENGTH
        self.assertEqual(
            self.type(amy, ta, f"/join #{longest}"),
            f"*** You joined {longest}; nobody else is here yet.\r\n".encode(),
        )
        for bad in ["x" * (MAX_ROOM_NAME_LENGTH + 1), "#", "##den", "b@d", "#b@d"]:
            self.assertEqual(self.type(amy, ta, f"/join {bad}"), refusal, bad)
        self.assertEqual(amy.room, longest)
