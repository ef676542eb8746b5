"""
Tests for L{chatd.core.search} in a cluster: a search finds what another
node's user said a moment ago, still in that node's write queue.
"""

from __future__ import annotations

from chatd.core.search import search
from tests.support.queuedstore import QueuedNodes


class SearchTests(QueuedNodes):
    def test_findsWhatAnotherNodeQueues(self) -> None:
        """
        A search on node B waits for node A to write what it queues, as a
        history request does.
        """
        walter, yvonne = self.a.user("walter", "lobby"), self.b.user("yvonne", "lobby")
        self.successResultOf(self.a.outcome(self.a.service.say, walter, "lobby", ("gooseberry",)))
        found = self.b.outcome(search, self.b.service, yvonne, "gooseberry")
        self.assertEqual(
            [hit.message.lines for hit in self.successResultOf(found)], [("gooseberry",)]
        )
