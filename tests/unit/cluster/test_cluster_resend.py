"""
A web page's message sent again through another node is said once
(L{chatd.cluster.sharedids}, L{chatd.core.clientids}): its C{cid} is
claimed and its answer recorded in Redis before the page is answered, so a
page whose node died, back through another node, is told C{sent} said it,
and its resend is answered as a repeat, with the first C{msgid}; the
others hear it once, and it is stored once.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.cluster.sharedids import PENDING, SharedClientIds, encodeAnswer
from chatd.core.clientids import KEEP_SECONDS, personName
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.names import key
from chatd.storage.memory import MemoryChatStore
from tests.support.fakenode import FakeNode, namedAccountNodes, said
from tests.support.fakeredis import FakeRedis
from tests.support.webclient import JSONClient, WebHarness

CID = "cidtest0123456789abcdefX"


class ResendAcrossNodesTests(SynchronousTestCase):
    """
    Nodes C{a} and C{b} sharing one store, each with its web front-end;
    wcid registered; obs, a guest on C{b}, in the lobby.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.clock.advance(1_700_000_000)
        self.redis = FakeRedis(self.clock)
        self.store = MemoryChatStore()
        self.store.startService()
        self.a, self.b = namedAccountNodes(self, self.redis, lambda: self.store, "ab")
        self.webA = WebHarness(self.a.service, self.clock, portNumber=81)
        self.webB = WebHarness(self.b.service, self.clock, portNumber=82)
        self.settle()
        for nick in ("wcid", "dora"):
            owner = self.a.user(nick)
            self.successResultOf(self.a.service.register(owner, "sesame1"))
            self.a.service.disconnect(owner)
        self.obs = self.b.user("obs", "lobby")
        self.settle()

    def settle(self) -> None:
        for web in (self.webA, self.webB):
            web.flush()
        for _ in range(10):
            self.clock.advance(0)

    def request(self, web: WebHarness, client: JSONClient, **request: Any) -> dict[str, Any]:
        """One request, and the frame that answers it once the nodes settled."""
        requestId = client.send(**request)
        for _ in range(3):
            self.settle()
        replies = [f for f in client.take() if f.get("id") == requestId]
        self.assertEqual(len(replies), 1, replies)
        return replies[0]

    def page(self, web: WebHarness, **request: Any) -> JSONClient:
        """A page signed in to wcid through C{web}, in the lobby."""
        client = web.connect()
        reply = self.request(web, client, type="login", nick="wcid", password="sesame1")
        self.assertEqual(reply.get("nick"), "wcid", reply)
        self.request(web, client, type="join", room="lobby")
        return client

    def crashA(self) -> None:
        """a dies (C{kill -9}); b counts it dead once its key expired."""
        self.a.crash()
        for _ in range(8):
            self.clock.advance(1)
            self.settle()

    def roomTexts(self) -> list[str]:
        rows = self.successResultOf(self.store.history("lobby", 100))
        return [row.lines[0] for row in rows]

    def test_sayAfterNodeDied(self) -> None:
        """
        Said through a, whose node then dies: through b, C{sent} says it was
        said (where, as which message), and the resend is a repeat with
        the first one's C{msgid}; obs heard it once, the store has it once.
        """
        first = self.request(
            self.webA, self.page(self.webA), type="say", room="lobby", text="once", cid=CID
        )
        self.assertNotIn("repeat", first)
        self.crashA()
        page = self.page(self.webB)
        sent = self.request(self.webB, page, type="sent", cid=CID)
        self.assertEqual(
            (sent["said"], sent.get("room"), sent.get("msgid"), sent.get("millis")),
            (True, "lobby", first["msgid"], first["millis"]),
        )
        again = self.request(self.webB, page, type="say", room="lobby", text="once", cid=CID)
        self.assertIs(again.get("repeat"), True, again)
        for field in ("msgid", "time", "millis", "text", "from", "room"):
            self.assertEqual(again[field], first[field], field)
        self.assertEqual(said(self.obs, "lobby"), [("wcid", "once")])
        self.assertEqual(self.roomTexts(), ["once"])

    def outage(self) -> None:
        """Redis goes away; both nodes' links notice."""
        self.redis.down = True
        for node in (self.a, self.b):
            node.bridge.linkDown()

    def back(self) -> None:
        """Redis is back; both nodes' links come up again."""
        self.redis.down = False
        for node in (self.a, self.b):
            node.bridge.linkUp()
        self.settle()

    def test_saidDuringOutageResentElsewhere(self) -> None:
        """
        Said through a while Redis is away (a's memory decides): once
        Redis is back, a records it there, and the page's resend through b
        (its connection to a lost) is a repeat with the first C{msgid}; obs
        heard it once, the store has it once.
        """
        pageA = self.page(self.webA)
        self.outage()
        first = self.request(self.webA, pageA, type="say", room="lobby", text="once", cid=CID)
        self.assertNotIn("repeat", first)
        self.back()
        pageA.transport.loseConnection(1000)  # its next connection reaches b
        self.settle()
        again = self.request(
            self.webB, self.page(self.webB), type="say", room="lobby", text="once", cid=CID
        )
        self.assertEqual((again.get("repeat"), again.get("msgid")), (True, first["msgid"]))
        self.assertEqual(said(self.obs, "lobby"), [("wcid", "once")])
        self.assertEqual(self.roomTexts(), ["once"])

    def test_unrecordedForgottenWithTheirIds(self) -> None:
        """
        What a could not record is kept no longer than its id: after an
        outage longer than that, it is neither recorded nor kept.
        """
        pageA = self.page(self.webA)
        self.outage()
        self.request(self.webA, pageA, type="say", room="lobby", text="old", cid=CID)
        self.clock.advance(KEEP_SECONDS)
        self.back()
        name = self.a.bridge.clientIds.keyOf(personName(("account", key("wcid"))), CID)
        self.assertIsNone(self.redis.cmd_GET(name))
        self.assertEqual(self.a.bridge.clientIds.unrecorded, {})

    def test_answeredOnceRecorded(self) -> None:
        """
        The page is answered only once Redis has the message's record: a
        node dying right after the answer cannot take the record with it.
        """
        page = self.page(self.webA)
        self.redis.holding = True
        asked = page.send(type="say", room="lobby", text="held", cid=CID)
        self.settle()
        self.redis.answerHeld()  # the claim: the message is said, its record asked for
        self.settle()
        self.assertEqual(said(self.obs, "lobby"), [("wcid", "held")])
        self.assertEqual([f for f in page.take() if f.get("id") == asked], [])
        self.redis.holding = False
        self.redis.answerHeld()  # the record
        self.settle()
        self.assertEqual([f["type"] for f in page.take() if f.get("id") == asked], ["say"])

    def test_tellAfterNodeDied(self) -> None:
        """
        A private message to obs (on b) through a, whose node then dies:
        sent again through b, a repeat; obs got it once.
        """
        first = self.request(
            self.webA, self.page(self.webA), type="tell", to="obs", text="pm once", cid=CID
        )
        self.crashA()
        page = self.page(self.webB)
        sent = self.request(self.webB, page, type="sent", cid=CID)
        self.assertEqual((sent["said"], sent.get("to")), (True, "obs"))
        again = self.request(self.webB, page, type="tell", to="obs", text="pm once", cid=CID)
        self.assertIs(again.get("repeat"), True, again)
        self.assertEqual((again["msgid"], again["to"]), (first["msgid"], "obs"))
        heard = [e.lines for e in self.obs.events if isinstance(e, PrivateMessage)]
        self.assertEqual(heard, [("pm once",)])

    def test_waitingAfterNodeDied(self) -> None:
        """
        A private message kept for dora (registered, away) through a, whose
        node then dies: sent again through b, kept once, the repeat
        answered as waiting, with the same C{msgid}.
        """
        first = self.request(
            self.webA, self.page(self.webA), type="tell", to="dora", text="later", cid=CID
        )
        self.assertIs(first.get("waiting"), True, first)
        self.crashA()
        again = self.request(
            self.webB, self.page(self.webB), type="tell", to="dora", text="later", cid=CID
        )
        self.assertEqual(
            (again.get("repeat"), again.get("waiting"), again.get("msgid")),
            (True, True, first["msgid"]),
        )
        self.assertEqual(self.successResultOf(self.store.waitingCount("dora")), 1)

    def test_refusedNotAccepted(self) -> None:
        """
        A message refused on a (wcid is not in that room) is not accepted
        anywhere: sent with its C{cid} through b once it may be, it is said.
        """
        pageA = self.page(self.webA)
        refused = self.request(self.webA, pageA, type="say", room="elsewhere", text="x", cid=CID)
        self.assertEqual(refused["type"], "error", refused)
        pageA.transport.loseConnection(1000)
        self.settle()
        page = self.page(self.webB)
        self.assertIs(self.request(self.webB, page, type="sent", cid=CID)["said"], False)
        said = self.request(self.webB, page, type="say", room="lobby", text="x", cid=CID)
        self.assertNotIn("repeat", said)
        self.assertEqual(self.roomTexts(), ["x"])

    def pendingOnA(self) -> tuple[JSONClient, str, int]:
        """
        gus's page on b sends a message whose C{cid} a claimed a moment ago
        (a is sending it): its key, and the request, unanswered.
        """
        page = self.webB.connect("gus")
        self.request(self.webB, page, type="join", room="lobby")
        name = SharedClientIds(self.b.presence).keyOf("g:gus", CID)
        self.redis.cmd_SET(name, "?a", "PX", int(PENDING * 1000))
        resend = page.send(type="say", room="lobby", text="slow", cid=CID)
        self.clock.advance(1)
        self.settle()
        self.assertEqual([f for f in page.take() if f.get("id") == resend], [])
        return page, name, resend

    def test_otherNodeRecordsMeanwhile(self) -> None:
        """
        A message whose C{cid} another node is sending waits, and is
        answered with that node's message once it recorded it: a repeat,
        not said here.
        """
        page, name, resend = self.pendingOnA()
        first = RoomMessage("lobby", "gus", ("slow",), 1_700_000_000, msgid="a-7", millis=5)
        text = encodeAnswer(first)
        assert text is not None
        self.redis.cmd_SET(name, text, "PX", 600_000)
        self.clock.advance(1)
        self.settle()
        [reply] = [f for f in page.take() if f.get("id") == resend]
        self.assertEqual((reply.get("repeat"), reply["msgid"]), (True, "a-7"))
        self.assertEqual(said(self.obs, "lobby"), [])

    def test_otherNodeGivesUpMeanwhile(self) -> None:
        """
        A message whose C{cid} another node was sending, and gave back (it
        was refused there), is said here once the claim is given back, and
        recorded.
        """
        page, name, resend = self.pendingOnA()
        del self.redis.data[name]
        self.clock.advance(1)
        self.settle()
        [reply] = [f for f in page.take() if f.get("id") == resend]
        self.assertNotIn("repeat", reply)
        self.assertEqual(said(self.obs, "lobby"), [("gus", "slow")])
        self.assertIn(reply["msgid"], self.redis.cmd_GET(name) or "")


