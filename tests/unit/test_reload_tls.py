"""
Tests for SIGHUP and TLS certificates: every C{ssl:} listener the daemon
builds, the administration's and C{/metrics} included, reads its
certificate again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from twisted.application.service import IServiceCollection
from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from chatd.listeners import Listener
from chatd.options import Options
from chatd.reload import Reloader
from chatd.tap import makeService
from tests.support.tls import makeCertificate

OPTIONS = ("--port", "--irc", "--talk", "--web", "--admin", "--admin-ssh", "--manhole", "--metrics")


def services(top: Any) -> list[Any]:
    found = []
    for service in top:
        found.append(service)
        if IServiceCollection.providedBy(service):
            found.extend(services(service))
    return found


def serial(listener: Listener) -> int:
    """
    The serial number of the certificate C{listener} gives new connections.
    """
    assert listener.certificate is not None
    served = listener.certificate.options.certificate
    assert served is not None
    return int(served.get_serial_number())


class CertificateReloadTests(SynchronousTestCase):
    def test_everyTLSListenerReloads(self) -> None:
        """
        With every listener on C{ssl:} with the same files, a reload after
        the files were replaced makes each serve the new certificate.
        """
        directory = Path(self.mktemp())
        directory.mkdir()
        key, cert = makeCertificate(directory)
        tls = f"ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}"
        options = Options()
        options.parseOptions(
            ["--data-dir", str(directory / "data"), *(a for o in OPTIONS for a in (o, tls))]
        )
        top = makeService(options, MemoryReactorClock())
        listeners = [s for s in services(top) if isinstance(s, Listener)]
        self.assertEqual(len(listeners), len(OPTIONS))
        [reloader] = [s for s in services(top) if isinstance(s, Reloader)]

        makeCertificate(directory)
        reloader.reload()
        fresh = x509.load_pem_x509_certificate(cert.read_bytes()).serial_number
        served = {listener.label: serial(listener) for listener in listeners}
        self.assertEqual(served, dict.fromkeys(served, fresh))
