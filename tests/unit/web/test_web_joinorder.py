"""
A page's C{join} of a room is answered before anything said there reaches
it, also on a server that replays no history on entering
(C{--history-count 0}): the page shows the room once it is in it.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

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
