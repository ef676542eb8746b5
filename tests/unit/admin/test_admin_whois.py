# -*- test-case-name: tests.unit.admin.test_admin_whois -*-
"""
Tests for console replies about accounts rather than connections: C{whois}
of an account signed in several times (L{chatd.admin.views}), an
always-on account with no connection open, and C{op} of a name nobody
registered (L{chatd.admin.commands}).
"""

from __future__ import annotations

from chatd.admin.commands import AdminConsole
from chatd.core.alwayson import alwaysOnOf
from chatd.testing import RecordingParticipant, settled
from tests.support.persistencecase import PersistenceTestCase


class SeveralConnectionsWhoisTests(PersistenceTestCase):
    def connectOver(self, protocol: str, address: str) -> RecordingParticipant:
        """
        Sign C{alice} in over C{protocol} from C{address}, a second later.
        """
        self.clock.advance(1)
        participant = RecordingParticipant(address, protocol)
        self.service.connect(participant)
        self.successResultOf(settled(self.service.login(participant, "alice", "sesame")))
        self.clock.advance(0)
        return participant

    def test_eachConnection(self) -> None:
        """
        C{whois} shows each of the account's connections, oldest first:
        address, protocol and since when.
        """
        self.registered("alice", "sesame")
        talk = self.connectOver("talk", "10.0.0.1")
        self.connectOver("web", "10.0.0.2")
        self.connectOver("tchat", "10.0.0.3")
        console = AdminConsole(self.service, "root", lambda: None)
        lines = self.successResultOf(console.execute("whois alice")).splitlines()
        self.assertEqual(
            [
                "alice: connected from 10.0.0.1 over talk since 2023-11-14 22:13:21 UTC",
                "alice: connected from 10.0.0.2 over web since 2023-11-14 22:13:22 UTC",
                "alice: connected from 10.0.0.3 over tchat since 2023-11-14 22:13:23 UTC",
            ],
            lines[:3],
        )
        self.service.disconnect(talk)
        self.clock.advance(0)
        lines = self.successResultOf(console.execute("whois alice")).splitlines()
        self.assertEqual(
            ["alice: connected from 10.0.0.2 over web since 2023-11-14 22:13:22 UTC"], lines[:1]
        )
        self.assertIn("10.0.0.3", lines[1])

    def test_alwaysOnNotConnected(self) -> None:
        """
        An always-on account with no connection open is not counted as
        reached by C{announce}, and C{mute} says it is not connected now.
        """
        self.registered("alice", "sesame")
        alice = self.connectOver("talk", "10.0.0.1")
        alwaysOn = alwaysOnOf(self.service)
        assert alwaysOn is not None
        self.assertTrue(self.successResultOf(alwaysOn.set(alice, True)))
        self.service.disconnect(alice, "closed")
        self.clock.advance(0)
        console = AdminConsole(self.service, "root", lambda: None)
        self.assertEqual(
            "announced to 0 user(s)", self.successResultOf(console.execute("announce hi"))
        )
        self.assertEqual(
            "muted alice for 1m (not connected now)",
            self.successResultOf(console.execute("mute alice 1m")),
        )


class OpOfAnAccountTests(PersistenceTestCase):
    def test_unregisteredName(self) -> None:
        """
        C{op} of a name nobody registered warns that nobody has the rights
        until the administrator creates the account, which no user may
        register (as C{--operators} warns at start); of a registered one,
        it does not.
        """
        console = AdminConsole(self.service, "root", lambda: None)
        reply = self.successResultOf(console.execute("op ghost"))
        self.assertEqual(
            reply.splitlines(),
            [
                "ghost is now an operator",
                "note: nobody has registered ghost: no user may register it now; nobody gets"
                " these rights until you create the account: add account ghost",
            ],
        )
        self.registered("alice", "sesame")
        self.assertEqual(
            self.successResultOf(console.execute("op alice")), "alice is now an operator"
        )
