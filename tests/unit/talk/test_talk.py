"""
Tests for L{chatd.talk.protocol}: what a person on telnet sees for every command and
every mistake, driven in memory with L{StringTransport} and a L{Clock}.
"""

from __future__ import annotations

import time

from twisted.conch import telnet
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure
from zope.interface.verify import verifyObject

from chatd.core.events import RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.names import NICK_RULE
from chatd.talk.commands import helpText
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect
from tests.support.protocolcases import PROMPT, TalkTestCase


class LoginTests(TalkTestCase):
    def test_participant(self) -> None:
        """
        A talk connection provides IParticipant and says it is talk mode.
        """
        proto, _ = self.connect()
        self.assertTrue(verifyObject(IParticipant, proto))
        self.assertEqual(proto.protocolName, "talk")
        self.assertEqual(proto.address, "127.0.0.1")

    def test_login(self) -> None:
        """
        After a valid nickname the person is welcomed, lands in the lobby
        (told who is there) and gets the help; the lobby is told they joined.
        """
        bob, tb = self.connect("bob")
        alice, ta = self.connect()
        seen = self.send(alice, ta, "alice")
        self.assertEqual(
            seen,
            b"*** Welcome, alice!\r\n*** You joined lobby, with bob.\r\n" + helpText(),
        )
        self.assertEqual(self.read(tb), b"*** alice has joined lobby\r\n")
        self.assertEqual(alice.nick, "alice")
        self.assertEqual(alice.room, "lobby")

    def test_helpFitsOneScreen(self) -> None:
        """
        The help shown after login fits an 80x24 terminal.
        """
        rows = helpText().decode().splitlines()
        self.assertLessEqual(len(rows), 20)
        self.assertTrue(all(len(row) < 80 for row in rows))
        for command in [
            "/pm",
            "/msg",
            "/name",
            "/list",
            "/rooms",
            "/join",
            "/leave",
            "/who",
            "/me",
            "/help",
            "/quit",
            "/exit",
            "/kick",
        ]:
            self.assertIn(command, helpText().decode())

    def test_badNicknames(self) -> None:
        """
        An invalid or taken nickname gets a readable reason and a new prompt;
        the person is not logged in until a good one.
        """
        self.connect("alice")
        proto, t = self.connect()
        self.assertEqual(
            self.send(proto, t, "al ice"),
            f"*** Sorry, a nickname is {NICK_RULE}.\r\n".encode() + PROMPT,
        )
        self.assertEqual(
            self.send(proto, t, "alice"),
            b"*** Sorry, that nickname is already taken.\r\n" + PROMPT,
        )
        self.assertEqual(
            self.send(proto, t, "ALICE"),
            b"*** Sorry, that nickname is taken: it looks like alice.\r\n" + PROMPT,
        )
        self.assertIsNone(proto.nick)
        self.assertIn(b"Welcome, bob!", self.send(proto, t, "bob"))

    def test_commandsBeforeLogin(self) -> None:
        """
        Commands other than /quit before a nickname is chosen get a reminder
        and the prompt again; an empty line gets the prompt again alone.
        """
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "/list"), b"*** Pick a nickname first.\r\n" + PROMPT)
        self.assertEqual(self.send(proto, t, "", "   "), PROMPT * 2)
        self.assertEqual(self.send(proto, t, "/exit"), b"*** Goodbye!\r\n")
        self.assertTrue(t.disconnecting)

    def test_refusedLineAtNicknamePrompt(self) -> None:
        """
        A line the line layer refuses at the nickname prompt (not UTF-8, too
        long) is explained, then the prompt comes again; a nickname is
        still taken after.
        """
        proto, t = self.connect()
        proto.dataReceived(b"caf\xe9\r\n")
        self.assertEqual(
            self.read(t),
            b"*** Your line was not valid UTF-8 and was ignored; please set your terminal to"
            b" UTF-8.\r\n" + PROMPT,
        )
        proto.dataReceived(b"x" * 500 + b"\r\n")
        self.assertEqual(
            self.read(t),
            b"*** Your line was too long and was ignored: a line is at most 100 bytes of UTF-8"
            b" (100 ASCII characters, 33 Chinese or Japanese ones).\r\n" + PROMPT,
        )
        self.assertIn(b"Welcome, bob!", self.send(proto, t, "bob"))
        proto.dataReceived(b"caf\xe9\r\n")
        self.assertEqual(
            self.read(t),
            b"*** Your line was not valid UTF-8 and was ignored; please set your terminal to"
            b" UTF-8.\r\n",
        )

    def test_defaultRoomCreated(self) -> None:
        """
        The configured default room is created if it does not exist yet.
        """
        self.factory.defaultRoom = "Accueil"
        proto, t = self.connect()
        self.assertIn(b"You joined Accueil; nobody else is here yet.", self.send(proto, t, "zoe"))
        self.assertIn(("Accueil", 1), self.service.rooms())

    def test_defaultRoomFull(self) -> None:
        """
        If the default room is full the person is told so, and is still
        logged in with the help shown.
        """
        for nick in ["a", "b", "c", "d"]:
            self.connect(nick)
        proto, t = self.connect()
        seen = self.send(proto, t, "e")
        self.assertIn(
            b"*** Could not enter lobby: that room is full.\r\n"
            b"*** You are in no room: /rooms lists them, /join <room> enters.\r\n" + helpText(),
            seen,
        )
        self.assertEqual(
            self.send(proto, t, "hello"), b"*** You are not in any room: /join <room> first.\r\n"
        )

    def test_loginTimeout(self) -> None:
        """
        Someone who does not pick a nickname within the service's login
        timeout is told and disconnected; picking one in time stops the timer.
        """
        self.service.loginDeadlines.timeout = 300
        lingering, tl = self.connect()
        quick, tq = self.connect()
        self.clock.advance(299)
        self.send(lingering, tl, "bad name")
        self.send(quick, tq, "quick")
        self.assertFalse(tl.disconnecting)
        self.clock.advance(1)
        self.assertEqual(self.read(tl), b"\r\n*** No nickname chosen in time: goodbye.\r\n")
        self.assertTrue(tl.disconnecting)
        self.clock.advance(1000)
        self.assertFalse(tq.disconnecting)
        lingering.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_serverFull(self) -> None:
        """
        Beyond C{maxClients} a newcomer gets a polite message and is closed.
        """
        for _ in range(10):
            self.connect()
        proto, t = connect(self.factory, self.clock)
        self.assertEqual(
            self.read(t),
            b"Sorry, the chat is full right now. Please try again in a little while.\r\n",
        )
        self.assertTrue(t.disconnecting)


