"""
The web participant against services that wait (password checks), keep
history and accounts, or refuse them: ordering, history, registration.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred, maybeDeferred, succeed

from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker, Registered, Secret
from chatd.core.events import RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.registrations import PasswordChangePace
from chatd.core.service import ChatService
from chatd.storage.memory import MemoryChatStore
from tests.support.webclient import JSONClient, WebTestCase


class OrderingService(ChatService):
    """
    A service whose logins wait for a password check and which keeps history.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks: list[Deferred[None]] = []
        self.passwords: list[Secret | None] = []
        self.counts: list[int | None] = []
        self.registered: list[tuple[str | None, str]] = []

    def login(
        self, participant: IParticipant, nick: str, password: Secret | None = None, *more: Any
    ) -> Any:
        check: Deferred[None] = Deferred()
        self.checks.append(check)
        self.passwords.append(password)
        return check.addCallback(
            lambda ignored: super(OrderingService, self).login(participant, nick, password, *more)
        )

    def history(  # type: ignore[override]
        self, participant: IParticipant, room: str, count: int | None = None
    ) -> list[RoomMessage]:
        self.counts.append(count)
        return [RoomMessage(room, "old", ("before", "you came"), 900)]

    def register(self, participant: IParticipant, password: str) -> Deferred[Registered]:
        self.registered.append((participant.nick, password))
        return succeed(Registered(participant.nick or "", created=True))


class DeferredTests(WebTestCase):
    service: OrderingService

    def makeService(self) -> OrderingService:
        return OrderingService(self.reactor, rooms=["lobby"])

    def loggedIn(self, nick: str) -> JSONClient:
        """
        A client logged in as C{nick}, once the password check passed.
        """
        client = self.web.connect()
        client.send(type="login", nick=nick)
        self.web.flush()
        self.service.checks[-1].callback(None)
        self.web.flush()
        client.take()
        return client

    def test_ordered(self) -> None:
        """
        While a request waits for the service, later requests queue and are
        answered afterwards, in order; the password reaches the service.
        """
        client = self.web.connect()
        client.send(type="login", nick="alice", password="sesame")
        client.send(type="join", room="lobby")
        self.web.flush()
        self.assertEqual(client.take(), [])
        self.assertEqual(self.service.passwords, ["sesame"])
        self.service.checks[0].callback(None)
        self.web.flush()
        self.assertEqual([reply["type"] for reply in client.take()], ["login", "join"])

    def test_laterRequestsUnread(self) -> None:
        """
        While a request waits, the later ones are left unread (the socket is
        not read meanwhile), none refused: each is answered, in order, once
        the one before it is.
        """
        client = self.web.connect()
        server = self.web.pumps[0].server.transport
        reading: list[str] = []
        server.pauseProducing = lambda: reading.append("paused")
        server.resumeProducing = lambda: reading.append("resumed")
        ids = [client.send(type="login", nick=f"alice{i}") for i in range(4)]
        self.web.flush()
        self.assertEqual((client.take(), len(self.service.checks)), ([], 1))
        self.assertEqual(reading, ["paused"])
        for i in range(4):
            self.service.checks[i].callback(None)
            self.web.flush()
            self.assertEqual([frame["id"] for frame in client.take()], ids[i : i + 1])
        self.assertEqual(reading[-1], "resumed")

    def test_history(self) -> None:
        """
        C{history} returns what the service keeps for a room, to members.
        """
        client = self.loggedIn("alice")
        self.assertEqual(self.request(client, type="history", room="lobby")["code"], 34)
        self.request(client, type="join", room="lobby")
        reply = self.request(client, type="history", room="lobby")
        self.assertEqual(reply["messages"][0]["from"], "old")
        self.assertEqual(
            self.request(client, type="history", room="lobby", limit=1000)["type"], "history"
        )
        # --history-count by default, and one more: whether any is earlier
        self.assertEqual(self.service.counts, [21, 1000])
        reply = self.request(client, type="history", room="lobby", limit=10)
        self.assertEqual(
            reply,
            {
                "type": "history",
                "id": reply["id"],
                "room": "lobby",
                "stored": True,
                "earlier": False,
                "messages": [
                    {"from": "old", "text": "before\nyou came", "time": 900, "millis": 900_000}
                ],
            },
        )

    def test_register(self) -> None:
        """
        C{register} hands the password to the service and answers with the
        nickname in use, the account the password protects, and whether
        that account is new.
        """
        client = self.loggedIn("alice")
        reply = self.request(client, type="register", password="sesame")
        self.assertEqual(
            (reply["nick"], reply["account"], reply["created"]), ("alice", "alice", True)
        )
        self.assertEqual(self.service.registered, [("alice", "sesame")])


