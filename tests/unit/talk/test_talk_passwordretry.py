"""
Talk mode's password prompt after a wrong password: it asks again for the
same nickname, echo still off, so that a password retyped after a typo is
taken as the password, never as a nickname, a message or a log line; and
no other way out of the prompt (an empty line, the last try, a refusal, a
timeout, a closed connection, ^C) lets what was typed there show.
"""

from __future__ import annotations

from typing import Any, cast

from twisted.conch import telnet
from twisted.internet.defer import Deferred
from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, formatEvent, globalLogPublisher

from chatd.core import errors
from chatd.core.events import Membership
from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

PROMPT = NICK_PROMPT.encode()
WILL_ECHO = telnet.IAC + telnet.WILL + telnet.ECHO
WONT_ECHO = telnet.IAC + telnet.WONT + telnet.ECHO
DO_ECHO = telnet.IAC + telnet.DO + telnet.ECHO
DONT_ECHO = telnet.IAC + telnet.DONT + telnet.ECHO
ASKED = b"*** bob is a registered nickname.\r\n" + WILL_ECHO + PASSWORD_PROMPT.encode()
AGAIN = b"Password for bob (or just Enter to pick another nickname): "

#: What C{telnet}'s C{mode character} sends: suppress Go Ahead, and echo.
CHARACTER_MODE = telnet.IAC + telnet.DO + telnet.SGA + DO_ECHO


def fields(event: object) -> str:
    """
    What an event carries, every field of it.
    """
    names = [name for cls in type(event).__mro__ for name in getattr(cls, "__slots__", ())]
    return repr({name: getattr(event, name, None) for name in names})


def wrong(left: int) -> bytes:
    """
    The answer to a wrong password with C{left} tries left, before the prompt.
    """
    tries = "tries" if left != 1 else "try"
    return f"*** Sorry, wrong password: try again ({left} {tries} left).\r\n".encode()


class PasswordPromptCase(PersistenceTestCase):
    """
    A registered C{bob} (password C{bobpass1}), a talk factory, someone in
    lobby who records what arrives there, and the log, captured.
    """

    def setUp(self) -> None:
        super().setUp()
        self.registered("bob", "bobpass1")
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.service.addRoom("lobby")
        self.lobby = RecordingParticipant()
        self.service.connect(self.lobby)
        self.service.login(self.lobby, "watcher")
        self.service.enter(self.lobby, "lobby")
        self.clock.advance(0)
        del self.lobby.events[:]
        self.logged: list[dict[str, Any]] = []
        observer = cast(ILogObserver, self.logged.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)

    def terminal(self, mode: bytes = b"") -> tuple[TalkProtocol, StringTransport]:
        """
        A new connection, its client having sent C{mode}; at the nickname prompt.
        """
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        proto.dataReceived(mode)
        self.assertIn(PROMPT, output(transport, self.clock))
        return proto, transport

    def type(self, proto: TalkProtocol, transport: StringTransport, data: bytes) -> bytes:
        proto.dataReceived(data)
        return output(transport, self.clock)

    def keys(self, proto: TalkProtocol, transport: StringTransport, data: bytes) -> bytes:
        """
        C{data} typed a key at a time (character mode); what was shown.
        """
        for key in data:
            proto.dataReceived(bytes([key]))
        return output(transport, self.clock)

    def twoWrong(self) -> None:
        """
        Two wrong passwords for C{bob} from another connection: the next
        wrong one starts the gate's back-off.
        """
        other, to = self.terminal()
        for line in (b"bob\r\n", b"guess1\r\n", b"guess2\r\n"):
            self.type(other, to, line)
        self.assertIsNone(other.nick)

    def assertNowhere(self, *secrets: str) -> None:
        """
        Neither the room, nor the nicknames taken, nor the log hold C{secrets}.
        """
        seen = "".join(fields(event) for event in self.lobby.events)
        logged = "".join(repr(event) + formatEvent(event) for event in self.logged)
        for secret in secrets:
            self.assertNotIn(secret, seen)
            self.assertNotIn(secret, logged)
            self.assertIsNone(self.service.find(secret))


