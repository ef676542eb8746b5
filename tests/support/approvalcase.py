"""
What the unit tests of approval rooms seen from the admin console share:
L{ApprovalTestCase}, a service with a memory store (the rooms of a fresh
data directory, C{Informatique} and C{Marketing} needing approval) and
root's console.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.events import Notice
from chatd.core.service import ChatService
from chatd.modstore import MemoryModerationStore
from chatd.storage.memory import MemoryChatStore
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import FAST, inline

#: 2026-11-18 11:06:40 UTC
START = 1_795_000_000


class ApprovalTestCase(SynchronousTestCase):
    """
    A service on a memory store, its moderation store, and root's console.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.store = MemoryChatStore()
        self.store.startService()
        self.service = self.start()
        self.moderation = MemoryModerationStore()
        self.service.moderation.store = self.moderation
        self.console = AdminConsole(self.service, "root")

    def start(self) -> ChatService:
        checker = PasswordChecker(FAST, runInThread=inline)
        service = ChatService(
            self.clock, store=self.store, accounts=Accounts(self.store, self.clock, checker)
        )
        service.startService()
        return service

    def run_(self, line: str) -> str:
        reply: str = self.successResultOf(self.console.execute(line))
        return reply

    def login(self, nick: str, password: str | None = None) -> RecordingParticipant:
        participant = RecordingParticipant()
        self.service.connect(participant)
        self.successResultOf(settled(self.service.login(participant, nick, password)))
        self.clock.advance(0)
        return participant

    def ask(self, who: RecordingParticipant, room: str) -> None:
        self.assertRaises(errors.PendingApproval, self.service.enter, who, room)
        self.clock.advance(0)

    def notices(self, who: RecordingParticipant) -> list[str]:
        return [event.text for event in who.events if isinstance(event, Notice)]