class ChatTests(TalkTestCase):
    def test_say(self) -> None:
        """
        A plain line is said in the current room: others see
        C{[lobby] <alice> hello}, the speaker gets nothing back.  Leading
        spaces of a message are kept; a command may be indented.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.assertEqual(
            self.send(alice, ta, "hello there", "    indented  ", "  /who"),
            b"*** In lobby (2): alice, bob\r\n",
        )
        self.assertEqual(
            self.read(tb), b"[lobby] <alice> hello there\r\n[lobby] <alice>     indented\r\n"
        )

    def test_lateMessageShowsItsTime(self) -> None:
        """
        A room message that comes a while after it was said (read back from
        a lost cluster node) shows its time, as history does; one said now
        does not.
        """
        bob, tb = self.connect("bob")
        self.read(tb)
        said = self.clock.seconds() - 300
        stamp = time.strftime("%H:%M", time.localtime(said))
        bob.roomMessage(
            RoomMessage("lobby", "alice", ("late",), int(said), millis=int(said * 1000))
        )
        bob.roomMessage(RoomMessage("lobby", "alice", ("now",), int(self.clock.seconds())))
        self.assertEqual(
            self.read(tb), f"[lobby {stamp}] <alice> late\r\n[lobby] <alice> now\r\n".encode()
        )

    def test_slashEscape(self) -> None:
        """
        A line starting with C{//} says the line with one slash less.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "//usr/bin is a path")
        self.assertEqual(self.read(tb), b"[lobby] <alice> /usr/bin is a path\r\n")

    def test_multiLineFromTchat(self) -> None:
        """
        A TCHAT message body of several lines shows as several lines (a TAB
        as spaces to the next multiple of 8 columns of the text); one with
        control characters is refused as a whole (ERROR 10) and never
        reaches the terminal.
        """
        alice, ta = self.connect("alice")
        tchat = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        proto, tt = connect(tchat, self.clock)
        proto.dataReceived(
            b"clt: LOGIN bob\nclt: ENTER lobby\nclt: SPEAK lobby\nclt: one\n"
            b"clt: two \x1b[2J\x07\nclt: .\n"
        )
        self.assertEqual(self.read(ta), b"*** bob has joined lobby\r\n")
        self.assertTrue(tt.value().endswith(b"srv: ERROR 10\n"))
        proto.dataReceived(b"clt: SPEAK lobby\nclt: one\nclt: two\tthree\nclt: .\n")
        self.assertEqual(self.read(ta), b"[lobby] <bob> one\r\n[lobby] <bob> two     three\r\n")

    def test_privateMessages(self) -> None:
        """
        C{/pm} and C{/msg} reach one person as C{*private* <alice> text}; bad
        arguments get the usage line, an unknown nick a clear refusal.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        carol, tc = self.connect("carol")
        self.read(ta)
        self.read(tb)
        self.assertEqual(self.send(alice, ta, "/pm bob  psst, hi"), b"")
        self.assertEqual(self.send(alice, ta, "/MSG Bob again"), b"")
        self.assertEqual(
            self.read(tb), b"*private* <alice> psst, hi\r\n*private* <alice> again\r\n"
        )
        self.assertEqual(self.read(tc), b"")
        for line in ["/pm", "/pm bob", "/msg bob   "]:
            self.assertEqual(self.send(alice, ta, line), b"*** Usage: /pm <nick> <text>\r\n")
        self.assertEqual(
            self.send(alice, ta, "/pm nobody hi"), b"*** Sorry, no such user is connected.\r\n"
        )
        self.assertEqual(
            self.send(alice, ta, "/pm b! hi"),
            f"*** Sorry, that is not a valid nickname: a nickname is {NICK_RULE}.\r\n".encode(),
        )

    def test_me(self) -> None:
        """
        C{/me waves} shows as C{[lobby] * alice waves}; the service carries
        it as an action (the CTCP form every front-end shares, which IRC
        clients show as an action).
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        watcher = RecordingParticipant()
        self.service.connect(watcher)
        self.service.login(watcher, "watcher")
        self.service.enter(watcher, "lobby")
        self.read(ta)
        self.read(tb)
        self.assertEqual(self.send(alice, ta, "/me waves"), b"")
        self.assertEqual(self.read(tb), b"[lobby] * alice waves\r\n")
        self.assertEqual(
            [e.lines for e in watcher.events if hasattr(e, "lines")], [("\x01ACTION waves\x01",)]
        )
        self.assertEqual(self.send(alice, ta, "/me"), b"*** Usage: /me <action>\r\n")

    def test_actionCannotBeSpoofed(self) -> None:
        """
        A line that merely looks like someone else's action still shows who
        said it.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(tb)
        self.send(alice, ta, "* bob is a fool")
        self.assertEqual(self.read(tb), b"[lobby] <alice> * bob is a fool\r\n")

    def test_backspaceEdited(self) -> None:
        """
        Backspace and DEL typed in character mode edit the line before it is
        used; telnet's erase-character command does the same.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(tb)
        alice.dataReceived(b"helo\x08lo wrld\x7f\x7f\x7forld\r\n")
        alice.dataReceived(b"ab" + telnet.IAC + telnet.EC + b"c\r\0")
        self.assertEqual(self.read(tb), b"[lobby] <alice> hello world\r\n[lobby] <alice> ac\r\n")

    def test_telnetNegotiation(self) -> None:
        """
        Option negotiation is answered (refused) and never shows up as text,
        whether lines end in CR LF or CR NUL.
        """
        alice, ta = self.connect()
        iac, sb, se = telnet.IAC, telnet.SB, telnet.SE
        windowSize = iac + sb + telnet.NAWS + b"\x00\x50\x00\x18" + iac + se
        doStatus, willNaws = iac + telnet.DO + b"\x05", iac + telnet.WILL + telnet.NAWS
        alice.dataReceived(doStatus + willNaws + b"ali" + windowSize + b"ce\r\0")
        seen = self.read(ta)
        self.assertTrue(
            seen.startswith(
                telnet.IAC + telnet.WONT + b"\x05" + telnet.IAC + telnet.DONT + telnet.NAWS
            )
        )
        self.assertIn(b"Welcome, alice!", seen)

    def test_renameRefusedToKickedName(self) -> None:
        """
        C{/name} to a name the console kicked is refused with the reason,
        and the room does not hear of it.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.service.moderation.kick("kickguy", 300, "rude", "root")
        self.assertEqual(
            self.send(alice, ta, "/name kickguy"),
            b"*** Sorry, the nickname kickguy was kicked and may come back for 5m more: rude.\r\n",
        )
        self.assertEqual(self.read(tb), b"")

    def test_renamed(self) -> None:
        """
        C{/name} renames everywhere: the person is told, everyone sharing a
        room sees the change, and private messages reach the new name.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.assertEqual(
            self.send(alice, ta, "/name Alicia"), b"*** You are now known as Alicia.\r\n"
        )
        self.assertEqual(self.read(tb), b"*** alice is now known as Alicia\r\n")
        self.send(bob, tb, "/pm alicia hi")
        self.assertEqual(self.read(ta), b"*private* <bob> hi\r\n")
        self.assertEqual(
            self.send(alice, ta, "/nick Alicia"), b"*** You are already called Alicia.\r\n"
        )
        self.assertEqual(
            self.send(alice, ta, "/name bob"), b"*** Sorry, that nickname is already taken.\r\n"
        )
        self.assertEqual(
            self.send(alice, ta, "/name BOB"),
            b"*** Sorry, that nickname is taken: it looks like bob.\r\n",
        )
        self.assertEqual(self.send(alice, ta, "/name bad name"), b"*** Usage: /name <newnick>\r\n")
        self.assertEqual(self.send(alice, ta, "/name"), b"*** Usage: /name <newnick>\r\n")
        self.assertEqual(
            self.send(alice, ta, "/name b@d"),
            f"*** Sorry, a nickname is {NICK_RULE}.\r\n".encode(),
        )


class RoomTests(TalkTestCase):
    def test_joinCreatesAndSwitches(self) -> None:
        """
        C{/join} creates a missing room and makes it the current one; lines
        then go there and arrive tagged with it, while the person still hears
        the lobby.  Joining a room one is in just switches to it.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.read(ta)
        self.assertEqual(
            self.send(alice, ta, "/join games"),
            b"*** You joined games; nobody else is here yet.\r\n",
        )
        self.assertEqual(
            self.send(bob, tb, "/join GAMES"), b"*** You joined games, with alice.\r\n"
        )
        self.assertEqual(self.read(ta), b"*** bob has joined games\r\n")
        self.send(bob, tb, "gg")
        self.assertEqual(self.read(ta), b"[games] <bob> gg\r\n")
        self.assertEqual(
            self.send(bob, tb, "/join lobby"), b"*** You are now talking in lobby.\r\n"
        )
        self.send(bob, tb, "back")
        self.assertEqual(self.read(ta), b"[lobby] <bob> back\r\n")
        self.assertEqual(self.send(alice, ta, "/join"), b"*** Usage: /join <room> [key]\r\n")
        self.assertEqual(self.send(alice, ta, "/join a b c"), b"*** Usage: /join <room> [key]\r\n")
        self.assertEqual(
            self.send(alice, ta, "/join b@d"),
            b"*** Sorry, a room name is 1 to 49 letters (any script), digits, '_' or '-'.\r\n",
        )

    def test_joinFullRoom(self) -> None:
        """
        A full room refuses with a clear reason.
        """
        for nick in ["a", "b", "c", "d"]:
            self.connect(nick)
        self.service.createRoom(self.service.users()[0], "small")
        self.service.maxGroupSize = 0
        proto, t = self.connect("e")
        self.assertEqual(self.send(proto, t, "/join small"), b"*** Sorry, that room is full.\r\n")

    def test_leave(self) -> None:
        """
        C{/leave} leaves the current room (or the one named) and falls back
        to the room joined before; the room is told.  With no room left,
        plain lines get a hint.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "/join games")
        self.read(tb)
        self.assertEqual(
            self.send(alice, ta, "/leave"), b"*** You left games; now talking in lobby.\r\n"
        )
        self.assertEqual(
            self.send(alice, ta, "/leave LOBBY"),
            b"*** You left lobby; you are in no room now: /join <room>.\r\n",
        )
        self.assertEqual(self.read(tb), b"*** alice has left lobby\r\n")
        self.assertEqual(
            self.send(alice, ta, "hello?"), b"*** You are not in any room: /join <room> first.\r\n"
        )
        self.assertEqual(
            self.send(alice, ta, "/leave"), b"*** You are not in any room: /join <room> first.\r\n"
        )
        self.assertEqual(
            self.send(alice, ta, "/leave lobby"), b"*** Sorry, you are not in that room.\r\n"
        )
        self.assertEqual(self.send(alice, ta, "/leave nowhere"), b"*** Sorry, no such room.\r\n")

    def test_rooms(self) -> None:
        """
        C{/rooms} lists every room with its head count, marking the current
        one and the others joined.
        """
        alice, ta = self.connect("alice")
        self.send(alice, ta, "/join games")
        self.service.createRoom(alice, "empty")
        self.assertEqual(
            self.send(alice, ta, "/rooms"),
            b"*** Rooms (3):\r\n"
            b"  empty (0 people)\r\n"
            b"  games (1 person)  <- you talk here\r\n"
            b"  lobby (1 person)  (joined)\r\n",
        )

    def test_who(self) -> None:
        """
        C{/who} lists the current room, C{/who <room>} a room one is in;
        other rooms are private to their members.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(bob, tb, "/join games")
        self.read(ta)
        self.assertEqual(self.send(alice, ta, "/who"), b"*** In lobby (2): alice, bob\r\n")
        self.assertEqual(self.send(bob, tb, "/who lobby"), b"*** In lobby (2): alice, bob\r\n")
        self.assertEqual(
            self.send(alice, ta, "/who games"), b"*** Sorry, you are not in that room.\r\n"
        )
        self.assertEqual(self.send(alice, ta, "/who x y"), b"*** Usage: /who [room]\r\n")

    def test_list(self) -> None:
        """
        C{/list} shows everyone online, whatever their protocol or room.
        """
        alice, ta = self.connect("alice")
        other = RecordingParticipant()
        self.service.connect(other)
        self.service.login(other, "viaTchat")
        self.assertEqual(self.send(alice, ta, "/list"), b"*** Online (2): alice, viaTchat\r\n")
        self.assertEqual(self.send(alice, ta, "/users"), b"*** Online (2): alice, viaTchat\r\n")


class RoomKeyTests(TalkTestCase):
    def test_joinWithKey(self) -> None:
        """
        C{/join room key} enters a room that has a key; without it or with
        a wrong one, the person is told why.  A secret room is missing from
        C{/rooms} of people outside it.
        """
        owner = RecordingParticipant()
        self.service.connect(owner)
        self.service.login(owner, "owner")
        self.service.createRoom(owner, "den")
        self.service.enter(owner, "den")
        self.service.changeRoomModes(owner, "den", [(True, "k", "sesame"), (True, "s", "")])
        alice, ta = self.connect("alice")
        self.assertNotIn(b"den", self.send(alice, ta, "/rooms"))
        refusal = b"*** Sorry, that room has a key: give the right one to enter.\r\n"
        self.assertEqual(self.send(alice, ta, "/join den"), refusal)
        self.assertEqual(self.send(alice, ta, "/join den wrong"), refusal)
        self.assertEqual(
            self.send(alice, ta, "/join den sesame"), b"*** You joined den, with owner.\r\n"
        )
        self.assertIn(b"den (2 people)", self.send(alice, ta, "/rooms"))
