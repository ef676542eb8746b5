"""
Tests for L{chatd.admin.commands}: every console command and every bad
argument, driven through L{ConsoleLineProtocol} on a C{StringTransport}.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import COMMANDS, AdminConsole
from chatd.admin.outcome import Refusal
from chatd.admin.shell import BANNER, ConsoleLineProtocol
from chatd.admin.timespec import formatTime, parseDuration, parseTime
from chatd.core import errors
from chatd.core.events import Notice
from chatd.core.service import ChatService
from chatd.core.shutdown import DEFAULT_NOTICE
from chatd.modstore import AuditEntry, MemoryModerationStore
from chatd.talk.format import NICK_PROMPT
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, guestHost, output

PROMPT = "chatd> "
START = 1_795_000_000  # 2026-11-18 11:06:40 UTC

#: Each malformed command line and the command whose usage it must get.
BAD_ARGUMENTS = [
    ("messages", "messages"),
    ("messages yesterday", "messages"),
    ("messages 99999999999999", "messages"),
    ("messages \u0661\u0667\u0669\u0666\u0665\u0664\u0666\u0660\u0660\u0660", "messages"),
    ("messages \uff12\uff10\uff12\uff16-11-18", "messages"),
    ("messages \uff15m", "messages"),
    ("users now", "users"),
    ("rooms all", "rooms"),
    ("add room", "add room"),
    ("add room ,,", "add room"),
    ("add room ok,bad!name", "add room"),
    ("delete room", "delete room"),
    ("set room", "set room"),
    ("set room lobby approval", "set room"),
    ("set room lobby approval maybe", "set room"),
    ("set room lobby mode on", "set room"),
    ("set room lobby approval on extra", "set room"),
    ("pending rooms bob extra", "pending rooms"),
    ("pending rooms bad!nick", "pending rooms"),
    ("accept pending bob", "accept pending"),
    ("accept pending bob a,b extra", "accept pending"),
    ("accept pending bob bad!room", "accept pending"),
    ("refuse pending", "refuse pending"),
    ("refuse pending bob", "refuse pending"),
    ("refuse pending bob bad!room too late", "refuse pending"),
    ("refuse pending bad!nick lobby", "refuse pending"),
    ("kick", "kick"),
    ("kick bob", "kick"),
    ("kick bob 10m", "kick"),
    ("kick bob soon spamming", "kick"),
    ("kick bob 0 spamming", "kick"),
    ("kick bad!nick 10m spamming", "kick"),
    ("kick bob 99999999999999d spamming", "kick"),
    ("kick bob 3651d spamming", "kick"),
    ("kick bob \uff15m spamming", "kick"),
    ("unkick", "unkick"),
    ("unkick bob eve", "unkick"),
    ("ban", "ban"),
    ("ban bob", "ban"),
    ("ban ip", "ban ip"),
    ("ban ip 10.0.0.1", "ban ip"),
    ("ban ip 300.1.1.1 bad address", "ban ip"),
    ("ban ip 10.0.0.0/33 bad network", "ban ip"),
    ("ban ip 10.0.0.1 0h spam", "ban ip"),
    ("ban ip 10.0.0.1 3651d spam", "ban ip"),
    ("unban", "unban"),
    ("unban bob eve", "unban"),
    ("unban ip", "unban ip"),
    ("unban ip nowhere", "unban ip"),
    ("kill", "kill"),
    ("kill bob", "kill"),
    ("mute bob", "mute"),
    ("mute bob forever", "mute"),
    ("mute bob 999999999d", "mute"),
    ("mute bob \u0665m", "mute"),
    ("unmute", "unmute"),
    ("purge", "purge"),
    ("purge bad!nick", "purge"),
    ("purge bob lobby soon", "purge"),
    ("purge bob lobby 5 extra", "purge"),
    ("announce", "announce"),
    ("announce    ", "announce"),
    ("op", "op"),
    ("op bob eve", "op"),
    ("deop", "deop"),
    ("whois", "whois"),
    ("whois bad!nick", "whois"),
    ("stats everything", "stats"),
    ("audit 0", "audit"),
    ("audit lots", "audit"),
    ("audit 5001", "audit"),
    ("audit \uff15", "audit"),
    ("shutdown now", "shutdown"),
    ("help nosuchcommand", "help"),
    ("admins all", "admins"),
    ("admin grant", "admin grant"),
    ("admin grant bob eve", "admin grant"),
    ("admin grant bad!nick", "admin grant"),
    ("admin", "admin grant"),
    ("admin promote bob", "admin grant"),
    ("admin revoke", "admin revoke"),
    ("admin revoke bad!nick", "admin revoke"),
    ("add account", "add account"),
    ("add account pupil", "add account"),
    ("add account pupil one two", "add account"),
    ("account", "account password"),
    ("account password", "account password"),
    ("account password bob", "account password"),
    ("account password bob one two", "account password"),
    ("account password bob --sign-out", "account password"),
    ("account password bad!nick secret1", "account password"),
    ("account delete", "account delete"),
    ("account delete bad!nick", "account delete"),
    ("conversation", "conversation"),
    ("conversation bob alice", "conversation"),
    ("conversation bob bad!nick 1h", "conversation"),
    ("conversation bob alice yesterday", "conversation"),
    ("conversation bob alice 1h 2h", "conversation"),
    ("erase", "erase"),
    ("erase bad!nick", "erase"),
    ("erase bob alice", "erase"),
    ("messages lobby", "messages"),
    ("messages lobby 1h 2h", "messages"),
    ("topic", "topic"),
    ("topic lobby", "topic"),
    ("roomop", "roomop"),
    ("roomop lobby", "roomop"),
    ("roomop lobby bad!nick", "roomop"),
    ("founder", "founder"),
    ("founder lobby", "founder"),
    ("founder lobby bad!nick", "founder"),
]


class ConsoleTestCase(SynchronousTestCase):
    """
    A service with a room, a console for administrator C{root} on a
    C{StringTransport}, and helpers.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryModerationStore()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.service.moderation.store = self.store
        self.shutdowns: list[bool] = []
        self.console = AdminConsole(self.service, "root", lambda: self.shutdowns.append(True))
        self.protocol = ConsoleLineProtocol(self.console)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)
        self.assertEqual(BANNER + "\n" + PROMPT, self.transport.value().decode())
        self.transport.clear()

    def run_(self, line: str) -> str:
        """
        Type C{line}; return the reply without the prompt that follows it.
        """
        self.protocol.dataReceived(line.encode("utf-8") + b"\r\n")
        text: str = self.transport.value().decode("utf-8")
        self.transport.clear()
        self.assertTrue(text.endswith(PROMPT), text)
        return text[: -len(PROMPT)].rstrip("\n")

    def login(
        self, nick: str, address: str = "127.0.0.1", room: str | None = "lobby"
    ) -> RecordingParticipant:
        participant = RecordingParticipant(address)
        self.service.connect(participant)
        self.service.login(participant, nick)
        if room:
            self.service.enter(participant, room)
        return participant


