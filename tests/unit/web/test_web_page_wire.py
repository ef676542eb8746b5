"""
What the page's features need from the WebSocket protocol, in memory:
actions marked as such, the topic in C{join} and in C{notice}, the C{topic}
and C{whowas} requests.
"""

from __future__ import annotations

from chatd.core import errors
from chatd.core.text import MAX_TEXT_BYTES
from chatd.testing import RecordingParticipant
from tests.support.webclient import WebTestCase

ACTION = "\x01ACTION waves\x01"


class ActionTests(WebTestCase):
    def test_actionMarked(self) -> None:
        """
        An action (CTCP C{ACTION}, IRC's C{/me}) reads C{* nick words} with
        C{"action": true}, in the sender's reply, the room's C{message} and a
        C{private} event; an ordinary message has no C{action} field.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        alice.take()
        reply = self.request(bob, type="say", room="lobby", text=ACTION)
        self.assertEqual((reply["text"], reply["action"]), ("* bob waves", True))
        [message] = alice.take()
        self.assertEqual((message["text"], message["action"]), ("* bob waves", True))
        reply = self.request(bob, type="say", room="lobby", text="* bob waves")
        self.assertNotIn("action", reply)
        self.assertNotIn("action", alice.take()[0])
        reply = self.request(bob, type="tell", to="alice", text=ACTION)
        self.assertEqual(reply["action"], True)
        [private] = alice.take()
        self.assertEqual((private["type"], private["action"]), ("private", True))


class TopicTests(WebTestCase):
    def test_topic(self) -> None:
        """
        C{join} carries the room's topic; C{topic} reads it, or sets it with
        a C{topic} field; members get a C{notice} with C{room}, C{by} and
        C{topic}, and one with C{modes} and C{args} for a change of modes.
        Only members ask; under mode C{t} only operators set it.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="create", room="den")
        joined = self.request(alice, type="join", room="den")
        self.assertEqual((joined["topic"], joined["status"]), ("", {"alice": "o"}))  # she runs it
        reply = self.request(bob, type="topic", room="den")
        self.assertEqual((reply["type"], reply["code"]), ("error", errors.NotMember.code))
        self.request(bob, type="join", room="den")
        alice.take()
        reply = self.request(alice, type="topic", room="den", topic="plans")
        self.assertEqual((reply["room"], reply["topic"]), ("den", "plans"))
        [notice] = bob.take()
        self.assertEqual(
            {k: notice[k] for k in ("type", "room", "by", "topic")},
            {"type": "notice", "room": "den", "by": "alice", "topic": "plans"},
        )
        self.assertEqual(self.request(bob, type="topic", room="den")["topic"], "plans")
        carol = self.web.connect("carol")
        self.assertEqual(self.request(carol, type="join", room="den")["topic"], "plans")
        owner = self.service.find("alice")
        assert owner is not None
        bob.take()
        self.service.changeRoomModes(
            owner, "den", [(True, "t", ""), (True, "o", "bob")]
        )  # t: already
        self.web.flush()
        modes = [f for f in bob.take() if f["type"] == "notice"]
        self.assertEqual(
            [(f["room"], f["by"], f["modes"], f["args"]) for f in modes],
            [("den", "alice", "+o", ["bob"])],
        )  # filed under den, whichever room the page shows
        self.service.changeRoomModes(owner, "den", [(False, "o", "bob")])
        reply = self.request(bob, type="topic", room="den", topic="mine")
        self.assertEqual((reply["type"], reply["code"]), ("error", 12))
        reply = self.request(bob, type="topic", room="den", topic=5)
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))

    def test_topicLength(self) -> None:
        """
        A topic is at most L{MAX_TEXT_BYTES} bytes of UTF-8, from the web
        as from every front-end (IRC advertises it as C{TOPICLEN}): a
        longer one is refused with the rule, and the topic stays as it was;
        in Chinese, a third as many characters.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="create", room="den")
        self.request(alice, type="join", room="den")
        self.request(alice, type="topic", room="den", topic="x" * MAX_TEXT_BYTES)
        reply = self.request(alice, type="topic", room="den", topic="y" * (MAX_TEXT_BYTES + 1))
        self.assertEqual((reply["type"], reply["code"]), ("error", errors.InvalidArgument.code))
        self.assertIn(f"at most {MAX_TEXT_BYTES} bytes of UTF-8", reply["text"])
        self.assertEqual(self.service.topic("den"), "x" * MAX_TEXT_BYTES)
        reply = self.request(alice, type="topic", room="den", topic="話" * 127)
        self.assertEqual((reply["type"], reply["code"]), ("error", errors.InvalidArgument.code))
        self.request(alice, type="topic", room="den", topic="話" * 126)
        self.assertEqual(self.service.topic("den"), "話" * 126)


class WhowasTests(WebTestCase):
    def test_whowas(self) -> None:
        """
        C{whowas} says what nickname a user took (C{renamedTo}), C{null} if
        they left or nobody used the name; masks are refused.
        """
        alice = self.web.connect("alice")
        other = RecordingParticipant(protocolName="irc")
        self.service.connect(other)
        self.service.login(other, "pb")
        self.service.rename(other, "pb2")
        reply = self.request(alice, type="whowas", nick="PB")
        self.assertEqual((reply["nick"], reply["renamedTo"]), ("PB", "pb2"))
        self.request(alice, type="tell", to="pb2", text="found you")
        self.assertEqual(other.events[-1].lines, ("found you",))  # type: ignore[attr-defined]
        self.service.disconnect(other, "quit")
        self.assertIsNone(self.request(alice, type="whowas", nick="pb2")["renamedTo"])
        self.assertIsNone(self.request(alice, type="whowas", nick="nobody")["renamedTo"])
        reply = self.request(alice, type="whowas", nick="p*")
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
