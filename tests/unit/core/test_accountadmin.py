"""
Tests for L{chatd.core.accountadmin}: what a deleted account leaves behind
in the service (founder, approvals, operator rights given to the name, the
registered names), on this node and on another sharing the store.
"""

from __future__ import annotations

from typing import Any

from chatd.core.accountadmin import UNREGISTERED
from chatd.core.names import key
from chatd.core.sharing import applyChange
from tests.support.admincases import AccountsTestCase


class DeleteAccountTests(AccountsTestCase):
    def setUp(self) -> None:
        super().setUp()
        assert self.service.persistence is not None
        self.persistence = self.service.persistence
        self.persistence.registered |= {key("alice"), key("bob")}  # as loaded at start
        self.changes: list[tuple[str, dict[str, Any]]] = []
        self.persistence.share(lambda kind, fields: self.changes.append((kind, fields)), bool)

    def test_whatTheNameLeaves(self) -> None:
        """
        The account no longer founds its rooms, its approvals to enter them
        end, the operator rights given to its name go, and the other nodes
        are told: whoever registers the name next inherits none of it.
        """
        self.successResultOf(self.service.setRoomFounder("lobby", "bob"))
        lobby = self.service.registry.get("lobby")
        lobby.approve(key("bob"))
        self.service.moderation.op("bob", "root")
        done = self.successResultOf(self.service.deleteAccount("BOB", "root"))
        self.assertEqual(("bob", 0, ("lobby",)), (done.account, done.ended, done.founded))
        self.assertEqual("", lobby.settings.founder)
        self.assertNotIn(key("bob"), lobby.approved)
        self.assertNotIn(key("bob"), self.service.moderation.operators)
        self.assertNotIn(key("bob"), self.persistence.registered)
        self.assertIn((UNREGISTERED, {"u": "bob"}), self.changes)

    def test_anotherNodeForgets(self) -> None:
        """
        A node told that another deleted the account forgets it is
        registered or always on.
        """
        self.persistence.alwaysOn.adopt("bob", True)
        self.successResultOf(applyChange(self.persistence, UNREGISTERED, {"u": "bob"}))
        self.assertNotIn(key("bob"), self.persistence.registered)
        self.assertFalse(self.persistence.alwaysOn.isOn("bob"))