class BadArgumentTests(ConsoleTestCase):
    """
    Every malformed command gets exactly one line: its usage.
    """

    def test_badArguments(self) -> None:
        """
        Each line of L{BAD_ARGUMENTS} gets C{usage: <that command's usage>},
        on one line, and changes nothing.
        """
        bob = self.login("bob")
        for line, command in BAD_ARGUMENTS:
            reply = self.run_(line)
            self.assertTrue(reply.startswith("usage: " + COMMANDS[command][0]), (line, reply))
            self.assertNotIn("\n", reply, line)
        self.assertIsNone(bob.disconnectedWith)
        self.assertEqual([], self.service.moderation.sanctions())
        self.assertEqual([], self.store.audit)
        self.assertEqual([("lobby", 1)], self.service.rooms())

    def test_everyCommandHasABadArgumentTest(self) -> None:
        """
        L{BAD_ARGUMENTS} covers every command.
        """
        self.assertEqual(set(COMMANDS), {command for _, command in BAD_ARGUMENTS})

    def test_unknownCommand(self) -> None:
        """
        An unknown command is named and C{help} suggested; an empty line
        just gets a new prompt.
        """
        self.assertEqual("unknown command 'frobnicate'; try: help", self.run_("frobnicate x"))
        self.assertEqual("", self.run_(""))


