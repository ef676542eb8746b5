"""
Message ids on the web wire, in memory: each message carries one C{msgid},
the same live, in the sender's reply and in history; a page that comes back
names the last message it has (C{after} in C{join} and C{login}) and is
replayed only what is newer; C{history} with C{before} scrolls back.
"""

from __future__ import annotations

from typing import Any, cast

from twisted.internet.defer import Deferred

from chatd.core.events import RoomMessage
from chatd.web.replay import ReplayMarks
from tests.support.webclient import JSONClient, StoredWebTestCase


def later(result: Any, waiting: list[Deferred[Any]]) -> Deferred[Any]:
    """
    C{result}, once the L{Deferred} appended to C{waiting} fires.
    """
    held: Deferred[Any] = Deferred()
    waiting.append(held)
    return held.addCallback(lambda _: result)


class SpeakingTestCase(StoredWebTestCase):
    """
    The web front-end over a service that keeps messages (in memory), and
    pages that speak and enter.
    """

    accountsAtStart = ()

    def speak(self, client: JSONClient, *texts: str, room: str = "lobby") -> list[str]:
        """
        Say each of C{texts} in C{room}; their msgids.
        """
        return [self.request(client, type="say", room=room, text=text)["msgid"] for text in texts]

    def entering(self, client: JSONClient, **fields: Any) -> list[dict[str, Any]]:
        """
        Join the lobby with C{fields}; the messages replayed after the reply.
        """
        self.assertEqual(self.request(client, type="join", room="lobby", **fields)["type"], "join")
        self.reactor.advance(0)
        self.web.flush()
        return [frame for frame in client.take() if frame["type"] == "message"]