class PasswordRetryTests(PasswordPromptCase):
    """
    A wrong password asks again.
    """

    def test_retypedAfterTypo(self) -> None:
        """
        A wrong password asks again for the same nickname, echo still off
        (no C{IAC WONT ECHO}); the right one typed then logs in as C{bob}
        and turns echo back on.  The room and the log see C{bob}, never a
        password.
        """
        proto, t = self.terminal()
        self.assertEqual(self.type(proto, t, b"bob\r\n"), ASKED)
        self.assertEqual(self.type(proto, t, DO_ECHO), b"")
        self.assertEqual(self.type(proto, t, b"bobpass2\r\n"), b"\r\n" + wrong(2) + AGAIN)
        self.assertTrue(proto.telnet.inputHidden())
        seen = self.type(proto, t, b"bobpass1\r\n")
        self.assertTrue(seen.startswith(b"\r\n" + WONT_ECHO + b"*** Welcome, bob!\r\n"), seen)
        self.assertEqual(proto.nick, "bob")
        self.assertEqual(self.type(proto, t, DONT_ECHO), b"")
        self.assertFalse(proto.telnet.inputHidden())
        self.assertEqual(
            [
                (event.nick, event.joined)
                for event in self.lobby.events
                if isinstance(event, Membership)
            ],
            [("bob", True)],
        )
        logged = [formatEvent(event) for event in self.logged]
        self.assertIn("bob logged in from 127.0.0.1 over talk", logged)
        self.assertNowhere("bobpass1", "bobpass2")

    def test_characterMode(self) -> None:
        """
        In character mode the retried password shows nothing either (chatd
        does not echo it, and stays the client's echo: no C{WONT ECHO}),
        and logs in as C{bob}; what is typed after it shows again.
        """
        proto, t = self.terminal(CHARACTER_MODE)
        self.assertTrue(self.keys(proto, t, b"bob\r").endswith(PASSWORD_PROMPT.encode()))
        self.assertEqual(self.keys(proto, t, b"bobpass2"), b"")
        self.assertEqual(self.keys(proto, t, b"\r\0"), b"\r\n" + wrong(2) + AGAIN)
        self.assertEqual(self.keys(proto, t, b"bobpass1"), b"")
        seen = self.keys(proto, t, b"\r\0")
        self.assertTrue(seen.startswith(b"\r\n*** Welcome, bob!\r\n"), seen)
        self.assertNotIn(WONT_ECHO, seen)
        self.assertEqual(self.keys(proto, t, b"ok"), b"ok")
        self.assertNowhere("bobpass1", "bobpass2")

    def test_emptyLinePicksAnotherName(self) -> None:
        """
        Just Enter at the prompt asking again goes back to the nickname
        prompt, echo on; a line typed ahead of it, unseen, is dropped.
        """
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO + b"bobpass2\r\n")
        self.assertEqual(
            self.type(proto, t, b"\r\nbobpass1\r\n"),
            b"\r\n"
            + WONT_ECHO
            + b"*** 1 line you typed ahead was ignored: only what you type at this prompt is"
            b" taken as a nickname.\r\n" + PROMPT,
        )
        self.assertIsNone(proto.nick)
        self.assertIn(b"*** Welcome, carol!", self.type(proto, t, b"carol\r\n"))
        self.assertNowhere("bobpass1", "bobpass2")

    def test_lastTry(self) -> None:
        """
        After the third wrong password the nickname prompt comes back, echo
        on, saying that what is typed now shows and is a nickname, and the
        password gate's back-off that has started.
        """
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO)
        self.assertEqual(self.type(proto, t, b"guess1\r\n"), b"\r\n" + wrong(2) + AGAIN)
        self.assertEqual(self.type(proto, t, b"guess2\r\n"), b"\r\n" + wrong(1) + AGAIN)
        self.assertEqual(
            self.type(proto, t, b"guess3\r\n"),
            b"\r\n"
            + WONT_ECHO
            + b"*** Sorry, wrong password (3 tries). What you type shows again: it is a nickname"
            b" now, not a password.\r\n"
            b"*** Too many wrong passwords lately: the next one is checked in 1 second.\r\n"
            + PROMPT,
        )
        self.assertIsNone(proto.nick)
        self.assertNowhere("guess1", "guess2", "guess3")

    def test_backoffShown(self) -> None:
        """
        A wrong password the gate has started to slow down says how long
        the next try waits; that try is answered when the wait is over.
        """
        self.twoWrong()
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO)
        self.assertEqual(
            self.type(proto, t, b"guess3\r\n"),
            b"\r\n"
            + wrong(2)
            + b"*** Too many wrong passwords lately: the next one is checked in 1 second.\r\n"
            + AGAIN,
        )
        self.assertEqual(self.type(proto, t, b"bobpass1\r\n"), b"\r\n")
        self.clock.advance(1)
        self.assertIn(b"*** Welcome, bob!", output(t, self.clock))
        self.assertNowhere("bobpass1", "guess3")

    def test_typedWhileChecked(self) -> None:
        """
        A line typed while a wrong password is checked (the right one,
        often) is dropped and the person told; only what is typed at the
        prompt asking again is the password.  A line typed while a right
        one is checked is not said in the room: typed unseen, it may be a
        password again.
        """
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO)
        self.assertEqual(
            self.type(proto, t, b"bobpass2\r\nbobpass1\r\n"),
            b"\r\n"
            + wrong(2)
            + b"*** 1 line you typed ahead was ignored: only what you type at this prompt is"
            b" taken as the password.\r\n" + AGAIN,
        )
        self.assertIsNone(proto.nick)
        seen = self.type(proto, t, b"bobpass1\r\nbobpass1\r\n")
        self.assertTrue(
            seen.startswith(
                b"\r\n" + WONT_ECHO + b"*** Welcome, bob!\r\n"
                b"*** 1 line you typed ahead was ignored, not said: typed while your password"
                b" was checked, it did not show, and might be a password.\r\n"
            ),
            seen,
        )
        self.assertNowhere("bobpass1", "bobpass2")

    def test_refusedLineAtRetryPrompt(self) -> None:
        """
        A line refused at the prompt asking again (not UTF-8) is explained,
        then that prompt comes again, echo still off; it costs no try.
        """
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO + b"bobpass2\r\n")
        self.assertEqual(
            self.type(proto, t, b"bobp\xe4ss\r\n"),
            b"\r\n*** Your line was not valid UTF-8 and was ignored; please set your terminal to"
            b" UTF-8.\r\n" + AGAIN,
        )
        self.assertTrue(proto.telnet.inputHidden())
        self.assertEqual(self.type(proto, t, b"guess\r\n"), b"\r\n" + wrong(1) + AGAIN)