class CommandTests(ConsoleTestCase):
    """
    What each command does.
    """

    def test_help(self) -> None:
        """
        C{help} lists every command's usage; C{help <command>} explains one.
        """
        reply = self.run_("help")
        for usage, _ in COMMANDS.values():
            self.assertIn(usage, reply)
        self.assertEqual(len(COMMANDS) + 1, len(reply.splitlines()))
        self.assertTrue(reply.splitlines()[-1].startswith("quit "))
        self.assertEqual(
            "kick <username> <timeout> <reason>: " + COMMANDS["kick"][1], self.run_("help kick")
        )
        for leaving in ("quit", "exit", "logout"):
            self.assertEqual(
                "quit: leave the console (exit and logout too)", self.run_(f"help {leaving}")
            )

    def test_messages(self) -> None:
        """
        Without a store, C{messages} says that the server keeps no messages
        (tests/unit/admin/test_admin_store.py covers the store).
        """
        self.assertEqual(
            "this server keeps no messages (it runs without a store)", self.run_("messages 1h")
        )

    def test_users(self) -> None:
        """
        C{users} shows every connection: nick, address, protocol, since.
        """
        self.assertEqual("nobody is connected", self.run_("users"))
        self.login("bob", "192.0.2.1")
        self.clock.advance(60)
        anonymous = RecordingParticipant("2001:db8::5", "irc")
        self.service.connect(anonymous)
        lines = self.run_("users").splitlines()
        self.assertEqual(["nick", "address", "protocol", "since", "(UTC)"], lines[0].split())
        self.assertEqual(["bob", "192.0.2.1", "test", "2026-11-18", "11:06:40"], lines[1].split())
        self.assertEqual(
            ["(not", "logged", "in)", "2001:db8::5", "irc", "2026-11-18", "11:07:40"],
            lines[2].split(),
        )

    def test_roomsAndAddRoom(self) -> None:
        """
        C{add room} creates each room of a list (reporting those it cannot);
        C{rooms} shows mode, member count and (for approval rooms) requests
        waiting.
        """
        self.login("bob")
        self.assertEqual(
            "created Général\ncreated Blabla\nlobby: that room already exists",
            self.run_("add room Général, Blabla,lobby"),
        )
        lines = self.run_("rooms").splitlines()
        self.assertEqual(["room", "mode", "members", "waiting"], lines[0].split())
        self.assertEqual(
            [
                ["Blabla", "open", "0", "-"],
                ["Général", "open", "0", "-"],
                ["lobby", "open", "1", "-"],
            ],
            [line.split() for line in lines[1:]],
        )
        self.assertEqual("root", self.store.audit[-1].who)
        self.assertEqual("add room Général, Blabla,lobby", self.store.audit[-1].what)

    def test_addRoomWithMarks(self) -> None:
        """
        C{add room} of a name whose letters carry combining marks (Hindi
        C{हिन्दी}) creates it.
        """
        hindi = "\u0939\u093f\u0928\u094d\u0926\u0940"
        self.assertEqual(f"created {hindi}", self.run_(f"add room {hindi}"))
        self.assertIn(hindi, [name for name, _ in self.service.rooms()])

    def test_addRoomKeepsGuestsRoom(self) -> None:
        """
        C{add room} of a guest's room (which would vanish once emptied) makes
        it last, and says so; it then outlives its members.
        """
        guest = self.login("bob")
        self.service.createRoom(guest, "club")
        self.service.enter(guest, "club")
        self.assertEqual("kept club: a guest's room until now", self.run_("add room club"))
        self.assertFalse(self.service.roomVanishes("club"))
        self.service.leave(guest, "club")
        self.assertIn("club", [name for name, _ in self.service.rooms()])
        self.assertEqual("club: that room already exists", self.run_("add room club"))

    def test_pending(self) -> None:
        """
        Without a store there are no approval rooms: nobody waits, and
        accepting or refusing says why it cannot.
        """
        self.assertEqual("bob waits to enter no room", self.run_("pending rooms bob"))
        self.assertEqual(
            "lobby: this server keeps no accounts or history",
            self.run_("accept pending bob lobby"),
        )
        self.assertEqual(
            "lobby: this server keeps no accounts or history",
            self.run_("refuse pending bob lobby"),
        )

    def test_kickAndUnkick(self) -> None:
        """
        C{kick} disconnects the user with a Kicked error carrying the reason
        and refuses the nickname until the timeout passes; C{unkick} ends
        that early.
        """
        bob = self.login("bob")
        reply = self.run_("kick Bob 10m stop spamming")
        self.assertEqual("kicked Bob for 10m, until 2026-11-18 11:16:40 UTC", reply)
        assert bob.disconnectedWith is not None
        self.assertEqual(26, bob.disconnectedWith.code)
        self.assertEqual(
            "kicked by the administrator root for 10m: stop spamming", bob.disconnectedWith.text
        )
        self.assertIsNone(self.service.find("bob"))
        again = RecordingParticipant()
        self.service.connect(again)
        self.assertRaises(errors.Kicked, self.service.login, again, "bob")
        self.clock.advance(599)
        self.assertRaises(errors.Kicked, self.service.login, again, "bob")
        self.clock.advance(1)
        self.service.login(again, "bob")
        self.assertEqual(
            "kicked eve for 1h, until 2026-11-18 12:16:40 UTC (not connected now)",
            self.run_("kick eve 1h x"),
        )
        self.assertEqual("eve may log in again", self.run_("unkick eve"))
        self.assertEqual("eve is not kicked", self.run_("unkick eve"))
        self.assertEqual(
            ["kick Bob 10m stop spamming", "kick eve 1h x", "unkick eve"],
            [entry.what for entry in self.store.audit],
        )

    def test_banAndUnban(self) -> None:
        """
        C{ban} disconnects and refuses the nickname for good; C{unban} lifts it.
        """
        bob = self.login("bob")
        self.assertEqual("banned bob", self.run_("ban bob abusive"))
        assert bob.disconnectedWith is not None
        self.assertEqual(
            (24, "banned by the administrator root: abusive"),
            (bob.disconnectedWith.code, bob.disconnectedWith.text),
        )
        self.clock.advance(10 * 365 * 86400)
        self.assertRaises(errors.Banned, self.service.login, RecordingParticipant(), "bob")
        self.assertEqual("banned eve (not connected now)", self.run_("ban eve troll"))
        self.assertEqual("unbanned bob", self.run_("unban bob"))
        self.assertEqual("bob is not banned", self.run_("unban bob"))
        self.service.login(RecordingParticipant(), "bob")

    def test_banUserNamedIp(self) -> None:
        """
        A user called "ip" is banned and unbanned as C{@ip}; C{ban ip} with
        a word that is no address says so; a long room name is a room name.
        """
        ip = self.login("ip")
        self.assertEqual(
            "usage: ban ip [--force] <ip|network/bits> [timeout] <reason> ('spamming' is not an"
            " address or network; for the user named ip, write @ip)",
            self.run_("ban ip spamming a lot"),
        )
        self.assertIsNone(ip.disconnectedWith)
        self.assertEqual("banned ip", self.run_("ban @ip spamming a lot"))
        assert ip.disconnectedWith is not None
        self.assertEqual(24, ip.disconnectedWith.code)
        self.assertEqual("unbanned ip", self.run_("unban @ip"))
        longName = "R" * 49
        self.assertEqual(f"created {longName}", self.run_(f"add room {longName}"))
        self.assertIn("is not a room name", self.run_(f"add room {longName}R"))
        header, *rows = self.run_("rooms").split("\n")
        self.assertEqual({header.index("mode")}, {row.index("open") for row in rows})

    def test_nothingDoneIsRefusal(self) -> None:
        """
        A command that did nothing (nobody to unban, a room that exists) is
        a refusal, which an SSH one-shot command exits 1 for.
        """
        for line in ("unban nobody", "unkick nobody", "unmute nobody", "kill nobody x"):
            self.assertIsInstance(self.successResultOf(self.console.execute(line)), Refusal)
        self.assertIsInstance(self.successResultOf(self.console.execute("add room lobby")), Refusal)
        made = self.successResultOf(self.console.execute("add room lobby,fresh"))
        self.assertNotIsInstance(made, Refusal)

    def test_banAddress(self) -> None:
        """
        C{ban ip} drops current connections from the network, logged in or
        not, and refuses new ones; C{unban ip} lifts it.
        """
        bob = self.login("bob", "10.9.8.7")
        early = RecordingParticipant("10.1.1.1")
        self.service.connect(early)
        alice = self.login("alice", "192.0.2.1")
        self.assertEqual(
            "banned 10.0.0.0/8; 2 connection(s) closed", self.run_("ban ip 10.1.2.3/8 botnet")
        )
        for person in (bob, early):
            assert person.disconnectedWith is not None
            self.assertEqual(24, person.disconnectedWith.code)
        self.assertIsNone(alice.disconnectedWith)
        self.assertRaises(errors.Banned, self.service.connect, RecordingParticipant("10.0.0.1"))
        self.assertEqual("unbanned 10.0.0.0/8", self.run_("unban ip 10.0.0.0/8"))
        self.assertEqual("10.0.0.0/8 is not banned", self.run_("unban ip 10.0.0.0/8"))
        self.service.connect(RecordingParticipant("10.0.0.1"))
        self.assertEqual(
            "banned 192.0.2.9/32; 0 connection(s) closed", self.run_("ban ip 192.0.2.9 x")
        )

    def test_kill(self) -> None:
        """
        C{kill} ends the session with a Killed error but does not refuse the
        nickname afterwards.
        """
        bob = self.login("bob")
        self.assertEqual("killed bob", self.run_("kill bob flooding"))
        assert bob.disconnectedWith is not None
        self.assertEqual(
            (27, "killed by the administrator root: flooding"),
            (bob.disconnectedWith.code, bob.disconnectedWith.text),
        )
        self.service.login(RecordingParticipant(), "bob")
        self.assertEqual("nobody is not connected", self.run_("kill nobody x"))

    def test_killAddress(self) -> None:
        """
        C{kill} of an address (as C{users} shows it) closes the connections
        from it that have not logged in, and only those; an address with
        none is refused.
        """
        waiting = [RecordingParticipant("192.0.2.7") for _ in range(2)]
        for participant in waiting:
            self.service.connect(participant)
        other = RecordingParticipant("192.0.2.8")
        self.service.connect(other)
        bob = self.login("bob", "192.0.2.7")
        self.assertEqual(
            "closed 2 connection(s) from 192.0.2.7 not logged in",
            self.run_("kill 192.0.2.7 silent"),
        )
        for participant in waiting:
            assert participant.disconnectedWith is not None
            self.assertEqual(
                (27, "closed by the administrator root: silent"),
                (participant.disconnectedWith.code, participant.disconnectedWith.text),
            )
        self.assertEqual((bob.disconnectedWith, other.disconnectedWith), (None, None))
        self.assertEqual(
            "no connection from 192.0.2.7 is waiting to log in", self.run_("kill 192.0.2.7 x")
        )
        self.assertEqual(sorted(self.service.connections(), key=id), sorted([bob, other], key=id))

    def test_muteAndUnmute(self) -> None:
        """
        C{mute} tells the user and refuses their messages until the timeout;
        C{unmute} lifts it early and tells them.
        """
        bob, alice = self.login("bob"), self.login("alice")
        self.assertEqual("muted bob for 2m", self.run_("mute bob 2m cool off"))
        notice = bob.events[-1]
        assert isinstance(notice, Notice)
        self.assertEqual("you are muted for 2m by the administrator root: cool off", notice.text)
        self.assertRaises(errors.Muted, self.service.say, bob, "lobby", ("hi",))
        self.assertEqual("unmuted bob", self.run_("unmute bob"))
        self.assertIn("you may speak again", bob.events[-1].text)  # type: ignore[attr-defined]
        self.service.say(bob, "lobby", ("hi",))
        self.assertEqual("bob is not muted", self.run_("unmute bob"))
        self.assertEqual("muted alice for 30s", self.run_("mute alice 30"))
        self.assertEqual("muted mm1 for 1m (not connected now)", self.run_("mute mm1 1m"))
        self.clock.advance(30)
        self.service.say(alice, "lobby", ("free",))

    def test_announce(self) -> None:
        """
        C{announce} sends a notice to every logged-in user.
        """
        bob, alice = self.login("bob"), self.login("alice", room=None)
        self.assertEqual("announced to 2 user(s)", self.run_("announce  Restart at 18:00 "))
        for person in (bob, alice):
            self.assertEqual("Restart at 18:00", person.events[-1].text)  # type: ignore[attr-defined]

    def test_opAndDeop(self) -> None:
        """
        C{op} lets a user kick through the service; C{deop} takes it away.
        She is told, then her room shows her an operator.
        """
        carol, bob = self.login("carol"), self.login("bob")
        self.service.people.accounts.prove(carol, "carol")  # she logged in with her password
        self.assertEqual("carol is now an operator", self.run_("op carol"))
        self.assertEqual("Carol is already an operator", self.run_("op Carol"))
        self.assertEqual(
            [
                "the administrator root made you an operator",
                "the administrator root set mode +o carol on lobby",
            ],
            [event.text for event in carol.events[-2:]],  # type: ignore[attr-defined]
        )
        self.service.kick(carol, "bob", "enough")
        assert bob.disconnectedWith is not None
        self.assertEqual("carol is no longer an operator", self.run_("deop carol"))
        self.assertEqual("carol is not an operator", self.run_("deop carol"))
        self.assertRaises(errors.NotPermitted, self.service.kick, carol, "carol")

    def test_opOfAGuest(self) -> None:
        """
        C{op} of a name whose holder now is a guest (no password login)
        says the rights come at a password login, and tells the guest so,
        not that they are an operator.
        """
        gop = self.login("gop")
        self.assertEqual(
            "gop is now an operator, once logged in to the account with its password (not now)",
            self.run_("op gop"),
        )
        self.assertIn("the rights come once you log in", gop.events[-1].text)  # type: ignore[attr-defined]
        self.assertFalse(self.service.isOperator(gop))

    def test_whois(self) -> None:
        """
        C{whois} shows connection, rooms, operator rights and sanctions.
        """
        self.login("bob", "192.0.2.1")
        self.run_("op bob")
        self.run_("mute bob 1h shouting")
        self.assertEqual(
            "bob: connected from 192.0.2.1 over test since 2026-11-18 11:06:40 UTC\n"
            "rooms: lobby\n"
            f"host: {guestHost(self.service, '192.0.2.1')}\n"
            "operator once logged in to the account with its password (not now)\n"
            "muted by root for 1h more: shouting",
            self.run_("whois BOB"),
        )
        self.run_("ban eve troll")
        self.assertEqual(
            "eve: not connected\nbanned by root for good: troll", self.run_("whois eve")
        )

    def test_stats(self) -> None:
        """
        C{stats} counts connections per protocol, messages and sanctions, and
        reports memory.
        """
        bob = self.login("bob")
        self.service.connect(RecordingParticipant("127.0.0.1", "irc"))
        for _ in range(30):
            self.service.say(bob, "lobby", ("x",))
        self.run_("ban eve x")
        lines = self.run_("stats").splitlines()
        self.assertEqual(
            [
                "connections: 2 (irc 1, test 1)",
                "logged in: 1",
                "rooms: 1",
                "messages per second: 0.50 (last minute)",
                "bans: 1, kicks: 0, mutes: 0",
            ],
            lines[:5],
        )
        self.assertRegex(lines[5], r"^memory: \d+ kB")

    def test_statsSanctionsNotLoaded(self) -> None:
        """
        While the stored sanctions are not loaded, C{stats} says so under
        the counts of sanctions (which are then not the whole story).
        """
        self.service.stats.sanctionsProblem = "the sanctions could not be loaded: X"
        lines = self.run_("stats").splitlines()
        self.assertEqual("sanctions: the sanctions could not be loaded: X", lines[5])

    def test_audit(self) -> None:
        """
        C{audit} shows the last actions with when and who, C{audit N} the
        last N.
        """
        self.assertEqual("no administrator actions recorded", self.run_("audit"))
        self.run_("ban eve troll")
        self.clock.advance(61)
        self.run_("op carol")
        self.run_("users")  # looking is not an action
        self.assertEqual(
            "2026-11-18 11:06:40  root          ban eve troll\n"
            "2026-11-18 11:07:41  root          op carol",
            self.run_("audit"),
        )
        self.assertEqual("2026-11-18 11:07:41  root          op carol", self.run_("audit 1"))

    def test_shutdown(self) -> None:
        """
        C{shutdown} records itself, has the stop's notice name the
        administrator, and calls the daemon's stop function (the stop tells
        every user, once); a console without one says so.
        """
        bob = self.login("bob")
        told = len(bob.events)
        self.assertEqual("shutting down", self.run_("shutdown"))
        self.assertEqual([True], self.shutdowns)
        self.assertEqual(told, len(bob.events))
        self.assertEqual(
            f"The server is shutting down now (by the administrator root). {DEFAULT_NOTICE}",
            self.service.goodbye.text(),
        )
        self.assertEqual("shutdown", self.store.audit[-1].what)
        bare = AdminConsole(self.service, "x")
        self.assertEqual(
            "shutdown is not available from this console",
            self.successResultOf(bare.execute("shutdown")),
        )

    def test_internalError(self) -> None:
        """
        An unexpected exception is logged with its traceback and answered
        with one line; the console goes on.
        """

        def broken() -> list[tuple[str, int]]:
            raise RuntimeError("bug")

        self.service.rooms = broken  # type: ignore[method-assign]
        self.assertEqual("internal error (logged with its traceback)", self.run_("rooms"))
        self.assertEqual(1, len(self.flushLoggedErrors(RuntimeError)))
        self.assertEqual("nobody is connected", self.run_("users"))

    def test_repliesInOrder(self) -> None:
        """
        A command waiting on the store holds back the lines after it, so
        replies come in command order.
        """
        pending: Deferred[list[AuditEntry]] = Deferred()
        self.store.lastAudit = lambda limit: pending  # type: ignore[method-assign]
        self.protocol.dataReceived(b"audit\nrooms\n")
        self.assertEqual(b"", self.transport.value())
        pending.callback([AuditEntry(START, "root", "op carol")])
        self.assertEqual(
            "2026-11-18 11:06:40  root          op carol\n" + PROMPT + "room",
            self.transport.value().decode()[: len(PROMPT) + 48],
        )

    def test_quit(self) -> None:
        """
        C{quit} closes the console connection (on the daemon's own
        terminal, C{--console}) and says that the daemon runs on, and how
        to stop it.
        """
        self.protocol.dataReceived(b"quit\n")
        self.assertTrue(self.transport.disconnecting)
        self.assertEqual(
            self.transport.value(),
            b"console closed; the daemon keeps running: Ctrl+C or SIGTERM stops it\n",
        )


