# -*- test-case-name: tests.unit.test_reload_tls -*-
"""
A TLS listener's files read with errors an operator can act on.

OpenSSL says what went wrong in its own terms (C{[('PEM routines', '',
'no start line')]}) and never which file: at start or on a reload (SIGHUP)
after a certificate was replaced, the log must name the file and say in
words what is wrong with it.
"""

from __future__ import annotations

import re

from OpenSSL import SSL, crypto
from twisted.internet import ssl

_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
#: What a listener's C{extraCertChain=} file is called in errors.
CHAIN = "certificate chain"

#: OpenSSL's reasons for a certificate it cannot read, in words.
_CERTIFICATE_REASONS = {
    "no start line": "holds no certificate (no '-----BEGIN CERTIFICATE-----' line)",
    "bad end line": "is cut short or damaged (a certificate without its '-----END"
    " CERTIFICATE-----' line)",
    "bad base64 decode": "is damaged (a certificate whose text is not base64)",
}


class CertificateError(ValueError):
    """
    A certificate or key file that cannot be used; the text names it and
    says why.
    """


def _reasons(error: Exception) -> list[str]:
    """
    OpenSSL's reasons in C{error} (the last part of each of its entries).
    """
    entries = error.args[0] if error.args and isinstance(error.args[0], list) else []
    return [str(entry[-1]) for entry in entries if isinstance(entry, tuple)] or [str(error)]


def readFile(what: str, path: str) -> bytes:
    """
    The bytes of C{path}, the C{what} (C{"certificate"}) file.

    @raise CertificateError: it cannot be read.
    """
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except OSError as error:
        raise CertificateError(f"cannot read the {what} file {path}: {error.strerror}") from error


def certificate(path: str) -> ssl.Certificate:
    """
    The certificate of the PEM file C{path} (its first: a chain after it
    is for C{extraCertChain=}).

    @raise CertificateError: it cannot be read, or holds no certificate
        OpenSSL reads.
    """
    return _certificates(path, "certificate", readFile("certificate", path))[0]


def describe(served: crypto.X509) -> tuple[str, str]:
    """
    What the log says of a certificate: its subject (C{CN=chat.example.org})
    and when it expires (C{2027-03-01 12:00 UTC}).
    """
    loaded = served.to_cryptography()
    expires = loaded.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC")
    return loaded.subject.rfc4514_string() or "(no subject)", expires


def chain(path: str) -> list[ssl.Certificate]:
    """
    Every certificate of the PEM file C{path}, in order (at least one).

    @raise CertificateError: it cannot be read, or one is not a
        certificate OpenSSL reads.
    """
    data = readFile(CHAIN, path)
    return _certificates(path, CHAIN, *(_CERTIFICATE.findall(data) or [data]))


def _certificates(path: str, what: str, *pems: bytes) -> list[ssl.Certificate]:
    try:
        return [ssl.Certificate.loadPEM(pem) for pem in pems]
    except crypto.Error as error:
        reasons = _reasons(error)
        words = _CERTIFICATE_REASONS.get(reasons[-1])
        if words is None:
            words = f"holds no certificate OpenSSL reads ({'; '.join(reasons)})"
        raise CertificateError(f"the {what} file {path} {words}") from error


def _noPassphrase(maxLength: int, verify: bool, extra: object = None) -> bytes:
    """
    The passphrase of an encrypted key: none (OpenSSL would ask on the
    daemon's terminal).
    """
    return b""


def privateKey(path: str) -> ssl.KeyPair:
    """
    The private key of the PEM file C{path}.

    @raise CertificateError: it cannot be read, holds no private key, or
        its key is encrypted or damaged.
    """
    data = readFile("private key", path)
    where = f"the private key file {path}"
    if b"PRIVATE KEY-----" not in data:
        raise CertificateError(
            f"{where} holds no private key (no '-----BEGIN PRIVATE KEY-----' line)"
        )
    if b"ENCRYPTED" in data:
        raise CertificateError(f"{where} holds an encrypted key: give one without a passphrase")
    try:
        key = crypto.load_privatekey(crypto.FILETYPE_PEM, data, _noPassphrase)
    except crypto.Error as error:
        raise CertificateError(
            f"{where} holds a private key OpenSSL cannot read, damaged or of a kind it does not"
            f" know ({'; '.join(_reasons(error))})"
        ) from error
    return ssl.KeyPair(key)


def context(options: ssl.CertificateOptions, keyPath: str, certificatePath: str) -> SSL.Context:
    """
    The TLS context of C{options}, made from the key of C{keyPath} and the
    certificate of C{certificatePath}.

    @raise CertificateError: they do not belong together, or OpenSSL
        refuses them (a key too small for its security level).
    """
    try:
        made: SSL.Context = options.getContext()
    except SSL.Error as error:
        reasons = _reasons(error)
        if "key values mismatch" in reasons:
            raise CertificateError(
                f"the private key in {keyPath} does not belong to the certificate in"
                f" {certificatePath}"
            ) from error
        raise CertificateError(
            f"OpenSSL refuses the certificate in {certificatePath} with the key in {keyPath}"
            f" ({'; '.join(reasons)})"
        ) from error
    return made