class LeavingThePromptTests(PasswordPromptCase):
    """
    Every other way out of the password prompt: what was typed at it never
    becomes a nickname, a message or a log line.
    """

    def test_timedOut(self) -> None:
        """
        The prompt asking again, left unanswered until the login timeout,
        closes the connection saying so; the half-typed password goes
        nowhere.
        """
        self.service.loginDeadlines.timeout = 300
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO)
        self.assertEqual(self.type(proto, t, b"bobpass2\r\n"), b"\r\n" + wrong(2) + AGAIN)
        self.assertEqual(self.type(proto, t, b"bobpa"), b"")
        self.clock.advance(300)
        self.assertIn(b"No password given in time: goodbye.", output(t, self.clock))
        self.assertTrue(t.disconnecting)
        self.type(proto, t, b"ss1\r\n")
        self.assertIsNone(proto.nick)
        self.assertNowhere("bobpass1", "bobpass2", "bobpa")

    def test_closedWhileChecked(self) -> None:
        """
        A connection that closes while its retried password waits for the
        gate (its back-off) has it checked once the back-off ends, as the
        client's last act (L{chatd.lines.closing}), and its person leaves
        at once; the lines typed go nowhere.
        """
        self.twoWrong()
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO + b"guess3\r\n")
        self.type(proto, t, b"bobpass1\r\nbobpass1\r\n")
        proto.connectionLost(None)
        self.clock.advance(30)
        self.assertIsNone(self.service.find("bob"))
        self.assertNowhere("bobpass1", "guess3")

    def test_interrupt(self) -> None:
        """
        ^C at the prompt (telnet's C{IAC IP} with its C{DO TIMING-MARK})
        cancels it: after the timing mark's answer, which ends the client's
        discarding, the nickname prompt, echo on; nothing typed at the
        password prompt goes anywhere.
        """
        proto, t = self.terminal()
        self.type(proto, t, b"bob\r\n" + DO_ECHO + b"bobpass2\r\n")
        reply = self.type(proto, t, telnet.IAC + telnet.IP + telnet.IAC + telnet.DO + b"\x06")
        self.assertEqual(
            reply,
            telnet.IAC
            + telnet.WONT
            + b"\x06"
            + WONT_ECHO
            + b"\r\n*** Cancelled: no password for bob.\r\n"
            + PROMPT,
        )
        self.assertEqual(self.type(proto, t, DONT_ECHO), b"")
        self.assertFalse(proto.telnet.inputHidden())
        self.assertIn(b"*** bob is a registered nickname.", self.type(proto, t, b"bob\r\n"))
        self.assertIn(b"*** Welcome, bob!", self.type(proto, t, b"bobpass1\r\n"))
        self.assertNowhere("bobpass1", "bobpass2")

    def test_interruptKey(self) -> None:
        """
        The ^C key in character mode (the byte 0x03) cancels the prompt
        too: the password typed before it is forgotten, not the start of
        the next line, and what comes after it is the next nickname.
        """
        proto, t = self.terminal(CHARACTER_MODE)
        self.keys(proto, t, b"bob\r")
        shown = self.keys(proto, t, b"bobpa\x03")
        self.assertIn(b"*** Cancelled: no password for bob.\r\n", shown)
        self.assertTrue(shown.endswith(PROMPT), shown)
        self.assertFalse(proto.telnet.inputHidden())
        self.assertIn(b"*** Welcome, carol!", self.keys(proto, t, b"carol\r"))
        self.assertNowhere("bobpa", "bobpacarol")

    def test_interruptElsewhere(self) -> None:
        """
        ^C anywhere but at the password prompt is not taken: at the
        nickname prompt the key is a control character as before.
        """
        proto, t = self.terminal()
        self.assertEqual(self.type(proto, t, telnet.IAC + telnet.IP), b"")
        self.assertIn(b"*** Sorry, a nickname is", self.type(proto, t, b"al\x03\r\n"))

    def test_refusedOtherwise(self) -> None:
        """
        A right password refused for another reason (a ban) brings the
        nickname prompt back, echo on; the password and what was typed after
        it go nowhere.  (An account at its connection limit is no such
        reason: the login takes the place of its least recently heard
        connection.)
        """

        def banned() -> None:
            self.service.moderation.ban("bob", "spam", "root")

        cases = [(b"banned for good: spam", banned)]
        for name, setup in cases:
            proto, t = self.terminal()
            self.type(proto, t, b"bob\r\n" + DO_ECHO + b"bobpass2\r\n")
            setup()
            seen = self.type(proto, t, b"bobpass1\r\nbobpass1\r\n")
            self.assertTrue(seen.startswith(b"\r\n" + WONT_ECHO + b"*** Sorry, "), (name, seen))
            self.assertIn(name, seen)
            self.assertTrue(seen.endswith(PROMPT), (name, seen))
            self.assertIn(b"1 line you typed ahead was ignored", seen)
            self.assertIsNone(proto.nick)
            self.assertNowhere("bobpass1", "bobpass2")

    def test_clusterBusy(self) -> None:
        """
        So too for a login the service cannot answer now (a busy cluster,
        too many checks waiting): the nickname prompt, echo on.
        """
        answers: list[Deferred[str]] = []

        def login(participant: object, nick: str, password: str | None) -> Deferred[str]:
            answers.append(Deferred())
            if password is None:
                answers[-1].errback(errors.BadPassword())
            return answers[-1]

        self.patch(self.service, "login", login)
        proto, t = self.terminal()
        self.assertEqual(self.type(proto, t, b"bob\r\n" + DO_ECHO), ASKED)
        self.assertEqual(self.type(proto, t, b"bobpass1\r\n"), b"\r\n")
        self.assertEqual(self.type(proto, t, b"bobpass1\r\n"), b"")
        answers[-1].errback(errors.TooManyAttempts())
        seen = output(t, self.clock)
        self.assertTrue(
            seen.startswith(WONT_ECHO + b"*** Sorry, too many login attempts are waiting"), seen
        )
        self.assertTrue(seen.endswith(PROMPT), seen)
        self.assertIsNone(proto.nick)
        self.assertNowhere("bobpass1")