class TchatModerationTests(SynchronousTestCase):
    """
    What TCHAT users see of moderation: the error code, then the close.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TchatFactory(self.service, self.clock, aliveAfter=None)
        self.console = AdminConsole(self.service, "root")

    def tchat(self, nick: str, host: str = "127.0.0.1") -> tuple[object, StringTransport]:
        proto, transport = connect(self.factory, self.clock, host)
        proto.dataReceived(f"clt: LOGIN {nick}\n".encode())
        self.assertEqual(b"srv: TCHAT 1\nsrv: OKAY!\n", output(transport, self.clock))
        return proto, transport

    def test_kicked(self) -> None:
        """
        A kicked TCHAT user is told who kicked them, for how long and why
        (a C{NOTICE}), then gets C{srv: ERROR 26} and is disconnected; LOGIN
        again gets 26 until the timeout passes.
        """
        _, transport = self.tchat("bob")
        self.successResultOf(self.console.execute("kick bob 30 spam"))
        self.assertEqual(
            b"srv: NOTICE 0\nsrv: kicked by the administrator root for 30s: spam\nsrv: .\n"
            b"srv: ERROR 26\n",
            output(transport, self.clock),
        )
        self.assertTrue(transport.disconnecting)
        proto, again = connect(self.factory, self.clock)
        proto.dataReceived(b"clt: LOGIN bob\n")
        self.assertEqual(b"srv: TCHAT 1\nsrv: ERROR 26\n", output(again, self.clock))
        self.clock.advance(30)
        proto.dataReceived(b"clt: LOGIN bob\n")
        self.assertEqual(b"srv: OKAY!\n", output(again, self.clock))

    def test_shutdownOneNotice(self) -> None:
        """
        The console's C{shutdown} reaches a TCHAT user as one C{NOTICE}
        block, the administrator's name and the configured notice, then
        C{srv: ERROR 03}.
        """
        self.service.goodbye.notice = "Back in 5 minutes."
        console = AdminConsole(self.service, "root", self.service.stopService)
        _, transport = self.tchat("bob")
        self.successResultOf(console.execute("shutdown"))
        self.assertEqual(
            b"srv: NOTICE 0\nsrv: The server is shutting down now (by the administrator root)."
            b" Back in 5 minutes.\n"
            b"srv: .\nsrv: ERROR 03\n",
            output(transport, self.clock),
        )

    def test_bannedAddress(self) -> None:
        """
        A TCHAT connection from a banned address gets C{srv: ERROR 24}
        instead of the greeting and is closed.
        """
        self.successResultOf(self.console.execute("ban ip 192.0.2.0/24 bots"))
        _, transport = connect(self.factory, self.clock, "192.0.2.50")
        self.assertEqual(b"srv: ERROR 24\n", output(transport, self.clock))
        self.assertTrue(transport.disconnecting)

    def test_mutedAndKilled(self) -> None:
        """
        A muted TCHAT user's SPEAK gets C{srv: ERROR 25}; a killed one gets
        a NOTICE saying who and why, then 27; its connection is no longer
        counted once closed, and it may log in again at once.
        """
        proto, transport = self.tchat("bob")
        proto.dataReceived(b"clt: ENTER lobby\n")  # type: ignore[attr-defined]
        output(transport, self.clock)
        self.successResultOf(self.console.execute("mute bob 1m"))
        self.assertTrue(output(transport, self.clock).startswith(b"srv: NOTICE "))
        proto.dataReceived(b"clt: SPEAK lobby\nclt: hi\nclt: .\n")  # type: ignore[attr-defined]
        self.assertEqual(b"srv: ERROR 25\n", output(transport, self.clock))
        self.successResultOf(self.console.execute("kill bob bye"))
        self.assertEqual(
            b"srv: NOTICE 0\nsrv: killed by the administrator root: bye\nsrv: .\nsrv: ERROR 27\n",
            output(transport, self.clock),
        )
        self.assertTrue(transport.disconnecting)
        proto.connectionLost(None)  # type: ignore[attr-defined]
        self.assertEqual(self.service.connections(), [])
        self.tchat("bob")


class TalkModerationTests(SynchronousTestCase):
    """
    What talk-mode users see of moderation: the reason in words.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.service = ChatService(self.clock, rooms=["lobby"])
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.console = AdminConsole(self.service, "root")

    def talk(self, nick: str) -> tuple[Any, StringTransport, bytes]:
        proto, transport = connect(self.factory, self.clock)
        self.assertTrue(output(transport, self.clock).endswith(NICK_PROMPT.encode()))
        proto.dataReceived(nick.encode() + b"\r\n")
        return proto, transport, output(transport, self.clock)

    def test_kicked(self) -> None:
        """
        A kicked talk user is told who kicked them, for how long and why,
        and is disconnected; picking that nickname again is refused with the
        time left until the timeout passes.
        """
        _, transport, welcome = self.talk("carol")
        self.assertIn(b"Welcome, carol!", welcome)
        self.successResultOf(self.console.execute("kick carol 30 rude"))
        self.assertIn(
            b"You have been disconnected: kicked by the administrator root for 30s: rude.",
            output(transport, self.clock),
        )
        self.assertTrue(transport.disconnecting)
        self.clock.advance(10)
        proto, again, refused = self.talk("carol")
        self.assertIn(b"Sorry, you were kicked, come back for 20s more: rude.", refused)
        self.clock.advance(20)
        proto.dataReceived(b"carol\r\n")
        self.assertIn(b"Welcome, carol!", output(again, self.clock))
        proto.dataReceived(b"/quit\r\n")
        output(again, self.clock)

    def test_administratorNotImpersonated(self) -> None:
        """
        A console administrator's name (C{teacher}, not reserved) may be a
        chat user's too: what the console does is shown as the
        administrator's, in a form no nickname can take, so that a chat
        user called C{teacher} cannot pass for them.
        """
        console = AdminConsole(self.service, "teacher")
        _, transport, _ = self.talk("teacher")
        _, carolOut, _ = self.talk("carol")
        self.successResultOf(console.execute("mute carol 5m"))
        self.assertIn(
            b"you are muted for 5m by the administrator teacher", output(carolOut, self.clock)
        )
        self.successResultOf(console.execute("delete room lobby too noisy"))
        self.assertIn(
            b"You were kicked from lobby by the administrator teacher (room deleted: too noisy).",
            output(carolOut, self.clock),
        )
        self.successResultOf(console.execute("kick carol 30 rude"))
        self.assertIn(
            b"disconnected: kicked by the administrator teacher for 30s: rude.",
            output(carolOut, self.clock),
        )
        self.assertFalse(transport.disconnecting)

    def test_muted(self) -> None:
        """
        A muted talk user is told, and told again when they try to speak.
        """
        proto, transport, _ = self.talk("carol")
        self.successResultOf(self.console.execute("mute carol 5m"))
        self.assertIn(
            b"you are muted for 5m by the administrator root", output(transport, self.clock)
        )
        proto.dataReceived(b"hello\r\n")
        self.assertIn(b"you are muted for 5m more", output(transport, self.clock))
        proto.dataReceived(b"/quit\r\n")
        output(transport, self.clock)