class MsgidTests(SpeakingTestCase):
    def test_liveAfterTheReplay(self) -> None:
        """
        What is said in a room while the page enters it comes after the
        history replayed on entering, however long the replay takes to
        read (in a cluster it first waits for the other nodes' writes).
        """
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        self.speak(bob, "before")
        alice = self.web.connect("alice")
        reads: list[tuple[Any, ...]] = []
        pending: Deferred[list[RoomMessage]] = Deferred()
        history = self.store.history

        def slowly(*args: Any) -> Deferred[list[RoomMessage]]:
            reads.append(args)
            return pending

        self.patch(self.store, "history", slowly)
        self.assertEqual(self.request(alice, type="join", room="lobby")["type"], "join")
        self.speak(bob, "during")
        self.web.flush()
        self.assertEqual([f for f in alice.take() if f["type"] == "message"], [])
        pending.callback(self.successResultOf(history(*reads[0])))
        self.web.flush()
        shown = [(f["text"], f.get("history")) for f in alice.take() if f["type"] == "message"]
        self.assertEqual(shown, [("before", True), ("during", None)])

    def test_refusedJoinHoldsNothing(self) -> None:
        """
        A refused C{join} (here: already in the room) holds back nothing
        of what is said there.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.entering(alice)
        self.request(bob, type="join", room="lobby")
        self.assertEqual(self.request(alice, type="join", room="lobby")["type"], "error")
        self.speak(bob, "now")
        self.web.flush()
        self.assertEqual([f["text"] for f in alice.take() if f["type"] == "message"], ["now"])

    def test_sameIdEverywhere(self) -> None:
        """
        A room message has one C{msgid}: in the sender's C{say} reply, in the
        other members' C{message} event and in C{history}; a C{private} event
        and the C{tell} reply share theirs.  Ids differ between messages.
        """
        alice, bob = self.web.connect("alice"), self.web.connect("bob")
        self.request(alice, type="join", room="lobby")
        self.request(bob, type="join", room="lobby")
        alice.take()
        first, second = self.speak(bob, "one", "\x01ACTION waves\x01")
        self.assertNotEqual(first, second)
        live = alice.take()
        self.assertEqual([m["msgid"] for m in live], [first, second])
        self.assertEqual([m.get("history") for m in live], [None, None])
        reply = self.request(alice, type="history", room="lobby")
        self.assertEqual(
            [(m["text"], m["msgid"]) for m in reply["messages"]],
            [("one", first), ("* bob waves", second)],
        )
        told = self.request(bob, type="tell", to="alice", text="psst")
        [private] = alice.take()
        self.assertEqual(private["msgid"], told["msgid"])
        self.assertNotIn(told["msgid"], (first, second))


class ReplayTests(SpeakingTestCase):
    def test_joinAfter(self) -> None:
        """
        The history replayed on entering a room is marked C{"history":
        true}.  Entering a room with C{after}, the id of the last message the page
        has, replays only the messages after it; without C{after}, or with an
        id the replay does not hold, the whole replay.
        """
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        ids = self.speak(bob, "one", "two", "three")
        alice = self.web.connect("alice")
        replayed = self.entering(alice)
        self.assertEqual([m["text"] for m in replayed], ["one", "two", "three"])
        self.assertEqual([m["history"] for m in replayed], [True, True, True])
        self.request(alice, type="leave", room="lobby")
        replayed = self.entering(alice, after=ids[1])
        self.assertEqual([(m["text"], m["msgid"]) for m in replayed], [("three", ids[2])])
        self.request(alice, type="leave", room="lobby")
        self.assertEqual(self.entering(alice, after=ids[2]), [])
        self.request(alice, type="leave", room="lobby")
        self.assertEqual(len(self.entering(alice, after="unknown")), 3)
        self.request(alice, type="leave", room="lobby")
        self.assertEqual(len(self.entering(alice)), 3)  # a mark is used once

    def test_earlierAfterTheMark(self) -> None:
        """
        C{replayed} says C{earlier} of what is replayed: a replay that
        starts after the page's message (C{after}) leaves older messages in
        the room, that one at least, also in a room holding fewer messages
        than the history offered; the whole of such a room's replay leaves
        none.
        """
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        ids = self.speak(bob, *(f"m{n}" for n in range(6)))
        self.assertLess(len(ids), self.service.historyCount)
        alice = self.web.connect("alice")
        for after, texts, earlier in (
            (ids[2], ["m3", "m4", "m5"], True),
            (ids[5], [], True),
            (None, [f"m{n}" for n in range(6)], False),
            ("unknown", [f"m{n}" for n in range(6)], False),
        ):
            fields = {} if after is None else {"after": after}
            self.request(alice, type="join", room="lobby", **fields)
            self.reactor.advance(0)
            self.web.flush()
            frames = [f for f in alice.take() if f["type"] in ("message", "replayed")]
            self.assertEqual([f.get("text") for f in frames], [*texts, None])
            self.assertIs(frames[-1]["earlier"], earlier, after)
            self.request(alice, type="leave", room="lobby")

    def test_loginAfter(self) -> None:
        """
        C{login} takes C{after}, room names to message ids, for the rooms
        the service puts a registered user back in: their replay starts
        after that message.
        """
        alice = self.web.connect("alice")
        self.assertEqual(
            self.request(alice, type="register", password="sesame")["type"], "register"
        )
        self.request(alice, type="create", room="den")
        self.request(alice, type="join", room="den")
        alice.transport.loseConnection()
        self.web.flush()
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="den")
        ids = self.speak(bob, "one", "two", room="den")
        alice = self.web.connect()
        reply = self.request(
            alice, type="login", nick="alice", password="sesame", after={"DEN": ids[0]}
        )
        self.assertIn("den", reply["rooms"])
        self.reactor.advance(0)
        self.web.flush()
        frames = alice.take()
        replayed = [f for f in frames if f["type"] == "message"]
        self.assertEqual([(m["text"], m["msgid"]) for m in replayed], [("two", ids[1])])
        [end] = [f for f in frames if f["type"] == "replayed" and f["room"] == "den"]
        self.assertIs(end["earlier"], True)  # "one", the page's own, is older

    def test_loginAfterLongAbsence(self) -> None:
        """
        A page away for more messages than the replay holds (it names a
        message older than the replay) is sent everything said after its
        message, in order, then what is said live, held meanwhile.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="register", password="sesame")
        self.request(alice, type="create", room="den")
        self.request(alice, type="join", room="den")
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="den")
        [last] = self.speak(bob, "seen", room="den")
        alice.transport.loseConnection()
        self.web.flush()
        missed = [f"m{i}" for i in range(self.service.historyCount + 15)]
        self.speak(bob, *missed, room="den")
        # The replay is read slowly (a database's thread): "live" is said
        # meanwhile, once the service has put alice back in the room.
        slow: list[Deferred[Any]] = []
        history = self.store.history
        self.patch(self.store, "history", lambda *a: history(*a).addCallback(later, slow))
        alice = self.web.connect()
        self.request(alice, type="login", nick="alice", password="sesame", after={"den": last})
        person = self.service.find("alice")
        self.assertIn("den", self.service.roomsOf(person) if person is not None else [])
        self.speak(bob, "live", room="den")
        self.reactor.advance(0)
        while slow:
            slow.pop(0).callback(None)
            self.reactor.advance(0)
        self.web.flush()
        frames = alice.take()
        shown = [f["text"] for f in frames if f["type"] == "message"]
        self.assertEqual(shown, [*missed, "live"])
        [end] = [f for f in frames if f["type"] == "replayed" and f["room"] == "den"]
        self.assertIs(end["earlier"], True)  # "seen", the page's own, is older

    def test_loginAfterLongAbsenceFromAnEmptyRoom(self) -> None:
        """
        A page that entered a room with no message yet marks it C{"-"}:
        away for more messages than the replay holds, it is sent all of
        them, in order, and nothing is older.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="register", password="sesame")
        self.request(alice, type="create", room="den")
        self.request(alice, type="join", room="den")
        alice.transport.loseConnection()
        self.web.flush()
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="den")
        missed = [f"m{i}" for i in range(self.service.historyCount + 15)]
        self.speak(bob, *missed, room="den")
        alice = self.web.connect()
        self.request(alice, type="login", nick="alice", password="sesame", after={"den": "-"})
        self.reactor.advance(0)
        self.web.flush()
        frames = alice.take()
        shown = [f["text"] for f in frames if f["type"] == "message"]
        self.assertEqual(shown, missed)
        [end] = [f for f in frames if f["type"] == "replayed" and f["room"] == "den"]
        self.assertIs(end["earlier"], False)  # all of the room's messages

    def test_keptTell(self) -> None:
        """
        A C{tell} to a registered user who is not connected is answered
        with C{waiting: true} and the message's C{msgid} and time, the
        same that the recipient is given at their next login; the
        sender's other page shows it as their own words.
        """
        alice = self.web.connect("alice")
        self.request(alice, type="register", password="sesame")
        alice.transport.loseConnection()
        self.web.flush()
        bob = self.web.connect("bob")
        self.request(bob, type="register", password="secret")
        other = self.web.connect()
        self.request(other, type="login", nick="bob", password="secret")
        self.web.flush()
        other.take()
        reply = self.request(bob, type="tell", to="alice", text="are you there?")
        self.assertEqual((reply["waiting"], reply["text"]), (True, "are you there?"))
        self.web.flush()
        [seen] = [f for f in other.take() if f["type"] == "private"]
        self.assertEqual(
            (seen["from"], seen["to"], seen["msgid"]), ("bob", "alice", reply["msgid"])
        )
        alice = self.web.connect()
        self.request(alice, type="login", nick="alice", password="sesame")
        self.reactor.advance(0)
        self.web.flush()
        [waited] = [f for f in alice.take() if f["type"] == "private"]
        self.assertEqual((waited["msgid"], waited["time"]), (reply["msgid"], reply["time"]))

    def test_keptTellNamesTheAccount(self) -> None:
        """
        A C{tell} kept for a registered user typed in another case or
        spelling names them as their account is, in the reply and on the
        sender's other page.
        """
        sofia = self.web.connect("Σοφία")
        self.request(sofia, type="register", password="sesame")
        sofia.transport.loseConnection()
        nikos, other = self.web.connect("Νίκος"), self.web.connect()
        self.request(nikos, type="register", password="secret")
        self.request(other, type="login", nick="Νίκος", password="secret")
        self.web.flush()
        other.take()
        reply = self.request(nikos, type="tell", to="ΣΟΦΙΑ", text="γεια σου")
        self.assertEqual((reply["waiting"], reply["to"]), (True, "Σοφία"))
        self.web.flush()
        [seen] = [f for f in other.take() if f["type"] == "private"]
        self.assertEqual((seen["to"], seen["msgid"]), ("Σοφία", reply["msgid"]))

    def test_marks(self) -> None:
        """
        A mark is used once; room names are compared as names (case).
        """
        marksOf = ReplayMarks()
        marksOf.expectAll({"LOBBY": "b"})
        events = [RoomMessage("lobby", "bob", (t,), 1, msgid=t) for t in "abc"]
        web = cast(Any, None)  # asked only for a page away longer than the replay
        newer = self.successResultOf(marksOf.missed(web, "lobby", events))
        self.assertEqual([e.msgid for e in newer], ["c"])
        self.assertEqual(self.successResultOf(marksOf.missed(web, "lobby", events)), events)

    def test_badAfter(self) -> None:
        """
        An C{after} of the wrong type is error 10, and the request does
        nothing.
        """
        alice = self.web.connect("alice")
        reply = self.request(alice, type="join", room="lobby", after=5)
        self.assertEqual((reply["type"], reply["code"]), ("error", 10))
        self.assertNotIn("lobby", self.request(alice, type="rooms")["joined"])
        other = self.web.connect()
        for after in (["lobby"], {"lobby": 1}, "x"):
            reply = self.request(other, type="login", nick="other", after=after)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10))


class BeforeTests(SpeakingTestCase):
    def test_scrollBack(self) -> None:
        """
        C{history} with C{before} gives the C{limit} messages before that
        one, oldest first; at the start of the room, fewer or none.
        """
        bob = self.web.connect("bob")
        self.request(bob, type="join", room="lobby")
        ids = self.speak(bob, *[f"m{n}" for n in range(10)])
        reply = self.request(bob, type="history", room="lobby", before=ids[7], limit=3)
        self.assertEqual(
            [(m["text"], m["msgid"]) for m in reply["messages"]],
            [("m4", ids[4]), ("m5", ids[5]), ("m6", ids[6])],
        )
        reply = self.request(bob, type="history", room="lobby", before=ids[2], limit=5)
        self.assertEqual([m["text"] for m in reply["messages"]], ["m0", "m1"])
        reply = self.request(bob, type="history", room="lobby", before=ids[0])
        self.assertEqual(reply["messages"], [])
        reply = self.request(bob, type="history", room="lobby", before=ids[9])
        self.assertEqual(len(reply["messages"]), 9)

    def test_badBefore(self) -> None:
        """
        A C{before} that names no message of the room gets none; one that is
        empty or not a string is error 10; only members ask.
        """
        bob, carol = self.web.connect("bob"), self.web.connect("carol")
        self.request(bob, type="join", room="lobby")
        [msgid] = self.speak(bob, "hi")
        reply = self.request(bob, type="history", room="lobby", before="nope")
        self.assertEqual((reply["messages"], reply["stored"]), ([], True))
        self.request(bob, type="create", room="other")
        self.request(bob, type="join", room="other")
        reply = self.request(bob, type="history", room="other", before=msgid)
        self.assertEqual(reply["messages"], [])  # a message of another room
        for before in ("", 7):
            reply = self.request(bob, type="history", room="lobby", before=before)
            self.assertEqual((reply["type"], reply["code"]), ("error", 10), before)
        reply = self.request(carol, type="history", room="lobby", before=msgid)
        self.assertEqual((reply["type"], reply["code"]), ("error", 34))
