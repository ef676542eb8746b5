"""
Talk mode with accounts and history (issue #4): the password prompt and its
hidden echo, C{/register}, C{/history}, approval rooms, where a newcomer
lands, and history and waiting private messages shown with their time; in
memory against a service with a store.
"""

from __future__ import annotations

import time
from typing import Any, cast

from twisted.conch import telnet
from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, formatEvent, globalLogPublisher

from chatd.core.accounts import PasswordRules
from chatd.core.limits import HISTORY_COUNT
from chatd.core.service import ChatService
from chatd.talk.commands import helpText
from chatd.talk.format import (
    AGAIN_PROMPT,
    NICK_PROMPT,
    PASSWORD_PROMPT,
)
from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import OutageStore, PersistenceTestCase

PROMPT = NICK_PROMPT.encode()
WILL_ECHO = telnet.IAC + telnet.WILL + telnet.ECHO
WONT_ECHO = telnet.IAC + telnet.WONT + telnet.ECHO
DO_ECHO = telnet.IAC + telnet.DO + telnet.ECHO
DONT_ECHO = telnet.IAC + telnet.DONT + telnet.ECHO
ASKED = b"*** alice is a registered nickname.\r\n" + WILL_ECHO + PASSWORD_PROMPT.encode()

#: A wrong password, the first, and the prompt that asks again.
WRONG = b"*** Sorry, wrong password: try again (2 tries left).\r\n"
AGAIN_ALICE = b"Password for alice (or just Enter to pick another nickname): "

#: The note that one line typed ahead of a refusal was dropped.
IGNORED_ONE = (
    b"*** 1 line you typed ahead was ignored: only what you type at this prompt is taken"
    b" as a nickname.\r\n"
)

#: What a newcomer alone in a fresh chat reads after the welcome.
LANDED = b"*** You joined lobby; nobody else is here yet.\r\n" + helpText()


def hhmm(when: int) -> str:
    return time.strftime("%H:%M", time.localtime(when))