class TimeSpecTests(SynchronousTestCase):
    """
    Durations and times as administrators type them.
    """

    def test_durations(self) -> None:
        """
        Seconds, minutes, hours, days, weeks and combinations.
        """
        self.assertEqual(
            [30, 30, 600, 7200, 86400, 5400, 604800],
            [parseDuration(t) for t in ("30", "30s", "10m", "2h", "1d", "1h30m", "1w")],
        )
        for bad in ("", "0", "m", "10x", "-5", "1.5h", "10 m", "\uff15m", "\u0665"):
            self.assertRaises(ValueError, parseDuration, bad)

    def test_times(self) -> None:
        """
        UTC dates, spans ago and Unix times.
        """
        now = float(START)
        self.assertEqual(START, parseTime("2026-11-18 11:06:40", now))
        self.assertEqual(START - 40, parseTime("2026-11-18 11:06", now))
        self.assertEqual(START - 3600, parseTime("1h", now))
        self.assertEqual(12345, parseTime("12345", now))
        self.assertEqual("2026-11-18 11:06:40", formatTime(START))
        for bad in (
            *("yesterday", "2026-13-01", "", "99999999999999", "9999-01-01", "3651d"),
            *("\u0661\u0667\u0669\u0666\u0665\u0664\u0666\u0660\u0660\u0660", "\uff15m"),
            "\uff12\uff10\uff12\uff16-11-18 11:06",
        ):
            self.assertRaises(ValueError, parseTime, bad, now)

    def test_bounds(self) -> None:
        """
        A timeout may be ten years and no more; formatting any time, even
        one past the calendar, never raises.
        """
        self.assertEqual(3650 * 86400, parseDuration("3650d"))
        for bad in ("3651d", "999999999d", "99999999999999d"):
            self.assertRaises(ValueError, parseDuration, bad)
        self.assertEqual("Unix time 8639999999999913984", formatTime(99999999999999 * 86400.0))
