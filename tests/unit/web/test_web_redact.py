# -*- test-case-name: tests.unit.web.test_web_redact -*-
"""
The web front-end's C{redact} request and C{redacted} event
(L{chatd.web.requests.redact}, L{chatd.web.wire.encodeRedaction}), in
memory: who may delete, what every page is told, and history without it.
"""

from __future__ import annotations

from typing import Any

from tests.support.webclient import JSONClient, StoredWebTestCase


class RedactRequestTests(StoredWebTestCase):
    accountsAtStart = ()

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.bob = (self.web.connect(nick) for nick in ("alice", "bob"))
        for client in (self.alice, self.bob):
            self.request(client, type="join", room="lobby")
        self.said = self.request(self.alice, type="say", room="lobby", text="picnic at noon")
        self.bob.take()

    def redacted(self, client: JSONClient) -> list[dict[str, Any]]:
        frames = client.take()  # what came with replies, and since
        return [frame for frame in frames if frame["type"] == "redacted"]

    def test_authorDeletes(self) -> None:
        """
        The author's C{redact} is answered with the C{redacted} event's
        fields; every other page in the room gets that event; history no
        longer has the message.
        """
        msgid = self.said["msgid"]
        reply = self.request(self.alice, type="redact", room="lobby", msgid=msgid, reason="oops")
        self.assertEqual(
            reply,
            {
                "type": "redact",
                "id": reply["id"],
                "room": "lobby",
                "msgid": msgid,
                "by": "alice",
                "from": "alice",
                "reason": "oops",
                "time": 1000,
            },
        )
        frame = {
            "type": "redacted",
            "msgid": msgid,
            "by": "alice",
            "room": "lobby",
            "from": "alice",
            "reason": "oops",
            "time": 1000,
        }
        self.assertEqual(self.redacted(self.alice), [])
        self.assertEqual(self.redacted(self.bob), [frame])
        history = self.request(self.bob, type="history", room="lobby")
        self.assertNotIn(msgid, [m.get("msgid") for m in history["messages"]])

    def test_refused(self) -> None:
        """
        Someone else's message is refused with code 12, an unknown or
        already deleted one with code 10, a missing msgid with code 10;
        nobody is told anything.
        """
        msgid = self.said["msgid"]
        refused = self.request(self.bob, type="redact", room="lobby", msgid=msgid)
        self.assertEqual(
            (refused["type"], refused["code"], refused["request"]), ("error", 12, "redact")
        )
        unknown = self.request(self.alice, type="redact", room="lobby", msgid="nope")
        self.assertEqual((unknown["type"], unknown["code"]), ("error", 10))
        missing = self.request(self.alice, type="redact", room="lobby")
        self.assertEqual((missing["type"], missing["code"]), ("error", 10))
        self.assertEqual(self.redacted(self.alice) + self.redacted(self.bob), [])
        self.request(self.alice, type="redact", room="lobby", msgid=msgid)
        again = self.request(self.alice, type="redact", room="lobby", msgid=msgid)
        self.assertEqual((again["type"], again["code"]), ("error", 10))

    def test_private(self) -> None:
        """
        A private message is named by the conversation's other person
        (C{with}); the recipient may not delete it, the sender may, and
        bob's page gets C{redacted} with C{from} and C{to}.
        """
        told = self.request(self.alice, type="tell", to="bob", text="secret")
        msgid = told["msgid"]
        refused = self.request(self.bob, type="redact", msgid=msgid, **{"with": "alice"})
        self.assertEqual(refused["code"], 12)
        reply = self.request(self.alice, type="redact", msgid=msgid, **{"with": "bob"})
        self.assertEqual((reply["with"], reply["from"], reply["by"]), ("bob", "alice", "alice"))
        [frame] = self.redacted(self.bob)
        self.assertEqual(
            (frame["from"], frame["to"], frame["msgid"], "room" in frame),
            ("alice", "bob", msgid, False),
        )
        self.assertEqual(self.redacted(self.alice), [])

    def test_operatorInLoginReply(self) -> None:
        """
        A registered founder put back in its rooms at login learns from the
        login reply which of them it runs.
        """
        first = self.web.connect("carol")
        self.request(first, type="register", password="sesame")
        first.transport.loseConnection()
        self.web.flush()
        carol = self.web.connect()
        self.request(carol, type="login", nick="carol", password="sesame")
        self.request(carol, type="create", room="Jeux")  # its founder: carol's account
        self.request(carol, type="join", room="Jeux")
        carol.transport.loseConnection()
        self.web.flush()
        again = self.web.connect()
        reply = self.request(again, type="login", nick="carol", password="sesame")
        self.assertEqual(sorted(reply["rooms"]), ["Général", "Jeux"])
        self.assertEqual(reply["operatorIn"], ["Jeux"])

    def test_operatorInJoinReply(self) -> None:
        """
        The join reply says whether the user runs the room (so the page
        offers to delete others' messages there).
        """
        self.request(self.bob, type="create", room="Jeux")
        self.assertIs(self.request(self.bob, type="join", room="Jeux")["operator"], True)
        self.assertIs(self.request(self.alice, type="join", room="Jeux")["operator"], False)
