# -*- test-case-name: tests.unit.talk.test_talk_bannedaccount -*-
"""
Talk mode's login of a banned or kicked registered name
(L{chatd.core.login.Logins.checkName}): the password is asked first, and
only the right one learns that the account is banned and why; a guest
name is refused at once, as ever.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory, TalkProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

PROMPT = NICK_PROMPT.encode()


class BannedAccountTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = TalkFactory(self.service, self.clock, floodBurst=None)
        self.registered("alice", "sesame")

    def terminal(self) -> tuple[TalkProtocol, Any]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TalkProtocol)
        self.assertTrue(output(transport, self.clock).endswith(PROMPT))
        return proto, transport

    def type(self, proto: TalkProtocol, transport: Any, line: str) -> bytes:
        proto.dataReceived(line.encode("utf-8") + b"\r\n")
        self.clock.advance(0)
        return output(transport, self.clock)

    def test_bannedAccount(self) -> None:
        """
        A banned account's name gets the password prompt, not the ban; a
        wrong password is only wrong (the prompt asks again); the right one
        learns the ban and its reason, and is not let in.
        """
        self.service.moderation.ban("alice", "harassment", "root")
        proto, t = self.terminal()
        asked = self.type(proto, t, "alice")
        self.assertNotIn(b"banned", asked)
        self.assertTrue(asked.endswith(PASSWORD_PROMPT.encode()), asked)
        wrong = self.type(proto, t, "guess")
        self.assertIn(b"*** Sorry, wrong password: try again", wrong)
        self.assertNotIn(b"banned", wrong)
        told = self.type(proto, t, "sesame")
        self.assertIn(b"*** Sorry, you are banned for good: harassment.", told)
        self.assertTrue(told.endswith(PROMPT), told)
        self.assertIsNone(proto.nick)
        self.assertIsNone(self.service.find("alice"))

    def test_whileSanctionsLoad(self) -> None:
        """
        So too for a login that waited for the sanctions to load (a start).
        """
        self.service.moderation.ban("alice", "harassment", "root")
        loaded: Deferred[None] = Deferred()
        self.patch(self.service.moderation, "whenLoaded", lambda: loaded)
        proto, t = self.terminal()
        proto.dataReceived(b"alice\r\n")
        loaded.callback(None)
        self.clock.advance(0)
        asked = output(t, self.clock)
        self.assertNotIn(b"banned", asked)
        self.assertTrue(asked.endswith(PASSWORD_PROMPT.encode()), asked)
        self.assertIn(b"you are banned for good: harassment", self.type(proto, t, "sesame"))

    def test_kickedAccount(self) -> None:
        """
        So for a registered name kicked for a while.
        """
        self.service.moderation.kick("alice", 600, "rude", "root")
        proto, t = self.terminal()
        self.assertTrue(self.type(proto, t, "alice").endswith(PASSWORD_PROMPT.encode()))
        self.assertIn(b"*** Sorry, you were kicked", self.type(proto, t, "sesame"))
        self.assertIsNone(self.service.find("alice"))

    def test_guestName(self) -> None:
        """
        A banned name nobody registered is refused at the nickname prompt,
        with the reason, as before.
        """
        self.service.moderation.ban("troll", "spam", "root")
        proto, t = self.terminal()
        self.assertEqual(
            b"*** Sorry, you are banned for good: spam.\r\n" + PROMPT, self.type(proto, t, "troll")
        )
