"""
Erasing what a person wrote, over the console protocol
(L{chatd.admin.accountcommands}, L{chatd.core.erasure}): C{account delete
<name> --erase}, and C{erase <name>} for a name whose account is gone;
every message sent under the name goes, room and private, from history
and search, audited without a word of them.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.admin.commands import AdminConsole
from chatd.core.service import ChatService
from chatd.storage.conversations import Conversation
from tests.support.admincases import AccountsTestCase, ConsoleScreen

NOW = 1_795_000_000


class ErasureTests(AccountsTestCase):
    """
    Root's line console; bob (registered) wrote in lobby and to alice, who
    answered; a guest wrote in lobby too.
    """

    def setUp(self) -> None:
        super().setUp()
        self.screen = ConsoleScreen(self.service)
        both = (True, True)
        add = self.store.addMessage
        add("lobby", "bob", None, ("hello lobby",), NOW, msgid="r1", millis=NOW * 1000)
        add("lobby", "guest7", None, ("hi bob",), NOW, msgid="r2", millis=NOW * 1000 + 1)
        add(
            None,
            "Bob",
            "alice",
            ("meet me alone",),
            NOW,
            msgid="p1",
            millis=NOW * 1000 + 2,
            accounts=both,
        )
        add(
            None,
            "alice",
            "bob",
            ("no thanks",),
            NOW,
            msgid="p2",
            millis=NOW * 1000 + 3,
            accounts=both,
        )

    def found(self, words: str) -> list[str]:
        """What alice's search finds of C{words}, in lobby and her private messages."""
        found = self.successResultOf(self.store.search("alice", ["lobby"], words.split(), 10))
        return [message.msgid for message in found]

    def audit(self, count: int) -> list[str]:
        entries = self.successResultOf(self.service.moderation.lastAudit(count))
        return [entry.what for entry in entries]

    def test_deleteAndErase(self) -> None:
        """
        C{account delete bob --erase reason} deletes the account and every
        message sent as bob; what others wrote stays; the audit trail has
        the counts, not the text.
        """
        self.assertEqual(["p1"], self.found("meet alone"))
        reply = self.screen.type("account delete bob --erase parents asked")
        self.assertIn(
            "deleted the account bob; 0 session(s) ended;"
            " erased 1 room message(s), 1 private message(s) sent as bob",
            reply,
        )
        self.assertIsNone(self.successResultOf(self.store.accountHash("bob")))
        lobby = self.successResultOf(self.store.history("lobby", 10))
        self.assertEqual(["r2"], [message.msgid for message in lobby])
        self.assertEqual([], self.found("meet alone"))
        self.assertEqual(["p2"], self.found("thanks"))
        self.assertEqual(
            [
                "account delete bob --erase parents asked",
                "erase bob: 1 room message(s), 1 private message(s)",
            ],
            self.audit(2),
        )
        self.assertNotIn("meet", "\n".join(self.audit(10)))

    def test_deleteKeepsThenErase(self) -> None:
        """
        Without C{--erase} the messages stay, the private one still found
        by its recipient; C{erase bob} then takes them, the account gone.
        """
        reply = self.screen.type("account delete bob")
        self.assertNotIn("erased", reply)
        self.assertEqual(["p1"], self.found("meet alone"))
        self.assertEqual(
            "erased 1 room message(s), 1 private message(s) sent as BOB",
            self.screen.type("erase BOB"),
        )
        self.assertEqual([], self.found("meet alone"))
        self.assertEqual(
            ["account delete bob", "erase BOB: 1 room message(s), 1 private message(s)"],
            self.audit(2),
        )
        conversation = Conversation.between("alice", "bob")
        kept = self.successResultOf(self.store.window(conversation, limit=10))
        self.assertEqual(["p2"], [message.msgid for message in kept])
        self.assertEqual(
            "erased 0 room message(s), 0 private message(s) sent as bob",
            self.screen.type("erase bob"),
        )

    def test_usage(self) -> None:
        """
        C{erase} takes one name; a server without a store refuses.
        """
        for line in ("erase", "erase bad!name", "erase bob alice"):
            self.assertTrue(self.screen.type(line).startswith("usage: erase <username>"))
        console = AdminConsole(ChatService(self.clock, rooms=["lobby"]), "root")
        reply = self.successResultOf(maybeDeferred(console.execute, "erase bob"))
        self.assertTrue(reply.startswith("refused: "), reply)
