"""
A registered user's C{JOIN} is answered once the store has its entry: what
the channel says meanwhile follows the C{JOIN}, its names and the history
offered with them (L{chatd.irc.joinhistory}).
"""

from __future__ import annotations

from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from tests.support.ircstorecase import IRCStoreTestCase


class JoinOrderTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        persistence = self.service.persistence
        assert persistence is not None
        self.successResultOf(persistence.configureRoom("club", None, None, None, None))
        self.bob, self.bobT = self.client()
        self.send(self.bob, self.bobT, "NICK bob", "USER u 0 * :U", "JOIN #club")
        self.send(self.bob, self.bobT, "PRIVMSG #club :old line")
        self.pending = self.delayMemberships()

    def joinGreeted(self, caps: str, join: str) -> list[Message]:
        """
        alice (registered) joins C{#club} and bob greets her before the
        store has her entry: what alice is shown.
        """
        alice, t, _ = self.saslAs("alice", "sesame", "alice")
        if caps:
            self.send(alice, t, "CAP REQ :" + caps)
        alice.dataReceived(join.encode("utf-8") + b"\r\n")
        self.bob.dataReceived(b"PRIVMSG #club :Welcome alice!\r\n")
        shown = self.send(alice, t)
        self.assertEqual(len(self.pending), 1)
        self.pending[0].callback(None)
        return shown + self.send(alice, t)

    def shape(self, messages: list[Message]) -> list[str]:
        said = {"PRIVMSG"}
        return [m.command + (" " + m.params[-1] if m.command in said else "") for m in messages]

    def test_joinBeforeGreeting(self) -> None:
        """
        A labelled C{JOIN}: its answer (JOIN, names) before the greeting.
        """
        shown = self.joinGreeted("labeled-response", "@label=j1 JOIN #club")
        self.assertEqual(
            self.shape(shown),
            ["JOIN", "353", "366", "PRIVMSG Welcome alice!"],
        )

    def test_historyBeforeGreeting(self) -> None:
        """
        A client with C{batch} and C{server-time} is offered the channel's
        history: the greeting comes after it.
        """
        shown = self.joinGreeted("batch server-time", "JOIN #club")
        self.assertEqual(
            self.shape(shown),
            ["JOIN", "353", "366", "BATCH", "PRIVMSG old line", "BATCH", "PRIVMSG Welcome alice!"],
        )

    def test_labelledHistoryBeforeGreeting(self) -> None:
        """
        The same, labelled: the greeting follows the whole answer.
        """
        shown = self.joinGreeted("batch server-time labeled-response", "@label=j1 JOIN #club")
        self.assertEqual(
            self.shape(shown),
            ["BATCH", "JOIN", "353", "366", "BATCH", "PRIVMSG old line", "BATCH", "BATCH"]
            + ["PRIVMSG Welcome alice!"],
        )

    def test_heldAtMost(self) -> None:
        """
        A history that never comes holds the channel's messages
        L{chatd.lines.roomhold.HOLD} seconds at most.
        """
        alice, t, _ = self.saslAs("alice", "sesame", "alice")
        self.send(alice, t, "CAP REQ :batch server-time")
        assert isinstance(alice, IRCProtocol)
        alice.roomHistory = lambda room, events: None  # type: ignore[method-assign]
        alice.dataReceived(b"JOIN #club\r\n")
        self.pending[0].callback(None)
        self.send(self.bob, self.bobT, "PRIVMSG #club :Welcome alice!")
        self.assertNotIn("PRIVMSG Welcome alice!", self.shape(self.send(alice, t)))
        self.clock.advance(3)
        self.assertEqual(self.shape(self.send(alice, t)), ["PRIVMSG Welcome alice!"])
