"""
What belongs to an account stays the account's when a client signs in to
it under another nickname (SASL with another C{NICK}): its operator rights,
its requests to enter approval rooms, and the console's sanctions of the
nickname it goes by.
"""

from __future__ import annotations

from chatd.admin.commands import AdminConsole, Consoles
from tests.support.ircstorecase import IRCStoreTestCase


class AccountRightsTests(IRCStoreTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registered("kid", "kidpass")

    def console(self) -> AdminConsole:
        return Consoles(self.service)("root")

    def command(self, console: AdminConsole, line: str) -> str:
        reply: str = self.successResultOf(console.execute(line))
        return reply

    def test_operatorRightsFollowTheAccount(self) -> None:
        """
        An account the console made an operator keeps its rights under
        another nickname: its C{KILL} ends the victim's session.
        """
        console = self.console()
        self.command(console, "op kid")
        victim, tv = self.client()
        self.send(victim, tv, "NICK victimz", "USER v 0 * :V")
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal3")
        self.assertEqual(self.service.find("kal3"), self.service.people.personOf(kid))
        self.assertTrue(self.service.isOperator(kid))
        self.assertNotIn("481", self.codes(self.send(kid, tk, "KILL victimz :x")))
        self.assertTrue(tv.disconnecting)

    def test_approvalRequestIsTheAccounts(self) -> None:
        """
        A request to enter an approval room made under another nickname is
        the account's: listed and accepted by the account's name (not as a
        guest's), it lasts over a restart, and accepting it lets the
        client in.
        """
        kid, tk, _ = self.saslAs("kid", "kidpass", "kal")
        self.assertEqual(self.codes(self.send(kid, tk, "JOIN #Marketing")), ["473"])
        console = self.console()
        self.assertEqual(
            self.command(console, "pending rooms kid"), "kid waits to enter: Marketing"
        )
        self.assertEqual(self.command(console, "pending rooms kal"), "kal waits to enter no room")
        restarted = self.makeService()
        self.assertIn(("Marketing", "kid"), restarted.pendingRequests())
        reply = self.command(console, "accept pending kid Marketing")
        self.assertEqual(reply, "accepted kid in Marketing")
        joined = self.send(kid, tk)
        self.assertIn(("JOIN", ["#Marketing"]), [(m.command, m.params) for m in joined])