class TalkAccountTestCase(PersistenceTestCase):
    """
    A service with a store (fresh: Général takes every newcomer, Marketing
    needs approval) and a talk factory whose default room is C{lobby}.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.transports: dict[TalkProtocol, StringTransport] = {}

    def connect(self) -> tuple[TalkProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        self.assertTrue(output(transport, self.clock).endswith(PROMPT))
        return proto, transport

    def send(self, proto: TalkProtocol, transport: StringTransport, *lines: str) -> bytes:
        proto.dataReceived("".join(line + "\r\n" for line in lines).encode("utf-8"))
        return output(transport, self.clock)

    def raw(self, proto: TalkProtocol, transport: StringTransport, data: bytes) -> bytes:
        proto.dataReceived(data)
        return output(transport, self.clock)

    def talkLogin(self, nick: str, password: str | None = None) -> tuple[TalkProtocol, bytes]:
        proto, t = self.connect()
        seen = self.send(proto, t, nick)
        if password is not None:
            self.assertTrue(seen.endswith(PASSWORD_PROMPT.encode()), seen)
            seen = self.raw(proto, t, DO_ECHO + password.encode() + b"\r\n" + DONT_ECHO)
        self.assertIn(f"*** Welcome, {nick}!".encode(), seen)
        self.transports[proto] = t
        return proto, seen


class LoginTests(TalkAccountTestCase):
    def test_unregisteredLanding(self) -> None:
        """
        An unregistered name logs in without a password and lands in the
        default room (its current room), talk mode's own choice: the
        service puts a guest in no room.
        """
        alice, seen = self.talkLogin("alice")
        self.assertEqual(seen, b"*** Welcome, alice!\r\n" + LANDED)
        self.assertEqual(alice.room, "lobby")
        self.assertEqual(self.service.roomsOf(alice), ["lobby"])
        self.clock.advance(1)
        self.assertEqual(output(self.transports[alice], self.clock), b"")
        self.service.announce("maintenance at noon")
        self.assertEqual(
            output(self.transports[alice], self.clock),
            b"*** Server notice: maintenance at noon\r\n",
        )

    def test_defaultRoomNeedsApproval(self) -> None:
        """
        When the default room needs approval, the newcomer's request waits
        and their current room is the first room the service put them in
        (an C{--autojoin} room), or none.
        """
        self.factory = TalkFactory(self.service, self.clock, defaultRoom="Marketing")
        alice, seen = self.talkLogin("alice")
        self.assertEqual(
            seen,
            b"*** Welcome, alice!\r\n"
            b"*** Waiting for an operator's approval to enter Marketing; you will be told.\r\n"
            b"*** You are in no room: /rooms lists them, /join <room> enters.\r\n" + helpText(),
        )
        self.assertIsNone(alice.room)
        self.service = self.makeService(autojoin=["Général"])
        self.factory = TalkFactory(self.service, self.clock, defaultRoom="Marketing")
        bob, seen = self.talkLogin("bob")
        self.assertEqual(
            seen,
            b"*** Welcome, bob!\r\n"
            b"*** Waiting for an operator's approval to enter Marketing; you will be told.\r\n"
            + "*** You are in Général; nobody else is here yet.\r\n".encode()
            + helpText(),
        )
        self.assertEqual(bob.room, "Général")
        # Guest alice's request ended with the first service (a restart).
        self.assertEqual(self.service.pendingRequests(), [("Marketing", "bob")])

    def test_acceptedWhileInNoRoom(self) -> None:
        """
        A user in no room whom an operator accepts in a room still has no
        current room: a plain line is refused until they C{/join} it, and
        never said there on its own.
        """
        self.factory = TalkFactory(self.service, self.clock, defaultRoom="Marketing")
        alice, _ = self.talkLogin("alice")
        t = self.transports[alice]
        self.successResultOf(self.service.acceptPending("Marketing", "alice"))
        output(t, self.clock)
        self.assertEqual(
            self.send(alice, t, "hello?"),
            b"*** Not sent: you have no current room; /join <room> chooses one"
            b" (you are in Marketing).\r\n",
        )
        self.assertEqual(self.successResultOf(self.service.history(alice, "Marketing")), [])
        self.assertEqual(
            self.send(alice, t, "/join Marketing"), b"*** You are now talking in Marketing.\r\n"
        )

    def test_registeredPassword(self) -> None:
        """
        A registered name gets a password prompt preceded by C{IAC WILL
        ECHO} (the client stops echoing); the client's C{DO ECHO} is not
        answered, the password line is answered with a line end (the client
        echoed none) and, once checked, C{IAC WONT ECHO}; the client's C{DONT ECHO} is not
        answered, and the user is in their rooms from last time.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "alice"), ASKED)
        self.assertEqual(self.raw(proto, t, DO_ECHO), b"")
        seen = self.raw(proto, t, b"sesame\r\n")
        self.assertTrue(seen.startswith(b"\r\n" + WONT_ECHO + b"*** Welcome, alice!\r\n"), seen)
        self.assertNotIn(b"sesame", seen)
        self.assertEqual(self.raw(proto, t, DONT_ECHO), b"")
        self.assertEqual(proto.nick, "alice")
        self.assertEqual(proto.room, "lobby")

    def test_savedRoomsRestored(self) -> None:
        """
        A registered user who was in the default room last time is told
        they are in it (no "joined"), and about their other rooms.
        """
        alice, _ = self.talkLogin("alice")
        self.send(alice, self.transports[alice], "/register sesame", "/join games")
        alice.transport.loseConnection()  # type: ignore[union-attr]
        alice.connectionLost(None)
        _, seen = self.talkLogin("alice", "sesame")
        self.assertIn(b"*** You are in lobby; nobody else is here yet.\r\n", seen)
        self.assertIn(
            "*** You are also in Général, games: /join <room> talks there.\r\n".encode(), seen
        )

    def test_wrongPassword(self) -> None:
        """
        A wrong password is "wrong password" and the password is asked
        again, echo still off; the name stays free.  Just Enter there turns
        echo back on and shows the nickname prompt.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.send(proto, t, "alice")
        self.raw(proto, t, DO_ECHO)
        self.assertEqual(self.send(proto, t, "guess"), b"\r\n" + WRONG + AGAIN_ALICE)
        self.assertIsNone(proto.nick)
        self.assertIsNone(self.service.find("alice"))
        self.assertEqual(self.send(proto, t, ""), b"\r\n" + WONT_ECHO + PROMPT)
        self.raw(proto, t, DONT_ECHO)
        self.assertEqual(self.send(proto, t, "bob"), b"*** Welcome, bob!\r\n" + LANDED)

    def test_emptyPasswordPicksAnotherName(self) -> None:
        """
        Just Enter at the password prompt goes back to the nickname prompt.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.send(proto, t, "alice")
        self.raw(proto, t, DO_ECHO)
        self.assertEqual(self.send(proto, t, ""), b"\r\n" + WONT_ECHO + PROMPT)
        self.assertIsNone(proto.nick)

    def test_refusedLineAtPasswordPrompt(self) -> None:
        """
        A line that is not UTF-8 at the password prompt is explained on a
        line of its own (nothing was echoed), then the password prompt comes
        again, echo still off; the password typed then logs in.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.send(proto, t, "alice")
        self.raw(proto, t, DO_ECHO)
        self.assertEqual(
            self.raw(proto, t, b"secr\xe9t\r\n"),
            b"\r\n*** Your line was not valid UTF-8 and was ignored; please set your terminal to"
            b" UTF-8.\r\n" + PASSWORD_PROMPT.encode(),
        )
        self.assertTrue(proto.telnet.inputHidden())
        self.assertIn(b"*** Welcome, alice!", self.send(proto, t, "sesame"))

    def test_refusedLineAtRegisterPrompts(self) -> None:
        """
        A line that is not UTF-8 at C{/register}'s prompts is explained,
        then the prompt it was typed at comes again.
        """
        alice = self.talkLogin("alice")[0]
        ta = self.transports[alice]
        new = b"New password (4 to 1024 characters, no spaces; just Enter to cancel): "
        self.assertEqual(self.send(alice, ta, "/register"), WILL_ECHO + new)
        self.raw(alice, ta, DO_ECHO)
        refused = (
            b"\r\n*** Your line was not valid UTF-8 and was ignored; please set your terminal to"
            b" UTF-8.\r\n"
        )
        self.assertEqual(self.raw(alice, ta, b"\xe9\r\n"), refused + new)
        self.assertEqual(self.send(alice, ta, "sesame"), b"\r\n" + AGAIN_PROMPT.encode())
        self.assertEqual(self.raw(alice, ta, b"\xe9\r\n"), refused + AGAIN_PROMPT.encode())

    def test_backoffRespected(self) -> None:
        """
        After three wrong passwords the next one is answered only when the
        back-off has passed, which the refusal says; what is typed
        meanwhile waits its turn, and is dropped when the answer is no: it
        is not taken as the next password, nor as a nickname.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "alice"), ASKED)
        self.raw(proto, t, DO_ECHO)
        self.send(proto, t, "guess")
        self.send(proto, t, "guess")
        last = self.send(proto, t, "guess")
        self.assertTrue(last.endswith(b"checked in 1 second.\r\n" + PROMPT), last)
        self.raw(proto, t, DONT_ECHO)
        self.assertEqual(self.send(proto, t, "alice"), ASKED)
        self.assertEqual(self.raw(proto, t, DO_ECHO + b"guess\r\nbob\r\n"), b"\r\n")
        self.clock.advance(0.5)
        self.assertEqual(output(t, self.clock), b"")
        self.clock.advance(0.5)
        self.assertEqual(
            output(t, self.clock),
            WRONG
            + IGNORED_ONE.replace(b"as a nickname", b"as the password")
            + b"*** Too many wrong passwords lately: the next one is checked in 2 seconds.\r\n"
            + AGAIN_ALICE,
        )
        self.assertIsNone(proto.nick)
        self.send(proto, t, "")
        self.assertIn(b"*** Welcome, bob!", self.send(proto, t, "bob"))

    def test_passwordNeverLogged(self) -> None:
        """
        A bug met while checking a password is logged without the line
        (hence without the password); the person gets the apology and the
        nickname prompt.  The same holds for C{/register}.
        """
        self.registered("alice", "sesame")
        events: list[dict[str, Any]] = []
        observer = cast(ILogObserver, events.append)  # any callable taking an event will do
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        assert self.service.persistence is not None

        def broken(*args: object) -> None:
            raise RuntimeError("bug")

        self.patch(self.service.persistence.accounts, "authenticate", broken)
        proto, t = self.connect()
        self.send(proto, t, "alice")
        self.assertEqual(
            self.send(proto, t, "sesame"),
            b"*** Sorry, something went wrong on the server. Please try again.\r\n" + PROMPT,
        )
        self.send(proto, t, "bob")
        self.patch(self.service, "register", broken)
        self.assertIn(b"went wrong", self.send(proto, t, "/register s3cret"))
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 2)
        logged = "".join(repr(event) + formatEvent(event) for event in events)
        self.assertIn("password", logged)
        for secret in ("sesame", "s3cret"):
            self.assertNotIn(secret, logged)

    def retryWithEchoShown(self, proto: TalkProtocol, t: StringTransport) -> None:
        """
        alice, asked her password by a client that does not hide what is
        typed, types a wrong one (no line end or C{WONT ECHO} before the
        answer), then Enter, which goes back to the nickname prompt; her
        name again is asked her password with no second offer to hide it,
        and the right one logs in.
        """
        self.assertEqual(self.send(proto, t, "guess"), WRONG + AGAIN_ALICE)
        self.assertEqual(self.send(proto, t, ""), PROMPT)
        self.assertEqual(
            self.send(proto, t, "alice"),
            b"*** alice is a registered nickname.\r\n" + PASSWORD_PROMPT.encode(),
        )
        self.assertTrue(self.send(proto, t, "sesame").startswith(b"*** Welcome, alice!\r\n"))

    def test_clientWithoutNegotiation(self) -> None:
        """
        A client that never answers the echo offer (C{nc}) still logs in;
        no C{WONT ECHO} or extra line end is sent, and a second offer is not
        made while the first is unanswered.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.send(proto, t, "alice")
        self.retryWithEchoShown(proto, t)

    def test_clientRefusesEcho(self) -> None:
        """
        A client that refuses (C{DONT ECHO}) is not asked again and logs in
        all the same.
        """
        self.registered("alice", "sesame")
        proto, t = self.connect()
        self.send(proto, t, "alice")
        self.assertEqual(self.raw(proto, t, DONT_ECHO), b"")
        self.retryWithEchoShown(proto, t)

    def test_offlinePrivateMessage(self) -> None:
        """
        A private message sent while its registered recipient was away is
        shown at their login as C{*private HH:MM* <alice> text}, with the
        time it was sent; a live one has no time.
        """
        self.registered("bob", "sesame")
        alice, _ = self.talkLogin("alice")
        sent = int(self.clock.seconds())
        self.assertEqual(
            self.send(alice, self.transports[alice], "/pm bob see you at noon"),
            b"*** bob is away; they will get it when they log in.\r\n",
        )
        self.assertEqual(
            self.send(alice, self.transports[alice], "/pm carol hi"),
            b"*** Sorry, no such user is connected.\r\n",
        )
        self.clock.advance(600)
        bob, seen = self.talkLogin("bob", "sesame")
        self.assertTrue(
            seen.endswith(f"*private {hhmm(sent)}* <alice> see you at noon\r\n".encode()), seen
        )
        self.send(alice, self.transports[alice], "/pm bob still there?")
        self.assertEqual(
            output(self.transports[bob], self.clock), b"*private* <alice> still there?\r\n"
        )


class CommandTests(TalkAccountTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice, _ = self.talkLogin("alice")
        self.ta = self.transports[self.alice]
        self.clock.advance(0)
        output(self.ta, self.clock)

    def test_register(self) -> None:
        """
        C{/register <password>} registers the nickname and says so; again,
        it changes the password; bad arguments get the usage or the rule.
        The next login under that name needs the password.
        """
        rule = b"*** Sorry, a password is 4 to 1024 characters, no spaces.\r\n"
        self.assertEqual(self.send(self.alice, self.ta, "/register open sesame"), rule)
        self.assertEqual(
            self.send(self.alice, self.ta, "/register abc"),
            b"*** Sorry, a password is 4 to 1024 characters, no spaces.\r\n",
        )
        self.assertEqual(
            self.send(self.alice, self.ta, "/register sesame"),
            b"*** alice is now registered: logging in as alice needs this password.\r\n"
            + "*** Server notice: you are in Général\r\n".encode(),
        )
        self.assertEqual(
            self.send(self.alice, self.ta, "/register opensesame"),
            b"*** Password changed for alice.\r\n",
        )
        self.alice.transport.loseConnection()  # type: ignore[union-attr]
        self.alice.connectionLost(None)
        proto, t = self.connect()
        self.assertEqual(self.send(proto, t, "alice"), ASKED)

    def test_registerUnderAnotherNick(self) -> None:
        """
        Signed in to an account under another nickname (C{/name}),
        C{/register} changes the account's password and says whose: no
        account is made of the nickname in use.
        """
        self.registered("carol", "sesame")
        carol, _ = self.talkLogin("carol", "sesame")
        t = self.transports[carol]
        self.send(carol, t, "/name kidtalk")
        self.assertEqual(
            self.send(carol, t, "/register other999"), b"*** Password changed for carol.\r\n"
        )
        self.assertIsNone(self.successResultOf(self.store.accountHash("kidtalk")))
        self.assertEqual(self.service.accountName(carol.participant), "carol")
        accounts = self.service.persistence.accounts  # type: ignore[union-attr]
        passwordHash = self.successResultOf(self.store.accountHash("carol"))
        self.assertTrue(self.successResultOf(accounts.checker.verify(passwordHash, "other999")))

    def test_operatorsPasswordRule(self) -> None:
        """
        The usage line, the prompt and the refusal all state the service's
        rule for new passwords, whatever the operator set it to.
        """
        assert self.service.persistence is not None
        self.service.persistence.accounts.rules = PasswordRules(shortest=10)
        self.assertEqual(
            self.send(self.alice, self.ta, "/register open sesame"),
            b"*** Sorry, a password is 10 to 1024 characters, no spaces.\r\n",
        )
        self.assertEqual(
            self.send(self.alice, self.ta, "/register sesame-42"),
            b"*** Sorry, a password is 10 to 1024 characters, no spaces.\r\n",
        )
        self.assertEqual(
            self.send(self.alice, self.ta, "/register"),
            WILL_ECHO + b"New password (10 to 1024 characters, no spaces; just Enter to cancel): ",
        )
        self.raw(self.alice, self.ta, DO_ECHO + b"\r\n")  # cancelled
        self.assertIn(
            b"alice is now registered", self.send(self.alice, self.ta, "/register sesame-420")
        )

    def test_lineWhileAtPrompt(self) -> None:
        """
        What comes while a prompt waits on the terminal's last line (a room
        message at C{/register}'s password prompt) starts a line of its own,
        and the prompt is shown again after it; after the answer, nothing
        is added.
        """
        bob, _ = self.talkLogin("bob")
        self.send(self.alice, self.ta, "/register")
        self.raw(self.alice, self.ta, DO_ECHO)
        self.send(bob, self.transports[bob], "hello")
        prompt = b"New password (4 to 1024 characters, no spaces; just Enter to cancel): "
        self.assertEqual(output(self.ta, self.clock), b"\r\n[lobby] <bob> hello\r\n" + prompt)
        self.send(self.alice, self.ta, "")  # cancelled: the prompt is answered
        self.send(bob, self.transports[bob], "again")
        self.assertEqual(output(self.ta, self.clock), b"[lobby] <bob> again\r\n")

    def registerHidden(self, *answers: str) -> bytes:
        """
        alice's client agrees to the echo back on (C{DONT ECHO}), she types
        C{/register}, her client agrees to the echo off (C{DO ECHO}), and
        she answers C{answers} at the prompts: what she is shown after the
        last.
        """
        self.raw(self.alice, self.ta, DONT_ECHO)
        self.send(self.alice, self.ta, "/register")
        self.raw(self.alice, self.ta, DO_ECHO)
        for answer in answers:
            shown = self.send(self.alice, self.ta, answer)
        return shown

    def test_registerHidden(self) -> None:
        """
        C{/register} alone asks for the password twice with echo off, so
        it never shows; different answers change nothing, an empty one
        cancels, and the same twice registers.  Lines typed at the prompts
        are passwords, not commands.
        """
        new = b"New password (4 to 1024 characters, no spaces; just Enter to cancel): "
        again = AGAIN_PROMPT.encode()
        self.assertEqual(self.send(self.alice, self.ta, "/register"), WILL_ECHO + new)
        self.assertEqual(self.raw(self.alice, self.ta, DO_ECHO + b"/quit\r\n"), b"\r\n" + again)
        self.assertEqual(
            self.send(self.alice, self.ta, "sesame"),
            b"\r\n" + WONT_ECHO + b"*** The two passwords differ; nothing was changed.\r\n",
        )
        self.assertEqual(
            self.registerHidden(""), b"\r\n" + WONT_ECHO + b"*** Registration cancelled.\r\n"
        )
        refusal = b"*** Sorry, a password is 4 to 1024 characters, no spaces.\r\n"
        for refused in ("open sesame", "abc"):
            self.assertEqual(self.registerHidden(refused, refused), b"\r\n" + WONT_ECHO + refusal)
        seen = self.registerHidden("sesame", "sesame")
        self.assertTrue(
            seen.endswith(
                b"*** alice is now registered: logging in as alice needs this password.\r\n"
                + "*** Server notice: you are in Général\r\n".encode()
            ),
            seen,
        )
        self.assertTrue(self.successResultOf(self.service.isRegistered("alice")))
        self.assertIsNone(self.alice.registering)
        self.assertEqual(
            self.send(self.alice, self.ta, "/who"), b"*** In lobby (1): alice (runs it)\r\n"
        )

    def test_history(self) -> None:
        """
        C{/history [n]} shows the current room's last n messages (20 by
        default), oldest first, each with its time, between a header and an
        end line; bad counts get the usage line.
        """
        bob, _ = self.talkLogin("bob")
        tb = self.transports[bob]
        first = int(self.clock.seconds())
        for i in range(3):
            self.send(bob, tb, f"line {i}")
            self.clock.advance(60)
        self.send(bob, tb, "/me waves")
        output(self.ta, self.clock)
        self.assertEqual(
            self.send(self.alice, self.ta, "/history 2"),
            "*** History of lobby, the last 2 messages:\r\n"
            f"[lobby {hhmm(first + 120)}] <bob> line 2\r\n"
            f"[lobby {hhmm(first + 180)}] * bob waves\r\n"
            "*** End of history.\r\n".encode(),
        )
        self.assertEqual(self.send(self.alice, self.ta, "/history").count(b"<bob> line"), 3)
        self.assertIn(b"the last message:", self.send(self.alice, self.ta, "/history 1"))
        for bad in ("x", "0", "-1", "1001", "²", "2 3"):
            self.assertEqual(
                self.send(self.alice, self.ta, f"/history {bad}"),
                b"*** Usage: /history [n] (n: 1 to 1000)\r\n",
            )
        self.send(self.alice, self.ta, "/join Blabla")
        self.assertEqual(
            self.send(self.alice, self.ta, "/history"), b"*** No messages in Blabla yet.\r\n"
        )

    def test_historyWithoutCountWhenReplayIsOff(self) -> None:
        """
        With C{--history-count 0}, entering a room shows no history, and
        C{/history} without a count still shows the last L{HISTORY_COUNT}.
        """
        self.service.historyCount = 0
        for i in range(HISTORY_COUNT + 1):
            self.send(self.alice, self.ta, f"line {i}")
        bob, _ = self.talkLogin("bob")
        tb = self.transports[bob]
        self.assertNotIn(b"History", output(tb, self.clock))
        shown = self.send(bob, tb, "/history")
        self.assertIn(f"the last {HISTORY_COUNT} messages:".encode(), shown)
        self.assertEqual(shown.count(b"<alice> line"), HISTORY_COUNT)

    def test_historyShowsDate(self) -> None:
        """
        A message from another day shows its date too.
        """
        self.send(self.alice, self.ta, "old news")
        self.clock.advance(3 * 86400)
        seen = self.send(self.alice, self.ta, "/history")
        stamp = time.strftime("%b %d %H:%M", time.localtime(1_700_000_000))
        self.assertIn(f"[lobby {stamp}] <alice> old news\r\n".encode(), seen)

    def test_replayOnJoinIsTimed(self) -> None:
        """
        Entering a room replays its recent messages with their time, between
        markers; what is said afterwards is live and has none, however old
        the history was.
        """
        bob, _ = self.talkLogin("bob")
        tb = self.transports[bob]
        self.send(bob, tb, "/join games", "anyone here?")
        said = int(self.clock.seconds())
        self.clock.advance(30)
        output(self.ta, self.clock)
        seen = self.send(self.alice, self.ta, "/join games")
        self.assertEqual(
            seen,
            b"*** You joined games, with bob.\r\n"
            b"*** History of games, the last message:\r\n"
            + f"[games {hhmm(said)}] <bob> anyone here?\r\n".encode()
            + b"*** End of history.\r\n",
        )
        self.send(bob, tb, "yes!")
        self.assertEqual(output(self.ta, self.clock), b"[games] <bob> yes!\r\n")

    def test_markersNotAge(self) -> None:
        """
        What is history is said by the service, not guessed from age: a
        message said this very second is history when replayed on entering
        (between the markers, with its time), and a private message that
        waited even no time at all is shown as one that waited.
        """
        bob, _ = self.talkLogin("bob")
        tb = self.transports[bob]
        self.send(bob, tb, "/join games", "just now")
        now = int(self.clock.seconds())
        output(self.ta, self.clock)
        self.assertEqual(
            self.send(self.alice, self.ta, "/join games"),
            b"*** You joined games, with bob.\r\n"
            b"*** History of games, the last message:\r\n"
            + f"[games {hhmm(now)}] <bob> just now\r\n".encode()
            + b"*** End of history.\r\n",
        )
        self.registered("carol", "sesame")
        self.send(bob, tb, "/pm carol quick")
        carol, seen = self.talkLogin("carol", "sesame")
        self.assertTrue(seen.endswith(f"*private {hhmm(now)}* <bob> quick\r\n".encode()), seen)

    def test_approvalRoom(self) -> None:
        """
        Joining an approval room says the request waits for an operator;
        on the acceptance the user is shown joining the room, then a server
        notice says why, and the current room is unchanged.
        """
        self.assertEqual(
            self.send(self.alice, self.ta, "/join Marketing"),
            b"*** Waiting for an operator's approval to enter Marketing; you will be told.\r\n",
        )
        self.assertEqual(self.alice.room, "lobby")
        self.successResultOf(self.service.acceptPending("Marketing", "alice"))
        self.assertEqual(
            output(self.ta, self.clock),
            b"*** alice has joined Marketing\r\n"
            b"*** Server notice: an operator accepted you in Marketing\r\n",
        )
        self.assertIn("Marketing", self.service.roomsOf(self.alice))
        self.assertEqual(self.alice.room, "lobby")
        self.assertEqual(
            self.send(self.alice, self.ta, "/join Marketing"),
            b"*** You are now talking in Marketing.\r\n",
        )

    def test_approvalRefused(self) -> None:
        """
        An operator's refusal reads as a server notice naming the room and
        the reason; C{/leave} of a room one waits for withdraws the request,
        and says so.
        """
        self.send(self.alice, self.ta, "/join Marketing")
        self.successResultOf(self.service.refusePending("Marketing", "alice", "staff only"))
        self.assertEqual(
            output(self.ta, self.clock),
            b"*** Server notice: an operator refused your request to enter Marketing:"
            b" staff only\r\n",
        )
        self.send(self.alice, self.ta, "/join Marketing")
        self.assertEqual(
            self.send(self.alice, self.ta, "/leave Marketing"),
            b"*** Sorry, you are not in Marketing: your request to enter it is withdrawn.\r\n",
        )
        self.assertEqual(self.service.pendingRequests(), [])

    def test_helpListsNewCommands(self) -> None:
        """
        The help mentions /register and /history and still fits one 80x24
        screen.
        """
        text = helpText().decode()
        self.assertIn("/register [password]", text)
        self.assertIn("/history [n]", text)
        rows = text.splitlines()
        self.assertLessEqual(len(rows), 20)
        self.assertTrue(all(len(row) < 80 for row in rows))


class NoStoreTests(TalkAccountTestCase):
    def test_noAccountsOrHistory(self) -> None:
        """
        Without a store, C{/register} and C{/history} say the server keeps
        neither.
        """
        self.factory = TalkFactory(ChatService(self.clock), self.clock, floodBurst=None)
        proto, t = self.connect()
        self.send(proto, t, "alice")
        for command in ("/register sesame", "/history"):
            self.assertEqual(
                self.send(proto, t, command),
                b"*** Sorry, this server keeps no accounts or history.\r\n",
            )


class TalkOutageTests(TalkAccountTestCase):
    """
    Talk mode while the chat database is unavailable.
    """

    def setUp(self) -> None:
        super().setUp()
        self.outage = OutageStore()
        self.outage.startService()
        self.store = self.outage
        self.service = self.makeService()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)

    def test_loginDuringOutage(self) -> None:
        """
        A registered user who logs in while the database is unavailable
        (to an account none of whose credentials this node kept) reads
        "try again later" and gets the nickname prompt again.
        """
        self.registered("alice", "sesame")
        self.keptNothing()
        self.outage.down = {"accountHash"}
        proto, t = self.connect()
        self.assertTrue(self.send(proto, t, "alice").endswith(ASKED))
        seen = self.raw(proto, t, DO_ECHO + b"sesame\r\n" + DONT_ECHO)
        self.assertIn(b"*** Sorry, service unavailable, try again later.\r\n", seen)
        self.assertTrue(seen.endswith(PROMPT))
        self.outage.down = set()
        seen = self.send(proto, t, "alice")
        seen = self.raw(proto, t, DO_ECHO + b"sesame\r\n" + DONT_ECHO)
        self.assertIn(b"*** Welcome, alice!", seen)
