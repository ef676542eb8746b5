"""
Tests for SIGHUP and TLS certificates: every C{ssl:} listener the daemon
builds, the administration's and C{/metrics} included, reads its
certificate again, and the log says which changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from twisted.application.service import IServiceCollection
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs, formatEvent
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


class RenewedCertificateTests(SynchronousTestCase):
    def test_renewalLogged(self) -> None:
        """
        A reload that finds a listener's certificate renewed logs one line
        for that listener, with the new certificate's subject and expiry,
        and its summary names it; listeners whose certificate did not change,
        and a reload that changes nothing, log no such line.
        """
        directory = Path(self.mktemp())
        (directory / "irc").mkdir(parents=True)
        (directory / "web").mkdir()
        ircKey, ircCert = makeCertificate(directory / "irc")
        webKey, webCert = makeCertificate(directory / "web")
        options = Options()
        options.parseOptions(
            [
                "--data-dir",
                str(directory / "data"),
                "--irc",
                f"ssl:0:interface=127.0.0.1:privateKey={ircKey}:certKey={ircCert}",
                "--web",
                f"ssl:0:interface=127.0.0.1:privateKey={webKey}:certKey={webCert}",
            ]
        )
        top = makeService(options, MemoryReactorClock())
        [reloader] = [s for s in services(top) if isinstance(s, Reloader)]

        makeCertificate(directory / "irc", "chat.example.org")
        renewed = x509.load_pem_x509_certificate(ircCert.read_bytes()).not_valid_after_utc
        with capturedLogs() as events:
            reloader.reload()
        logged = [formatEvent(event) for event in events]
        news = [line for line in logged if "new TLS certificate" in line]
        self.assertEqual(
            news,
            [
                "IRC: new TLS certificate for CN=chat.example.org, valid until"
                f" {renewed:%Y-%m-%d %H:%M} UTC"
            ],
        )
        self.assertIn("reloaded the configuration; changed: IRC's TLS certificate", logged)

        with capturedLogs() as events:
            reloader.reload()
        logged = [formatEvent(event) for event in events]
        self.assertEqual([line for line in logged if "new TLS certificate" in line], [])
        self.assertIn("reloaded the configuration; changed: nothing", logged)


def encrypted(key: Path) -> bytes:
    """
    C{key}'s private key, encrypted with a passphrase.
    """
    loaded = serialization.load_pem_private_key(key.read_bytes(), None)
    return loaded.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )


class BadCertificateTests(SynchronousTestCase):
    """
    A certificate, key or chain file that cannot be used is named in the
    log, with what is wrong with it in words, and the certificate served
    stays; at start, the one line that stops the daemon says the same.
    """

    def setUp(self) -> None:
        self.directory = Path(self.mktemp())
        self.directory.mkdir()
        self.key, self.cert = makeCertificate(self.directory)
        self.chain = self.directory / "chain.pem"
        self.chain.write_bytes(self.cert.read_bytes())
        self.other = self.directory / "other"
        self.other.mkdir()
        makeCertificate(self.other)

    def listener(self) -> tuple[Listener, Reloader]:
        tls = (
            f"ssl:0:interface=127.0.0.1:privateKey={self.key}:certKey={self.cert}"
            f":extraCertChain={self.chain}"
        )
        options = Options()
        options.parseOptions(
            ["--data-dir", str(self.directory / "data"), "--irc", tls, "--admin", "off"]
        )
        top = makeService(options, MemoryReactorClock())
        [irc] = [s for s in services(top) if isinstance(s, Listener) and s.label == "IRC"]
        [reloader] = [s for s in services(top) if isinstance(s, Reloader)]
        return irc, reloader

    def cases(self) -> list[tuple[Path, bytes | None, str]]:
        """
        What to write in which file (C{None}: remove it), and what the log
        then says.
        """
        return [
            (
                self.cert,
                b"garbage\n",
                f"the certificate file {self.cert} holds no certificate (no '-----BEGIN"
                " CERTIFICATE-----' line)",
            ),
            (
                self.cert,
                self.cert.read_bytes()[:200],
                f"the certificate file {self.cert} is cut short or damaged",
            ),
            (
                self.cert,
                self.cert.read_bytes().replace(b"MI", b"@@", 1),
                f"the certificate file {self.cert} is damaged",
            ),
            (
                self.cert,
                None,
                f"cannot read the certificate file {self.cert}: No such file or directory",
            ),
            (
                self.key,
                self.cert.read_bytes(),
                f"the private key file {self.key} holds no private key",
            ),
            (
                self.key,
                (self.other / "key.pem").read_bytes(),
                f"the private key in {self.key} does not belong to the certificate in {self.cert}",
            ),
            (
                self.key,
                encrypted(self.key),
                f"the private key file {self.key} holds an encrypted key: give one without a"
                " passphrase",
            ),
            (
                self.key,
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                f"the private key file {self.key} holds a private key OpenSSL cannot read",
            ),
            (
                self.chain,
                b"garbage\n",
                f"the certificate chain file {self.chain} holds no certificate",
            ),
        ]

    def test_reloadNamesTheFile(self) -> None:
        irc, reloader = self.listener()
        served = serial(irc)
        for path, content, said in self.cases():
            good = path.read_bytes()
            if content is None:
                path.unlink()
            else:
                path.write_bytes(content)
            with capturedLogs() as events:
                reloader.reload()
            logged = [formatEvent(event) for event in events]
            kept = f"reload: IRC's TLS certificate kept: {said}"
            self.assertTrue(any(line.startswith(kept) for line in logged), (said, logged))
            self.assertEqual(serial(irc), served)
            path.write_bytes(good)

    def test_startNamesTheFile(self) -> None:
        self.cert.write_bytes(b"garbage\n")
        stopped = self.assertRaises(SystemExit, self.listener)
        self.assertIn(
            f"chatd: IRC: cannot listen on 'ssl:0:interface=127.0.0.1:privateKey={self.key}",
            str(stopped.code),
        )
        self.assertTrue(
            str(stopped.code).endswith(
                f": the certificate file {self.cert} holds no certificate (no '-----BEGIN"
                " CERTIFICATE-----' line)"
            ),
            stopped.code,
        )
