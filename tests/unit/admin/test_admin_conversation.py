"""
Reading a reported private conversation over the console protocol
(C{conversation <user> <user> <since> [until]}, L{chatd.core.export}):
every private message between two people, either way, whether or not
they were registered, in order, page by page; each reading audited
without the text.
"""

from __future__ import annotations

from typing import Any

from chatd.core import export
from tests.support.admincases import AccountsTestCase, ConsoleScreen

NOW = 1_795_000_000  # 2026-11-18 11:06:40 UTC


class ConversationTests(AccountsTestCase):
    """
    Root's line console; pupil051 (whose account is gone) wrote to bob,
    who answered, and to alice.
    """

    def setUp(self) -> None:
        super().setUp()
        self.clock.advance(3600)
        self.screen = ConsoleScreen(self.service)

    def tell(self, sender: str, recipient: str, text: str, millis: int, **kwargs: Any) -> None:
        self.store.addMessage(
            None, sender, recipient, (text,), millis // 1000, millis=millis, **kwargs
        )

    def audit(self) -> str:
        (entry,) = self.successResultOf(self.service.moderation.lastAudit(1))
        return entry.what

    def test_conversation(self) -> None:
        """
        Both ways, the account's or not, oldest first; another
        conversation and room messages are left out; the audit trail
        names the two people, the span and the count.
        """
        ms = NOW * 1000
        self.tell("pupil051", "bob", "meet me alone", ms, accounts=(False, True))
        self.tell("Bob", "pupil051", "no", ms + 1, accounts=(True, False))
        self.tell("pupil051", "alice", "hi", ms + 2)
        self.store.addMessage("lobby", "pupil051", None, ("room",), NOW, millis=ms + 3)
        self.tell("PUPIL051", "bob", "waiting", ms + 4, pending=True, accounts=(False, True))
        self.assertEqual(
            "2026-11-18 11:06:40  to bob            pupil051: meet me alone\n"
            "2026-11-18 11:06:40  to pupil051       Bob: no\n"
            "2026-11-18 11:06:40  to bob            PUPIL051: waiting",
            self.screen.type("conversation bob pupil051 2026-11-18"),
        )
        self.assertEqual(
            "conversation bob pupil051 from 2026-11-18 00:00:00: 3 message(s)", self.audit()
        )
        self.assertEqual(
            "no private message between pupil051 and alice in that span",
            self.screen.type("conversation pupil051 alice 2026-11-18 00:00 2026-11-18 11:00"),
        )
        self.assertEqual(
            "conversation pupil051 alice from 2026-11-18 00:00:00 to 2026-11-18 11:00:00:"
            " 0 message(s)",
            self.audit(),
        )

    def test_pages(self) -> None:
        """
        A long conversation is read a page at a time; past the most an
        export holds, the last line gives the command for the rest.
        """
        self.patch(export, "MAX_EXPORT", 30)
        self.patch(export, "PAGE", 7)
        for i in range(45):
            self.tell("pupil051", "bob", f"m{i}", NOW * 1000 + i * 1000)
        rows = self.screen.type("conversation pupil051 bob 1d").splitlines()
        self.assertEqual(
            "(stopped at 30 messages: the rest is from 2026-11-18T11:07:10.000 UTC on:"
            " conversation pupil051 bob 2026-11-18T11:07:10.000)",
            rows[-1],
        )
        rest = self.screen.type(rows[-1].split(" on: ")[1].rstrip(")")).splitlines()
        texts = [row.rsplit(": ", 1)[1] for row in rows[:-1] + rest]
        self.assertEqual([f"m{i}" for i in range(45)], texts)
