"""
The credentials a node keeps for a database outage
(L{chatd.core.keptcredentials.KeptCredentials}): bounded, least lately
used first out, by name key, and never put back by a read older than a drop.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from chatd.core.keptcredentials import Credentials, KeptCredentials


class KeptCredentialsTests(SynchronousTestCase):
    def test_bounded(self) -> None:
        """
        At most C{size} accounts are kept: the least lately used goes first.
        """
        kept = KeptCredentials(size=2)
        kept.keep("alice", Credentials("alice", "h1"))
        kept.keep("bob", Credentials("bob", "h2"))
        self.assertIsNotNone(kept.get("alice"))  # used: bob is now the least lately
        kept.keep("carol", Credentials("carol", "h3"))
        self.assertEqual(len(kept), 2)
        self.assertIsNone(kept.get("bob"))
        self.assertEqual(kept.get("ALICE"), Credentials("alice", "h1"))  # by name key

    def test_readOlderThanADrop(self) -> None:
        """
        A read that began before an entry was dropped (a change of password
        elsewhere) does not keep what it read; one begun after does.
        """
        kept = KeptCredentials()
        since = kept.changes
        kept.forget("alice")
        kept.keepRead("alice", Credentials("alice", "old"), since)
        self.assertIsNone(kept.get("alice"))
        kept.keepRead("alice", Credentials("alice", "new"), kept.changes)
        self.assertEqual(kept.get("alice"), Credentials("alice", "new"))

    def test_forgetAll(self) -> None:
        """
        Changes may have been missed: every entry goes.
        """
        kept = KeptCredentials()
        kept.keep("alice", Credentials("alice", "h1"))
        kept.forgetAll()
        self.assertEqual(len(kept), 0)
