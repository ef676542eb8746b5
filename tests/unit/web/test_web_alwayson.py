"""
The C{alwayson} request over the web wire, in memory: the account's other
pages are told of a change with a C{notice} carrying C{alwaysOn}.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from twisted.internet.defer import maybeDeferred

from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from tests.support.webclient import JSONClient, WebTestCase


class WebAlwaysOnTests(WebTestCase):
    def makeService(self) -> ChatService:
        self.store = MemoryChatStore()
        self.store.startService()
        checker = PasswordChecker(
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), runInThread=maybeDeferred
        )
        accounts = Accounts(self.store, self.reactor, checker)
        service = ChatService(self.reactor, rooms=["lobby"], store=self.store, accounts=accounts)
        self.successResultOf(accounts.register("alice", "sesame"))
        service.startService()
        return service

    def signIn(self) -> JSONClient:
        client = self.web.connect()
        reply = self.request(client, type="login", nick="alice", password="sesame")
        self.assertEqual(reply.get("nick"), "alice", reply)
        self.web.flush()
        client.take()
        return client

    def test_otherPageTold(self) -> None:
        """
        One page turns always on: the other gets a C{notice} with
        C{"alwaysOn": true} and a sentence; the page that asked gets only
        its reply.
        """
        laptop, phone = self.signIn(), self.signIn()
        self.assertEqual(self.request(laptop, type="alwayson", on=True)["on"], True)
        self.web.flush()
        [told] = [f for f in phone.take() if f["type"] == "notice"]
        self.assertIs(told["alwaysOn"], True)
        self.assertIn("always on is now on", told["text"])
        self.assertEqual([f for f in laptop.take() if f["type"] == "notice"], [])