class NoStoreService(ChatService):
    """
    A service with the persistence API but no store: it refuses history.
    """

    def history(  # type: ignore[override]
        self, participant: IParticipant, room: str, count: int | None = None
    ) -> None:
        self.members(participant, room)
        raise errors.NotPermitted("this server keeps no accounts or history")


class NoStoreTests(WebTestCase):
    service: NoStoreService

    def makeService(self) -> NoStoreService:
        return NoStoreService(self.reactor, rooms=["lobby"])

    def test_historyNotKept(self) -> None:
        """
        A service that keeps no history answers C{history} with an empty
        list marked C{stored: false}, not an error; accounts are refused
        with code 12.
        """
        client = self.web.connect("alice")
        self.request(client, type="join", room="lobby")
        reply = self.request(client, type="history", room="lobby")
        self.assertEqual(
            (reply["type"], reply["messages"], reply["stored"]), ("history", [], False)
        )
        self.assertEqual(self.request(client, type="register", password="x" * 8)["code"], 12)


class GateTests(WebTestCase):
    """
    The web login of a registered name, through the password gate.
    """

    def makeService(self) -> ChatService:
        store = MemoryChatStore()
        store.startService()
        checker = PasswordChecker(
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1), runInThread=maybeDeferred
        )
        self.accounts = Accounts(store, self.reactor, checker)
        service = ChatService(self.reactor, rooms=["lobby"], store=store, accounts=self.accounts)
        service.startService()
        self.successResultOf(self.accounts.register("alice", "sesame"))
        return service

    def test_registerRefusesSpaces(self) -> None:
        """
        A password with a space (or a tab) is refused with error 10 and the
        rule in words, as on every front-end, so no account is made that
        TCHAT could never log in to; one without is accepted.
        """
        client = self.web.connect()
        self.assertEqual(self.request(client, type="login", nick="spacey")["nick"], "spacey")
        for password in ("my secret", "my\tsecret"):
            reply = self.request(client, type="register", password=password)
            self.assertEqual(
                (reply["type"], reply["code"], reply["text"]),
                ("error", 10, "a password is 4 to 1024 characters, no spaces"),
            )
        self.assertFalse(self.successResultOf(self.accounts.store.accountHash("spacey")))
        reply = self.request(client, type="register", password="my-secret")
        self.assertEqual((reply["type"], reply["nick"]), ("register", "spacey"))

    def test_passwordChangesLimited(self) -> None:
        """
        Changing the password too often is error 4 with the reason, and
        the password stays the one set last.
        """
        self.accounts.changes = PasswordChangePace(self.reactor, self.service.admission, 1)
        client = self.web.connect()
        self.request(client, type="login", nick="bob")
        for password in ("first-pw", "second-pw"):  # registered, changed once
            reply = self.request(client, type="register", password=password)
            self.assertEqual((reply["type"], reply["nick"]), ("register", "bob"))
        reply = self.request(client, type="register", password="third-pw")
        self.assertEqual((reply["type"], reply["code"]), ("error", 4))
        self.assertIn("too many changes of password lately", reply["text"])
        passwordHash = self.successResultOf(self.accounts.store.accountHash("bob"))
        self.assertTrue(
            self.successResultOf(self.accounts.checker.verify(passwordHash, "second-pw"))
        )

    def test_registerSignedInUnderAnotherNick(self) -> None:
        """
        Signed in to an account under another nickname, C{register}
        changes that account's password: no account is made of the
        nickname, and the connection stays signed in to its account.
        """
        client = self.web.connect()
        self.request(client, type="login", nick="alice", password="sesame")
        self.assertEqual(self.request(client, type="nick", nick="rgx")["nick"], "rgx")
        reply = self.request(client, type="register", password="other123")
        self.assertEqual(
            (reply["type"], reply["nick"], reply["account"], reply["created"]),
            ("register", "rgx", "alice", False),
        )
        store = self.accounts.store
        self.assertIsNone(self.successResultOf(store.accountHash("rgx")))
        passwordHash = self.successResultOf(store.accountHash("alice"))
        self.assertTrue(
            self.successResultOf(self.accounts.checker.verify(passwordHash, "other123"))
        )
        participant = self.service.find("rgx")
        assert participant is not None
        self.assertEqual(self.service.accountName(participant), "alice")

    def test_gateFull(self) -> None:
        """
        When too many password checks wait, a login with a password gets
        error 29 (try again later); once there is room, the same login works.
        """
        self.accounts.gate.maxPending = 0
        client = self.web.connect()
        reply = self.request(client, type="login", nick="alice", password="sesame")
        self.assertEqual((reply["type"], reply["code"]), ("error", 29))
        self.assertIn("try again later", reply["text"])
        self.accounts.gate.maxPending = 10
        reply = self.request(client, type="login", nick="alice", password="sesame")
        self.assertEqual((reply["type"], reply["nick"]), ("login", "alice"))
