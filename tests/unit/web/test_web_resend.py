"""
A page's message sent again is said once, in memory: C{say} and C{tell}
carry the page's own id for the message (C{cid}); the service keeps the
ids it accepted per person (an account on any connection, a guest by
nickname) and answers a repeat as the first (the same C{msgid}, with
C{repeat}), whichever connection brings it first.  C{sent} asks what
became of a C{cid}; C{history} with C{after} catches a page up.
"""

from __future__ import annotations

from typing import Any

from chatd.core.clientids import KEEP_IDS, KEEP_SECONDS
from tests.support.webclient import JSONClient, StoredWebTestCase

CID = "Zq3x-9fK_2mB7wLp"


class ResendTests(StoredWebTestCase):
    accountsAtStart = (("alice", "sesame"), ("dora", "sesame"))

    def setUp(self) -> None:
        super().setUp()
        self.bob = self.web.connect("bob")
        self.request(self.bob, type="join", room="lobby")
        self.old = self.signIn()
        self.request(self.old, type="join", room="lobby")
        self.new = self.signIn()  # the page back on a new connection, the old one still open
        self.bob.take()

    def roomTexts(self) -> list[str]:
        """The lobby's stored messages' texts, as bob reads them."""
        reply = self.request(self.bob, type="history", room="lobby", limit=100)
        return [m["text"] for m in reply["messages"]]

    def heardBy(self, client: JSONClient, kind: str) -> list[str]:
        """The texts of the C{kind} events C{client} got."""
        self.web.flush()
        frames = client.take()
        return [f["text"] for f in frames if f["type"] == kind]

    def twice(self, first: JSONClient, second: JSONClient, **request: Any) -> list[dict[str, Any]]:
        """C{request} with L{CID}, from C{first}, then again from C{second}."""
        return [self.request(c, cid=CID, **request) for c in (first, second)]

    def assertOnce(self, replies: list[dict[str, Any]]) -> None:
        """The second reply is the first one's message, marked a repeat."""
        first, again = replies
        self.assertEqual(first["type"], again["type"], replies)
        self.assertNotIn("repeat", first)
        self.assertIs(again["repeat"], True)
        for field in ("msgid", "time", "millis", "text", "from"):
            self.assertEqual(first[field], again[field], field)

    def test_roomOldConnectionLast(self) -> None:
        """
        The resend on the new connection comes first, the old connection's
        message after it: the old one is the repeat; the room sees one.
        """
        replies = self.twice(self.new, self.old, type="say", room="lobby", text="hello")
        self.assertOnce(replies)
        self.assertEqual(self.heardBy(self.bob, "message"), ["hello"])
        self.assertEqual(self.roomTexts(), ["hello"])

    def test_roomOldConnectionFirst(self) -> None:
        """
        The old connection's message comes first, the resend after it: the
        resend is answered as the old one was; the room sees one.
        """
        self.assertOnce(self.twice(self.old, self.new, type="say", room="lobby", text="hello"))
        self.assertEqual(self.heardBy(self.bob, "message"), ["hello"])
        self.assertEqual(self.roomTexts(), ["hello"])

    def test_sameConnectionTwice(self) -> None:
        """
        An impatient Enter on one connection sends it twice: said once.
        """
        self.assertOnce(self.twice(self.new, self.new, type="say", room="lobby", text="hi"))
        self.assertEqual(self.heardBy(self.bob, "message"), ["hi"])

    def test_privateBothOrders(self) -> None:
        """
        A private message sent again, either connection first: the
        recipient gets it once, and it is stored once.
        """
        for first, second, text in ((self.new, self.old, "one"), (self.old, self.new, "two")):
            replies = [
                self.request(c, type="tell", to="bob", text=text, cid=CID + text)
                for c in (first, second)
            ]
            self.assertOnce(replies)
        self.assertEqual(self.heardBy(self.bob, "private"), ["one", "two"])
        history = self.request(self.new, type="history", **{"with": "bob"})
        self.assertEqual([m["text"] for m in history["messages"]], ["one", "two"])

    def test_privateWaiting(self) -> None:
        """
        A private message for a registered user who is away, sent again:
        kept once, the repeat answered as waiting, with the same msgid.
        """
        replies = self.twice(self.old, self.new, type="tell", to="dora", text="later")
        self.assertOnce(replies)
        self.assertIs(replies[1]["waiting"], True)
        self.assertEqual(self.successResultOf(self.store.waitingCount("dora")), 1)

    def test_guest(self) -> None:
        """
        A guest's message sent again is said once, also from the guest's
        next connection under the same nickname; another guest's message
        with the same id is its own.
        """
        first = self.request(self.bob, type="say", room="lobby", text="a", cid=CID)
        self.assertOnce(
            [first, self.request(self.bob, type="say", room="lobby", text="a", cid=CID)]
        )
        self.bob.transport.loseConnection(1000)
        self.web.flush()
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        self.assertOnce([first, self.request(bob, type="say", room="lobby", text="a", cid=CID)])
        carol = self.web.connect("carol")
        self.request(carol, type="join", room="lobby")
        other = self.request(carol, type="say", room="lobby", text="a", cid=CID)
        self.assertNotIn("repeat", other)
        self.assertNotEqual(other["msgid"], first["msgid"])
        self.assertEqual(self.heardBy(self.new, "message"), ["a", "a"])

    def test_refusedIsNotAccepted(self) -> None:
        """
        A message refused is not accepted: sent again with its id once it
        may be, it is said.
        """
        self.request(self.new, type="leave", room="lobby")
        self.assertEqual(
            self.request(self.new, type="say", room="lobby", text="x", cid=CID)["code"], 34
        )
        self.request(self.new, type="join", room="lobby")
        said = self.request(self.new, type="say", room="lobby", text="x", cid=CID)
        self.assertNotIn("repeat", said)
        self.assertEqual(self.roomTexts(), ["x"])

    def test_forgottenInTime(self) -> None:
        """
        An id is kept L{KEEP_SECONDS}: sent again later, the message is
        said again (while the person's later ids are kept).
        """
        self.request(self.new, type="say", room="lobby", text="x", cid=CID)
        self.reactor.advance(KEEP_SECONDS - 1)
        self.request(self.new, type="say", room="lobby", text="y", cid=CID + "y")
        self.assertIn("repeat", self.request(self.old, type="say", room="lobby", text="x", cid=CID))
        self.reactor.advance(1)
        self.assertNotIn(
            "repeat", self.request(self.old, type="say", room="lobby", text="x", cid=CID)
        )
        again = self.request(self.old, type="say", room="lobby", text="y", cid=CID + "y")
        self.assertIn("repeat", again)
        self.assertEqual(self.roomTexts(), ["x", "y", "x"])

    def test_latestIdsKept(self) -> None:
        """
        The latest L{KEEP_IDS} ids of a person are kept, no more.
        """
        cids = [f"{n:016d}" for n in range(KEEP_IDS + 1)]
        alice = self.service.find("alice")
        assert alice is not None
        for cid in cids:
            self.service.messages.sent.attempt(
                alice, cid, lambda: self.service.say(alice, "lobby", ("x",))
            )
        sent = self.service.messages.sent
        self.assertIsNone(sent.accepted(alice, cids[0]))
        self.assertIsNotNone(sent.accepted(alice, cids[1]))

    def test_badId(self) -> None:
        """
        A C{cid} that is not a string of 16 to 64 letters, digits, C{-} or
        C{_} is error 10, and nothing is said.
        """
        for cid in (5, "short", "x" * 65, "with space 123456"):
            reply = self.request(self.new, type="say", room="lobby", text="x", cid=cid)
            self.assertEqual(reply["code"], 10, cid)
        self.assertEqual(self.roomTexts(), [])

    def test_sent(self) -> None:
        """
        C{sent} tells whether the message with a C{cid} was said, from
        any connection of the person, and as which message.
        """
        before = self.request(self.new, type="sent", cid=CID)
        self.assertEqual((before["type"], before["cid"], before["said"]), ("sent", CID, False))
        self.assertNotIn("msgid", before)
        said = self.request(self.old, type="say", room="lobby", text="x", cid=CID)
        told = self.request(self.old, type="tell", to="dora", text="y", cid=CID + "2")
        room = self.request(self.new, type="sent", cid=CID)
        self.assertEqual(
            (room["said"], room["room"], room["msgid"], room["millis"]),
            (True, "lobby", said["msgid"], said["millis"]),
        )
        private = self.request(self.new, type="sent", cid=CID + "2")
        self.assertEqual(
            (private["to"], private["msgid"], private["waiting"]), ("dora", told["msgid"], True)
        )
        self.assertEqual(self.request(self.bob, type="sent", cid=CID)["said"], False)
        self.assertEqual(self.request(self.new, type="sent")["code"], 10)


class CatchUpTests(StoredWebTestCase):
    accountsAtStart = (("erin", "sesame"),)

    def test_privateAfter(self) -> None:
        """
        C{history} C{with} a person C{after} a message: the messages after
        it, oldest first, a page at a time (C{later}: more follow).
        """
        bob = self.web.connect("bob")
        erin = self.signIn("erin")
        seen = self.request(bob, type="tell", to="erin", text="seen")["msgid"]
        for n in range(10):
            self.request(bob, type="tell", to="erin", text=f"lost {n}")
        reply = self.request(erin, type="history", after=seen, limit=6, **{"with": "bob"})
        self.assertEqual([m["text"] for m in reply["messages"]], [f"lost {n}" for n in range(6)])
        self.assertIs(reply["later"], True)
        last = reply["messages"][-1]["msgid"]
        rest = self.request(erin, type="history", after=last, limit=6, **{"with": "bob"})
        self.assertEqual([m["text"] for m in rest["messages"]], [f"lost {n}" for n in range(6, 10)])
        self.assertIs(rest["later"], False)
        both = self.request(erin, type="history", after=seen, before=last, **{"with": "bob"})
        self.assertEqual(both["code"], 10)
