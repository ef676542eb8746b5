# -*- test-case-name: tests.unit.admin.test_admin_whois -*-
"""
Tests for the console's C{whois} of an account signed in from several
connections (L{chatd.admin.views}).
"""

from __future__ import annotations

from chatd.admin.commands import AdminConsole
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
