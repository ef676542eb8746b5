# -*- test-case-name: tests.unit.admin.test_admin_columns -*-
"""
Tests for L{chatd.lines.columns}: the console's tables line up by terminal
columns, wide characters and combining accents included.
"""

from __future__ import annotations

import unicodedata

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.commands import AdminConsole
from chatd.core.service import ChatService
from chatd.lines.columns import pad, width


class ColumnTests(SynchronousTestCase):
    def test_width(self) -> None:
        """
        Wide characters take two columns, combining accents none.
        """
        self.assertEqual(6, width("日本語"))
        self.assertEqual(7, width(unicodedata.normalize("NFD", "Général")))
        self.assertEqual(5, width("lobby"))
        self.assertEqual("日本語    |", pad("日本語", 10) + "|")
        self.assertEqual("toolong", pad("toolong", 3))

    def test_roomsTable(self) -> None:
        """
        In C{rooms}, the mode column starts at the same terminal column
        on every row, whatever script the room's name is in.
        """
        service = ChatService(Clock(), rooms=["lobby"])
        service.addRoom("日本語")
        console = AdminConsole(service, "root", lambda: None)
        lines = self.successResultOf(console.execute("rooms")).splitlines()
        self.assertEqual(3, len(lines))
        for line in lines:
            name, mode = line.split()[:2]
            self.assertEqual(18, width(line[: line.index(mode, len(name))]), line)
