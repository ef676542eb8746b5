"""
L{chatd.admin.backup.backupOrder}: a backup copies the message journal
before the databases, so that what the journal lets go of meanwhile is in
the database copy (a journal copied after could leave a hole).
"""

from __future__ import annotations

from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.backup import backupOrder


class BackupOrderTests(SynchronousTestCase):
    def test_journalFirst(self) -> None:
        files = [
            Path("admin-passwords"),
            Path("chatd.sqlite3"),
            Path("journal/00000002.jsonl"),
            Path("journal/00000003.jsonl"),
            Path("moderation.sqlite3"),
        ]
        self.assertEqual(
            backupOrder(files),
            [
                Path("journal/00000002.jsonl"),
                Path("journal/00000003.jsonl"),
                Path("admin-passwords"),
                Path("chatd.sqlite3"),
                Path("moderation.sqlite3"),
            ],
        )
