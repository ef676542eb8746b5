"""
An operator's name without an account is reserved however it came to have
none (L{chatd.core.operators.reservedNames}): never registered, or its
account deleted on the console; and the start-up log warns of the console's
C{op} grants without an account as of the configured names.  The account
created again for a configured name holds its rights at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import capturedLogs

from chatd.admin.commands import Consoles
from chatd.core import errors
from chatd.core.accounts import OPERATOR_NAME
from chatd.modstore import MemoryModerationStore
from chatd.testing import RecordingParticipant
from tests.support.tchatstorecase import TchatStoreTestCase


class DeletedOperatorAccountTests(TchatStoreTestCase):
    def deleteOperatorAccount(self) -> None:
        """The administrator creates C{moder}'s account, then deletes it."""
        self.successResultOf(self.service.createAccount("moder", "moderpass"))
        self.successResultOf(self.service.deleteAccount("moder", "root", "left the club"))
        self.assertFalse(self.successResultOf(self.service.isRegistered("moder")))

    def test_deletedAccountStaysReserved(self) -> None:
        """
        After C{account delete} of the configured operator C{moder}, a
        guest's TCHAT C{REGIS} of the name is refused (ERROR 12) as before
        the account existed: whoever registered it would get its rights.
        """
        self.deleteOperatorAccount()
        moder, tm = self.connectAs("moder")
        self.assertEqual(self.send(moder, tm, "clt: REGIS Secretpw1"), b"srv: ERROR 12\n")
        self.assertFalse(self.successResultOf(self.service.isRegistered("moder")))

    def test_noRightsAfterRestart(self) -> None:
        """
        Started again on the same store, the service gives the name's
        rights to nobody: no stranger's account holds the name, and a
        guest may not register it then either.
        """
        self.deleteOperatorAccount()
        stranger = self.login("moder", address="192.0.2.9")
        self.failureResultOf(self.service.register(stranger, "Secretpw1"), errors.NotPermitted)
        self.service.disconnect(stranger)
        self.service.stopService()
        self.service = self.makeService()
        stranger = RecordingParticipant("192.0.2.9")
        self.service.connect(stranger)
        self.failureResultOf(self.service.login(stranger, "moder", "Secretpw1"), errors.BadPassword)
        self.service.disconnect(stranger)
        guest = self.login("moder")
        self.login("bob")
        self.assertRaises(errors.NotPermitted, self.service.kick, guest, "bob")
        refused = self.failureResultOf(self.service.register(guest, "Secretpw1"))
        self.assertEqual(refused.value.text, OPERATOR_NAME)


class RecreatedOperatorAccountTests(TchatStoreTestCase):
    """
    The account an administrator creates again for a configured operator
    name (C{--operators}) after C{account delete} holds its rights at once,
    with no reload.
    """

    def console(self, line: str) -> str:
        return str(self.successResultOf(Consoles(self.service)("root").execute(line)))

    def recreate(self) -> None:
        """The console creates C{moder}'s account, deletes it and creates it again."""
        self.assertIn("account moder created", self.console("add account moder Moderpass1"))
        self.assertIn("deleted the account moder", self.console("account delete moder left"))
        self.assertIn("account moder created", self.console("add account moder Moderpass2"))

    def test_recreatedAccountKicksAtOnce(self) -> None:
        """
        Signed in over TCHAT with the new password, C{moder} kicks a member
        out of a room it is not in, as only a chatd operator may (anyone
        else gets ERROR 34), and the console's C{whois} calls it an operator.
        """
        self.recreate()
        bob, tb = self.connectAs("bob")
        self.send(bob, tb, "clt: CREAT lobby", "clt: ENTER lobby")
        moder, tm = self.connectAs("moder", "Moderpass2")
        self.assertEqual(self.send(moder, tm, "clt: KICK lobby bob out"), b"srv: OKAY!\n")
        self.assertIn(b"srv: LEAVE lobby bob", tb.value())
        self.assertEqual(self.console("whois moder").splitlines()[-1], "operator")

    def test_consoleGrantEndsWithTheAccount(self) -> None:
        """
        What the console's C{op} gave an account goes with it (whoever
        registers the name next gets nothing), but a configured name keeps
        its rights for the account created again.
        """
        self.successResultOf(self.service.createAccount("ghost", "Ghostpass1"))
        self.console("op ghost")
        self.console("op moder")  # configured too: already an operator
        self.recreate()
        self.console("account delete ghost")
        ghost = self.login("ghost")
        self.successResultOf(self.service.register(ghost, "Ghostpass2"))
        self.assertFalse(self.service.isOperator(ghost))
        self.assertTrue(self.service.isOperator(self.login("moder", "Moderpass2")))


class ConsoleGrantWarningTests(TchatStoreTestCase):
    def warned(self, events: Sequence[dict[str, Any]]) -> list[object]:
        text = "has no registered account"
        return [e["name"] for e in events if text in str(e.get("log_format"))]

    def test_consoleGrantWarnedAtStart(self) -> None:
        """
        A name the console made an operator (C{op}) that has no account is
        warned of at start, as a configured one is, whichever of the
        sanctions and the accounts loads first.
        """
        sanctions = MemoryModerationStore()
        self.successResultOf(Deferred.fromCoroutine(self.service.moderation.restore(sanctions)))
        self.service.moderation.op("ghost", "root")
        self.service.stopService()
        with capturedLogs() as events:
            self.service = self.makeService(sanctions=sanctions)
        self.assertEqual(self.warned(events), ["moder", "ghost"])
        self.service.stopService()
        with capturedLogs() as events:
            self.service = self.makeService()
            self.successResultOf(Deferred.fromCoroutine(self.service.moderation.restore(sanctions)))
        self.assertEqual(self.warned(events), ["moder", "ghost"])

    def test_consoleGrantWithAccountNotWarned(self) -> None:
        """A console grant whose account exists is not warned of."""
        sanctions = MemoryModerationStore()
        self.successResultOf(Deferred.fromCoroutine(self.service.moderation.restore(sanctions)))
        self.service.moderation.op("ghost", "root")
        self.successResultOf(self.service.createAccount("ghost", "ghostpass"))
        self.service.stopService()
        with capturedLogs() as events:
            self.service = self.makeService(sanctions=sanctions)
        self.assertEqual(self.warned(events), ["moder"])
