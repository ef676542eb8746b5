"""
Tests for what C{admin revoke} ends: manhole shells as well as consoles,
and, in cluster mode, the revoked administrator's sessions on other nodes
(L{chatd.admin.commands.Consoles}, L{chatd.admin.manhole}).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twisted.conch.insults import insults
from twisted.conch.interfaces import ISession
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from chatd.admin.commands import Consoles
from chatd.admin.credentials import setPassword
from chatd.admin.manhole import BannerManhole, ManholeRealm
from chatd.admin.sessions import REVOKE_ADMIN
from tests.support.admincases import AccountsTestCase


class RecordingBridge:
    """
    Stands in for a cluster node's bridge as the service's observer: records
    what the console asks the other nodes to do.
    """

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def moderate(self, action: str, **fields: Any) -> None:
        self.published.append((action, fields))

    def everyoneHeard(self) -> None:
        return None

    def reachesEveryone(self) -> bool:
        return True


class RevokeTests(AccountsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.passwords = Path(self.mktemp())
        self.consoles = Consoles(self.service, passwords=self.passwords)

    def openManhole(self, who: str) -> StringTransport:
        """
        A manhole shell for C{who}, as its SSH session builds it.
        """
        terminal = insults.ServerProtocol(
            BannerManhole, {"service": self.service}, self.consoles(who)
        )
        transport = StringTransport()
        terminal.makeConnection(transport)
        self.assertIn(b"chatd manhole", transport.value())
        return transport

    def test_revokeClosesManholeShells(self) -> None:
        """
        A manhole shell counts as a session of the administrator who opened
        it: revoking them closes it (and only theirs).
        """
        alices = self.openManhole("alice")
        roots = self.openManhole("root")
        reply = self.successResultOf(self.consoles("root").execute("admin revoke alice"))
        self.assertEqual(
            "alice is no longer an administrator; 1 open console session(s) closed", reply
        )
        self.assertTrue(alices.disconnecting)
        self.assertFalse(roots.disconnecting)

    def test_closedShellLeavesTheRegistry(self) -> None:
        """
        A shell that ends is forgotten: a later revoke has nothing to close.
        """
        terminal = insults.ServerProtocol(BannerManhole, {}, self.consoles("alice"))
        terminal.makeConnection(StringTransport())
        self.assertEqual(1, len(self.consoles.sessions))
        terminal.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(set(), self.consoles.sessions)

    def test_realmNamesTheShellAfterTheAdministrator(self) -> None:
        """
        The manhole's SSH realm gives each login a shell registered under the
        name it logged in with.
        """
        realm = ManholeRealm({"service": self.service}, self.consoles, Clock())
        user = realm._getAvatar(b"alice")
        factory = ISession(user.original).chainedProtocolFactory  # type: ignore[attr-defined]
        terminal = factory()
        terminal.makeConnection(StringTransport())
        self.assertEqual(["alice"], [session.who for session in self.consoles.sessions])

    def test_revokeTellsTheOtherNodes(self) -> None:
        """
        In cluster mode a revoke is passed to the other nodes, whose
        registries close that administrator's sessions there.
        """
        bridge = RecordingBridge()
        self.service.observer = bridge  # type: ignore[assignment]
        self.addCleanup(setattr, self.service, "observer", None)
        self.successResultOf(self.consoles("root").execute("admin revoke alice"))
        self.assertEqual([(REVOKE_ADMIN, {"nick": "alice"})], bridge.published)

        otherNode = Consoles(self.service, passwords=self.passwords)
        there = insults.ServerProtocol(BannerManhole, {}, otherNode("Alice"))
        transport = StringTransport()
        there.makeConnection(transport)
        otherNode.peerModeration("ban", {"nick": "alice"})
        self.assertFalse(transport.disconnecting)
        otherNode.peerModeration(REVOKE_ADMIN, {"nick": "alice"})
        self.assertTrue(transport.disconnecting)

    def test_peerRevokeSparesPasswordFileAdministrators(self) -> None:
        """
        As on the node where it was typed, a name also in the password file
        keeps its sessions: its file password still lets it in.
        """
        setPassword(self.passwords, "alice", "open-sesame")
        transport = self.openManhole("alice")
        self.consoles.peerModeration(REVOKE_ADMIN, {"nick": "alice"})
        self.assertFalse(transport.disconnecting)
