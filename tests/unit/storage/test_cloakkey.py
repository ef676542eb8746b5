"""
Tests for L{chatd.storage.cloakkey}: the cloak secret in the data directory.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core.hosts import Hosts
from chatd.core.service import ChatService
from chatd.core.signedin import ProvenAccounts
from chatd.options import Options
from chatd.storage.cloakkey import CLOAK_KEY, cloakSecret
from chatd.tap import makeService


class CloakSecretTests(SynchronousTestCase):
    def test_madeOnceOwnerOnly(self) -> None:
        """
        The first call makes the secret, readable by its owner only; the
        next ones read the same.
        """
        dataDir = Path(self.mktemp())
        secret = cloakSecret(dataDir)
        self.assertEqual(len(secret), 32)
        path = dataDir / CLOAK_KEY
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        self.assertEqual(cloakSecret(dataDir), secret)
        self.assertEqual(path.read_text().strip(), secret.hex())

    def test_damaged(self) -> None:
        """
        A file that holds no secret is refused, and left as it is.
        """
        dataDir = Path(self.mktemp())
        dataDir.mkdir()
        (dataDir / CLOAK_KEY).write_text("not a secret\n")
        self.assertRaises(ValueError, cloakSecret, dataDir)
        self.assertEqual((dataDir / CLOAK_KEY).read_text(), "not a secret\n")

    def test_daemonKeepsCloaksOverARestart(self) -> None:
        """
        The daemon makes its guests' cloaks with its data directory's
        secret: the same address has the same cloak after a restart.  The
        secret is read (or made) when the daemon starts, as its own user,
        not when twistd builds it (as root, with C{--uid}).
        """
        dataDir = self.mktemp()

        def cloakOnce() -> str:
            options = Options()
            options.parseOptions(["--data-dir", dataDir])
            made = Path(dataDir, CLOAK_KEY).exists()
            top: Any = makeService(options, MemoryReactorClock())
            self.assertEqual(Path(dataDir, CLOAK_KEY).exists(), made)
            top.startService()
            try:
                return str(chatOf(top).people.hosts.cloak("192.0.2.1"))
            finally:
                top.stopService()

        first = cloakOnce()
        self.assertEqual(cloakOnce(), first)
        expected = Hosts(ProvenAccounts(), cloakSecret(Path(dataDir))).cloak("192.0.2.1")
        self.assertEqual(first, expected)


def chatOf(top: Any) -> ChatService:
    """
    The chat service among C{top}'s services.
    """
    [chat] = [service for service in top if isinstance(service, ChatService)]
    return chat
