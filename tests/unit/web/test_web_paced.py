"""
The web front-end's history larger than C{--max-output}, in memory: the
C{history} reply comes in several frames (C{"more": true} on all but the
last) and the replay on joining a frame per message, a page at a time as
the page reads; it stays connected, and a live message said meanwhile
comes after the replay.  A long C{search} reply is paged the same way.
"""

from __future__ import annotations

from typing import Any

from chatd.core.allowance import HistoryAllowance
from tests.support.webclient import JSONClient, StoredWebTestCase

MAX_OUTPUT = 64 * 1024


class PacedWebHistoryTests(StoredWebTestCase):
    accountsAtStart = ()

    def options(self) -> dict[str, Any]:
        return {"maxPendingOutput": MAX_OUTPUT}

    def fill(self, count: int, size: int) -> None:
        for i in range(count):
            self.store.addMessage("lobby", "owner", None, (f"{i:04}" + "x" * (size - 4),), 1000 + i)

    def frames(self, client: JSONClient, rounds: int = 200) -> list[dict[str, Any]]:
        for _ in range(rounds):
            self.web.flush()
        self.assertIsNone(client.lost)
        return client.take()

    def test_history(self) -> None:
        """
        C{history} with a limit of 1000 over 100 messages of 2 KiB (three
        times the limit): its frames, joined, hold them all in order.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        self.frames(alice)
        self.fill(100, 2048)
        requestId = alice.send(type="history", room="lobby", limit=1000)
        replies = [f for f in self.frames(alice) if f.get("id") == requestId]
        self.assertGreater(len(replies), 1)
        self.assertEqual([f.get("more") for f in replies], [True] * (len(replies) - 1) + [None])
        self.assertEqual(
            {(f["type"], f["room"], f["stored"]) for f in replies}, {("history", "lobby", True)}
        )
        texts = [m["text"][:4] for f in replies for m in f["messages"]]
        self.assertEqual(texts, [f"{i:04}" for i in range(100)])

    def test_historyAtTheAllowancePace(self) -> None:
        """
        C{history} larger than its person's allowance of history holds
        comes in full, in order, at the allowance's pace: a frame of a page
        (16 messages here) as the allowance covers what follows it.
        """
        self.service.allowances.history = HistoryAllowance(
            self.reactor, burst=16384, rate=16384, patience=60
        )
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        self.frames(alice)
        self.fill(80, 872)  # 1000 bytes each on the wire: pages of 16 (MAX_OUTPUT // 4)
        requestId = alice.send(type="history", room="lobby", limit=80)
        replies = [f for f in self.frames(alice) if f.get("id") == requestId]
        self.assertEqual(len(replies), 1)
        for seconds, count in [(0.9, 1), (0.1, 2), (1, 3), (1, 5)]:
            self.reactor.advance(seconds)
            replies += [f for f in self.frames(alice) if f.get("id") == requestId]
            self.assertEqual(len(replies), count)
        self.assertEqual([f.get("more") for f in replies], [True] * 4 + [None])
        texts = [m["text"][:4] for f in replies for m in f["messages"]]
        self.assertEqual(texts, [f"{i:04}" for i in range(80)])

    def test_catchUpAtTheAllowancePace(self) -> None:
        """
        A page that comes back after more messages than the replay holds
        is sent what it missed, read as history (L{chatd.web.replay}), at
        its allowance's pace too: all of it, in order, but not at once.
        """
        self.service.allowances.history = HistoryAllowance(
            self.reactor, burst=16384, rate=16384, patience=60
        )
        count = self.service.historyCount + 64
        for i in range(count + 1):  # 1000 bytes each on the wire: pages of 16
            text = (f"{i:04}" + "x" * 868,)
            self.store.addMessage("lobby", "owner", None, text, 1000 + i, msgid=f"m{i}")
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby", after="m0")
        shown = [f["text"][:4] for f in self.frames(bob) if f["type"] == "message"]
        self.assertLess(len(shown), count // 2)
        for _ in range(count * 1000 // 16384 + 1):
            self.reactor.advance(1)
            shown += [f["text"][:4] for f in self.frames(bob) if f["type"] == "message"]
        self.assertEqual(shown, [f"{i:04}" for i in range(1, count + 1)])

    def test_joinReplay(self) -> None:
        """
        Joining a room whose last 20 messages are 8 KiB each replays them
        all; a message said meanwhile comes after them.
        """
        self.fill(20, 8192)
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        alice = self.web.connect("alice")
        alice.send(type="join", room="lobby")
        self.web.flush()
        self.reactor.advance(0)
        bob.send(type="say", room="lobby", text="live")
        shown = [f for f in self.frames(alice) if f["type"] == "message"]
        self.assertEqual([m["text"][:4] for m in shown], [f"{i:04}" for i in range(20)] + ["live"])
        self.assertEqual([m.get("history") for m in shown], [True] * 20 + [None])

    def test_replayEndsSayingWhetherOlder(self) -> None:
        """
        The replay on joining ends with C{replayed}, after its messages:
        C{earlier} is false when the room holds nothing older than what is
        replayed (the page then offers no "Earlier messages"), even when
        that is exactly the history offered on entering; true once it does.
        """
        count = self.service.historyCount
        self.fill(count, 10)
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        frames = [f for f in self.frames(alice) if f["type"] in ("message", "replayed")]
        self.assertEqual([f["type"] for f in frames], ["message"] * count + ["replayed"])
        self.assertEqual((frames[-1]["room"], frames[-1]["earlier"]), ("lobby", False))
        self.store.addMessage("lobby", "owner", None, ("one more",), 2000)
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        replayed = [f for f in self.frames(bob) if f["type"] in ("message", "replayed")]
        self.assertEqual(len(replayed), count + 1)
        self.assertEqual(replayed[-2]["text"], "one more")
        self.assertIs(replayed[-1]["earlier"], True)

    def test_replayOfAFewerMessagesRoom(self) -> None:
        """
        A room holding fewer messages than the history offered on entering
        (three quarters of it) replays every one of them, then C{replayed}
        with C{earlier} false.
        """
        stored = self.service.historyCount * 3 // 4
        self.fill(stored, 10)
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        frames = [f for f in self.frames(alice) if f["type"] in ("message", "replayed")]
        self.assertEqual([f["type"] for f in frames], ["message"] * stored + ["replayed"])
        self.assertIs(frames[-1]["earlier"], False)

    def test_search(self) -> None:
        """
        A C{search} whose 100 results of 2 KiB are three times the limit
        comes in several frames, all but the last with C{"more": true},
        newest first; the page stays connected.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="join", room="lobby")
        self.frames(alice)
        for i in range(100):
            text = f"{i:04} needle " + "x" * 2040
            self.store.addMessage("lobby", "owner", None, (text,), 1000 + i)
        requestId = alice.send(type="search", text="needle", limit=100)
        replies = [f for f in self.frames(alice) if f.get("id") == requestId]
        self.assertGreater(len(replies), 1)
        self.assertEqual([f.get("more") for f in replies], [True] * (len(replies) - 1) + [None])
        texts = [r["text"][:4] for f in replies for r in f["results"]]
        self.assertEqual(texts, [f"{i:04}" for i in reversed(range(100))])
