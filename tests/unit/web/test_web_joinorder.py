"""
A page's C{join} of a room is answered before anything said there reaches
it, also on a server that replays no history on entering
(C{--history-count 0}): the page shows the room once it is in it.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from tests.support.persistencecase import delayedMemberships
from tests.support.webclient import StoredWebTestCase


class JoinOrderTests(StoredWebTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service.historyCount = 0
        self.bob = self.web.connect("bob")
        self.request(self.bob, type="join", room="lobby")
        self.alice = self.signIn()
        self.pending: list[Deferred[None]] = []
        real = self.store.setMembership

        def later(*args: Any) -> Deferred[None]:
            d: Deferred[None] = Deferred()
            self.pending.append(d)
            return d.addCallback(lambda _: real(*args))

        self.patch(self.store, "setMembership", later)

    def test_answerFirst(self) -> None:
        """
        bob speaks while alice's entry is being stored: alice reads the
        C{join} reply first, then bob's message.
        """
        joining = self.alice.send(type="join", room="lobby")
        self.web.flush()
        self.request(self.bob, type="say", room="lobby", text="welcome")
        self.web.flush()
        self.assertEqual(len(self.pending), 1)
        self.pending[0].callback(None)
        self.reactor.advance(0)
        self.web.flush()
        shown = [(f["type"], f.get("id")) for f in self.alice.take() if f["type"] != "joined"]
        self.assertEqual(shown, [("join", joining), ("message", None)])

    def test_refusedHoldsNothing(self) -> None:
        """
        A C{join} refused (alice is in the room already) holds back nothing
        of what is said there.
        """
        self.alice.send(type="join", room="lobby")
        self.web.flush()
        self.pending[0].callback(None)
        self.reactor.advance(0)
        self.web.flush()
        self.alice.take()
        self.assertEqual(self.request(self.alice, type="join", room="lobby")["code"], 35)
        self.request(self.bob, type="say", room="lobby", text="still here")
        self.reactor.advance(0)
        self.web.flush()
        texts = [f.get("text") for f in self.alice.take() if f["type"] == "message"]
        self.assertEqual(texts, ["still here"])


class LoginOrderTests(StoredWebTestCase):
    """
    The rooms a login or a registration puts a page in (the C{--autojoin}
    ones here, those flagged autojoin for a new account) are named by its
    answer: what is said there meanwhile follows that answer, also on a
    server that replays no history on entering (C{--history-count 0}).
    """

    autojoin = ("lobby",)

    def setUp(self) -> None:
        super().setUp()
        self.service.historyCount = 0
        self.bob = self.web.connect("bob")
        self.web.flush()
        self.bob.take()

    def slowLoginRooms(self) -> Deferred[None]:
        """
        A login's answer waits, after its rooms are entered, for the
        returned L{Deferred} (as a cluster's for every node to hear).
        """
        persistence = self.service.persistence
        assert persistence is not None
        real, waiting = persistence.login.loginRooms, Deferred[None]()

        async def later(*args: Any) -> str:
            nick = await real(*args)
            await waiting
            return nick

        self.patch(persistence.login, "loginRooms", later)
        return waiting

    def shown(self, client: Any) -> list[tuple[str, Any]]:
        self.reactor.advance(0)
        self.web.flush()
        return [
            (f["type"], f.get("id"))
            for f in client.take()
            if f["type"] in ("login", "register", "message")
        ]

    def test_loginAnswerFirst(self) -> None:
        """
        bob speaks in C{lobby} after alice's login put her there, before
        it is answered: she reads the login's reply first, then his line.
        """
        waiting = self.slowLoginRooms()
        alice = self.web.connect()
        self.web.flush()
        alice.take()
        login = alice.send(type="login", nick="alice", password="sesame")
        self.web.flush()
        bob = self.service.find("bob")
        assert bob is not None
        self.assertIn("alice", self.service.members(bob, "lobby"))  # the answer still to come
        self.request(self.bob, type="say", room="lobby", text="welcome")
        self.web.flush()
        waiting.callback(None)
        self.assertEqual(self.shown(alice), [("login", login), ("message", None)])

    def test_registrationAnswerFirst(self) -> None:
        """
        A new account is put in the rooms flagged autojoin before its
        registration is answered (its entries stored): what bob says there
        meanwhile follows the reply.
        """
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(persistence.configureRoom("club", None, None, None, True))
        self.request(self.bob, type="join", room="club")
        carol = self.web.connect("carol")
        self.web.flush()
        carol.take()
        pending = delayedMemberships(self.store, self.patch)
        registering = carol.send(type="register", password="opensesame")
        self.web.flush()
        self.request(self.bob, type="say", room="club", text="welcome")
        self.web.flush()
        while pending:
            pending.pop(0).callback(None)
        self.assertEqual(self.shown(carol), [("register", registering), ("message", None)])
