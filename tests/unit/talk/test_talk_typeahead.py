"""
Talk mode's nickname prompt and lines typed ahead: when a nickname is
refused (banned, kicked, an account at its connection limit, a wrong
password), what was typed while it was checked is dropped and the person
told, so that a password typed ahead for a prompt that never came is never
taken as the next nickname.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

PROMPT = NICK_PROMPT.encode()


def ignored(count: int) -> bytes:
    """
    The note that C{count} lines typed ahead were dropped.
    """
    what = "1 line you typed ahead was" if count == 1 else f"{count} lines you typed ahead were"
    return (
        f"*** {what} ignored: only what you type at this prompt is taken as a nickname.\r\n"
    ).encode()


class TypeAheadTests(PersistenceTestCase):
    """
    A service with a store, a talk factory, and someone in lobby who sees
    who arrives there.
    """

    def setUp(self) -> None:
        super().setUp()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.service.addRoom("lobby")
        self.lobby = RecordingParticipant()
        self.service.connect(self.lobby)
        self.service.login(self.lobby, "watcher")
        self.service.enter(self.lobby, "lobby")
        self.clock.advance(0)
        del self.lobby.events[:]

    def terminal(self) -> tuple[TalkProtocol, Any]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        self.assertTrue(output(transport, self.clock).endswith(PROMPT))
        return proto, transport

    def type(self, proto: TalkProtocol, transport: Any, data: str) -> bytes:
        proto.dataReceived(data.encode("utf-8"))
        self.clock.advance(0)
        return output(transport, self.clock)

    def assertNobodyArrived(self, *nicks: str) -> None:
        for nick in nicks:
            self.assertIsNone(self.service.find(nick), nick)
        self.assertEqual(self.lobby.events, [])

    def test_banned(self) -> None:
        """
        A banned nickname and a password typed ahead in one packet: the
        password is dropped, with a note, not taken as a nickname.
        """
        self.service.moderation.ban("troll", "spam", "root")
        proto, t = self.terminal()
        self.assertEqual(
            self.type(proto, t, "troll\r\ntrollpw\r\n"),
            b"*** Sorry, you are banned for good: spam.\r\n" + ignored(1) + PROMPT,
        )
        self.assertIsNone(proto.nick)
        self.assertNobodyArrived("trollpw")
        self.assertIn(b"*** Welcome, bob!", self.type(proto, t, "bob\r\n"))

    def test_kicked(self) -> None:
        """
        So for a nickname kicked for a while; several lines typed ahead are
        all dropped.
        """
        self.service.moderation.kick("troll", 60, "rude", "root")
        proto, t = self.terminal()
        seen = self.type(proto, t, "troll\r\ntrollpw\r\nsecond try\r\n")
        self.assertTrue(seen.startswith(b"*** Sorry, you were kicked"), seen)
        self.assertTrue(seen.endswith(ignored(2) + PROMPT), seen)
        self.assertNobodyArrived("trollpw")

    def test_accountAtItsLimit(self) -> None:
        """
        A registered nickname signed in as often as it may be is asked its
        password, as ever, and the right one signs in, in the place of the
        connection heard from least recently, which is told why (the
        password is not taken for a nickname).
        """
        self.registered("alice", "sesame")
        self.service.people.maxConnections = 1
        first, t1 = self.terminal()
        self.assertTrue(self.type(first, t1, "alice\r\n").endswith(PASSWORD_PROMPT.encode()))
        self.assertIn(b"*** Welcome, alice!", self.type(first, t1, "sesame\r\n"))
        del self.lobby.events[:]
        proto, t = self.terminal()
        told = self.type(proto, t, "alice\r\nsesame\r\n")
        self.assertIn(b"*** Welcome, alice!", told)
        self.assertIn(
            b"You have been disconnected: signed out: a newer connection of your account"
            b" took its place (at most 1 at once).",
            t1.value(),
        )
        self.assertTrue(t1.disconnecting)
        self.assertNobodyArrived("sesame")
        self.assertEqual(proto.nick, "alice")

    def test_typedWhileChecked(self) -> None:
        """
        Lines and a partial line that arrive while the nickname is being
        checked are dropped when it is refused, the partial line up to its
        end; what is typed after the new prompt is taken.
        """
        asked: list[str] = []
        answers: list[Deferred[str]] = []

        def login(participant: object, nick: str, password: str | None) -> Deferred[str]:
            asked.append(nick)
            answers.append(Deferred())
            return answers[-1]

        self.patch(self.service, "login", login)
        proto, t = self.terminal()
        self.assertEqual(self.type(proto, t, "troll\r\n"), b"")
        self.assertEqual(self.type(proto, t, "trollpw\r\n"), b"")
        self.assertEqual(self.type(proto, t, "another"), b"")
        answers[0].errback(errors.Banned())
        self.assertEqual(
            output(t, self.clock),
            b"*** Sorry, you are banned from this server.\r\n" + ignored(2) + PROMPT,
        )
        self.assertEqual(self.type(proto, t, " line\r\n"), b"")  # the rest of "another"
        self.type(proto, t, "bob\r\n")
        self.assertEqual(asked, ["troll", "bob"])

    def test_passwordAtItsPrompt(self) -> None:
        """
        A password typed ahead of the password prompt is still the
        password, and lines typed ahead of a nickname that is accepted
        without one are still said; lines typed while a password is checked
        are not (they did not show, and may be the password again).
        """
        self.registered("alice", "sesame")
        proto, t = self.terminal()
        seen = self.type(proto, t, "alice\r\nsesame\r\nsesame\r\n")
        self.assertIn(b"*** Welcome, alice!", seen)
        self.assertIn(b"*** 1 line you typed ahead was ignored, not said", seen)
        self.assertEqual(proto.nick, "alice")
        bob, tb = self.terminal()
        self.assertIn(b"*** Welcome, bob!", self.type(bob, tb, "bob\r\nhello all\r\n"))
        said = [event for event in self.lobby.events if hasattr(event, "lines")]
        self.assertEqual([event.lines for event in said], [("hello all",)])

    def test_wrongPassword(self) -> None:
        """
        After a wrong password, a line typed while it was checked (another
        guess, often) is dropped too: only what is typed at the password
        prompt, asked again, is the password.
        """
        self.registered("alice", "sesame")
        proto, t = self.terminal()
        self.type(proto, t, "alice\r\n")
        seen = self.type(proto, t, "sesam\r\nsesame\r\n")
        self.assertIn(
            b"*** 1 line you typed ahead was ignored: only what you type at this prompt is taken"
            b" as the password.\r\n",
            seen,
        )
        self.assertTrue(
            seen.endswith(b"Password for alice (or just Enter to pick another nickname): ")
        )
        self.assertNobodyArrived("sesame", "alice")
