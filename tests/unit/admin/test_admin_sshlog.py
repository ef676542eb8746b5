"""
Tests for L{chatd.admin.ssh.withHostKey} and L{QuietConchFactory}: the
SSH listeners' key exchange primes, and no line in the log at every login
about them.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from twisted.conch.ssh.keys import Key
from twisted.cred.portal import Portal
from twisted.internet.address import IPv4Address
from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from chatd.admin.ssh import QuietConchFactory, withHostKey

GROUP_EXCHANGE = b"diffie-hellman-group-exchange-sha256"
#: One line of a moduli file (the format of OpenSSH's /etc/ssh/moduli).
MODULI_LINE = "20240101000000 2 6 100 2047 2 " + "F" * 512 + "\n"


class PrimesTests(SynchronousTestCase):
    def logins(self, moduli: Path) -> tuple[list[bytes], list[str]]:
        """
        The key exchanges a connection to an SSH listener made with
        C{moduli} offers, and what its making logged.
        """
        factory = withHostKey(
            QuietConchFactory(Portal(object())),  # type: ignore[arg-type]
            Key(Ed25519PrivateKey.generate()),
            moduli,
        )
        factory.startFactory()
        with capturedLogs() as events:
            transport = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 4321))
        return list(transport.supportedKeyExchanges), [formatEvent(e) for e in events]

    def test_noModuliFile(self) -> None:
        """
        Without a moduli file, only fixed groups are offered, and no line
        says so at every connection.
        """
        exchanges, logged = self.logins(Path(self.mktemp()))
        self.assertNotIn(GROUP_EXCHANGE, exchanges)
        self.assertEqual(logged, [])

    def test_systemModuliFile(self) -> None:
        """
        With the system's moduli file, its primes are used for group
        exchange, which is offered.
        """
        moduli = Path(self.mktemp())
        moduli.write_text("# comment\n" + MODULI_LINE)
        exchanges, logged = self.logins(moduli)
        self.assertIn(GROUP_EXCHANGE, exchanges)
        self.assertEqual(logged, [])