class UnrecordedTests(SynchronousTestCase):
    """
    L{SharedClientIds} keeps the answers Redis did not take, the latest
    L{SharedClientIds.unrecordedLimit}, and records them once it is back.
    """

    def setUp(self) -> None:
        self.clock = MemoryReactorClock()
        self.redis = FakeRedis(self.clock)
        self.node = FakeNode(self, self.redis, "a")
        self.ids = SharedClientIds(self.node.presence, unrecordedLimit=2)

    def answer(self, text: str) -> RoomMessage:
        return RoomMessage("lobby", "gus", (text,), 1_700_000_000, msgid=f"a-{text}")

    def test_latestKept(self) -> None:
        self.redis.down = True
        for cid in ("1", "2", "3"):
            self.failureResultOf(self.ids.record("g:gus", CID + cid, self.answer(cid)))
        self.redis.down = False
        self.ids.linkUp()
        recorded = [self.redis.cmd_GET(self.ids.keyOf("g:gus", CID + c)) for c in "123"]
        self.assertIsNone(recorded[0])
        self.assertEqual(recorded[1:], [encodeAnswer(self.answer(c)) for c in "23"])
        self.assertEqual(self.ids.unrecorded, {})

    def test_keptUntilTaken(self) -> None:
        """
        An answer Redis still does not take once the link is up is kept
        for the next time; recorded, it lasts what is left of its time.
        """
        self.redis.down = True
        self.failureResultOf(self.ids.record("g:gus", CID, self.answer("x")))
        self.ids.linkUp()
        self.assertEqual(list(self.ids.unrecorded), [self.ids.keyOf("g:gus", CID)])
        self.clock.advance(KEEP_SECONDS - 1)
        self.redis.down = False
        self.ids.linkUp()
        name = self.ids.keyOf("g:gus", CID)
        self.assertEqual(self.redis.cmd_PTTL(name), 1000)


class OutageTests(SynchronousTestCase):
    """
    While Redis is away, each node's memory decides alone.
    """

    def test_outageDecidesHere(self) -> None:
        clock = MemoryReactorClock()
        clock.advance(1_700_000_000)
        redis = FakeRedis(clock)
        node = FakeNode(self, redis, "a")
        node.start()
        web = WebHarness(node.service, clock)
        page = web.connect("gus")
        page.send(type="join", room="lobby")
        web.flush()
        redis.down = True
        node.bridge.linkDown()
        page.take()
        for _ in range(2):
            page.send(type="say", room="lobby", text="hi", cid=CID)
            web.flush()
        replies = [f for f in page.take() if f["type"] == "say"]
        self.assertEqual([r.get("repeat") for r in replies], [None, True])
