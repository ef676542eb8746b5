"""
L{ApprovalNodes}: two cluster nodes sharing one database, root's console on
either and an account waiting to enter an approval room, for the tests of
approval rooms across nodes (L{chatd.core.sharing},
L{chatd.core.approvals}, L{chatd.core.answers}).
"""

from __future__ import annotations

from chatd.admin.commands import AdminConsole
from chatd.core import errors
from chatd.testing import RecordingParticipant
from tests.support.fakenode import AccountNodesCase, FakeNode

START = 1_795_000_000  # 2026-11-18 11:06:40 UTC

#: The console's C{pending rooms} with no request listed.
NOBODY = "nobody waits to enter an approval room"


class ApprovalNodes(AccountNodesCase):
    """
    Nodes A and B sharing one database, and root's console on either.
    """

    started = START

    def run_(self, node: FakeNode, line: str) -> str:
        reply = node.outcome(AdminConsole(node.service, "root").execute, line)
        self.settle()
        text: str = self.successResultOf(reply)
        return text

    def asking(self, node: FakeNode | None = None) -> RecordingParticipant:
        """
        C{pupil1}, an account signed in on C{node} (A if not given), waits
        to enter C{Informatique}.
        """
        node = node or self.a
        pupil = node.user("pupil1")
        self.successResultOf(node.service.register(pupil, "sesame"))
        self.settle()
        self.failureResultOf(
            node.outcome(node.service.enter, pupil, "Informatique"), errors.PendingApproval
        )
        self.settle()
        return pupil
