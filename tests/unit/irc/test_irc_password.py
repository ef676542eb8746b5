"""
Tests for C{--irc-password}: an IRC listener that only admits clients
giving its password with C{PASS} (L{chatd.irc.registration}).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import succeed

from chatd.core.interfaces import IParticipant
from tests.support.irchelpers import IRCTestCase
from tests.support.protocolcases import plain


class ServerPasswordTests(IRCTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory.password = "club-secret"

    def test_rightPassword(self) -> None:
        """
        C{PASS} with the listener's password, then NICK and USER: welcome.
        """
        proto, t = self.connect()
        reply = self.send(proto, t, "PASS club-secret", "NICK alice", "USER a 0 * :A")
        self.assertIn(" 001 alice ", reply)
        self.assertIsNotNone(self.service.find("alice"))

    def test_missingOrWrongPassword(self) -> None:
        """
        Without the password, or with a wrong one, registration ends with
        464 and ERROR, and the connection closes; nobody is logged in.
        """
        for lines in (["NICK alice"], ["PASS club-secreT", "NICK alice"]):
            proto, t = self.connect()
            messages = self.messages(self.send(proto, t, *lines, "USER a 0 * :A"))
            self.assertEqual([m.command for m in messages], ["464", "ERROR"])
            self.assertTrue(t.disconnecting)
            self.assertIsNone(self.service.find("alice"))

    def test_accountsUseSASL(self) -> None:
        """
        With a listener password, PASS is not an account's password: a
        registered nickname logs in with SASL PLAIN, as the service checks.
        """
        passwords: list[str | None] = []
        original = self.service.logins.login

        def login(participant: IParticipant, nick: str, *more: Any, **named: Any) -> Any:
            passwords.append(more[0] if more else None)
            return original(participant, nick, *more, **named)

        self.service.logins.login = login  # type: ignore[method-assign]
        proto, t = self.connect()
        self.send(proto, t, "PASS club-secret", "CAP LS 302", "CAP REQ sasl")
        self.send(proto, t, "NICK alice", "USER a 0 * :A", "AUTHENTICATE PLAIN")
        reply = self.send(proto, t, "AUTHENTICATE " + plain("", "alice", "sesame"))
        self.assertEqual(self.numerics(reply), ["900", "903"])
        self.assertIn(" 001 alice ", self.send(proto, t, "CAP END"))
        self.assertEqual(passwords, ["sesame"])

    def test_noListenerPassword(self) -> None:
        """
        Without C{--irc-password}, PASS still carries the nickname's
        password to the service.
        """
        self.factory.password = None
        passwords: list[str | None] = []
        original = self.service.login

        def login(participant: IParticipant, nick: str, password: str | None = None) -> Any:
            passwords.append(password)
            return original(participant, nick, password)

        self.service.login = login  # type: ignore[method-assign,assignment]
        self.service.isRegistered = lambda nick: succeed(True)  # type: ignore[method-assign]
        proto, t = self.connect()
        self.send(proto, t, "PASS pw", "NICK alice", "USER a 0 * :A")
        self.assertEqual(passwords, ["pw"])
