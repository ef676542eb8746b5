"""
L{chatd.storage.spool}: the file that keeps acknowledged messages a stop
during a database outage could not write.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from chatd.storage.spool import Spool


class SpoolTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chatd-spool-"))
        self.addCleanup(shutil.rmtree, self.dir)
        self.spool = Spool(self.dir / "unwritten.json")

    def test_roundTrip(self) -> None:
        """
        What is written is read back as it was, in order, from a file only
        its owner may read; no file reads as nothing; removed, it is gone.
        """
        self.assertEqual(self.spool.read(), [])
        rows = [
            ("lobby", "Lobby", "zoë", None, None, "héllo\n✓", 7, 0, "m1", 7000, "z", None, None, 0)
            + ("zoë@guest-3f9a2c1d.chatd",)
        ]
        self.spool.write(rows)
        self.assertEqual(self.spool.read(), rows)
        self.assertEqual(self.spool.path.stat().st_mode & 0o777, 0o600)
        self.spool.remove()
        self.assertEqual(self.spool.read(), [])
        self.spool.remove()  # twice: nothing to do

    def test_directoryMade(self) -> None:
        """
        A data directory nothing made yet (the database is PostgreSQL's) is
        made, for its owner only.
        """
        spool = Spool(self.dir / "chatd-data" / "unwritten.json")
        spool.write([("x",) * 15])
        self.assertEqual(spool.read(), [("x",) * 15])
        self.assertEqual(spool.path.parent.stat().st_mode & 0o777, 0o700)

    def test_older(self) -> None:
        """
        What a chatd that kept no senders' C{user@host} wrote (one column
        fewer) is read back with none.
        """
        self.spool.write([("x",) * 14])
        self.assertEqual(self.spool.read(), [("x",) * 14 + (None,)])

    def test_damaged(self) -> None:
        """
        A damaged file is refused, naming it and saying what to do.
        """
        for text in ["{not json", '{"a": 1}', "[1, 2]", '[["one", "column"]]']:
            self.spool.path.write_text(text)
            error = self.assertRaises(ValueError, self.spool.read)
            self.assertIn(f"{self.spool.path} is damaged", str(error))
            self.assertIn("move it away", str(error))
