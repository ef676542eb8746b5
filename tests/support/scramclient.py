"""
L{ScramClient}: the client's side of a SASL C{SCRAM-SHA-256} exchange, for
the tests of the server's.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import b64decode, b64encode


def b64(data: bytes) -> str:
    return b64encode(data).decode("ascii")


class ScramClient:
    """
    The client's side of SCRAM-SHA-256, from RFC 5802 section 3.
    """

    def __init__(self, user: str, password: str, nonce: str = "fyko+d2lbbFgONRv9qkxdawL") -> None:
        self.password = password.encode("utf-8")
        self.nonce = nonce
        self.bare = f"n={user},r={nonce}"

    def first(self) -> str:
        return b64(("n,," + self.bare).encode())

    def final(self, serverFirst: str) -> str:
        text = b64decode(serverFirst).decode()
        fields = dict(part.split("=", 1) for part in text.split(","))
        assert fields["r"].startswith(self.nonce)
        salted = hashlib.pbkdf2_hmac(
            "sha256", self.password, b64decode(fields["s"]), int(fields["i"])
        )
        clientKey = hmac.digest(salted, b"Client Key", "sha256")
        storedKey = hashlib.sha256(clientKey).digest()
        withoutProof = f"c=biws,r={fields['r']}"
        self.authMessage = f"{self.bare},{text},{withoutProof}".encode()
        signature = hmac.digest(storedKey, self.authMessage, "sha256")
        proof = bytes(a ^ b for a, b in zip(clientKey, signature, strict=True))
        self.serverKey = hmac.digest(salted, b"Server Key", "sha256")
        return b64(f"{withoutProof},p={b64(proof)}".encode())

    def verify(self, serverFinal: str) -> bool:
        expected = b64(hmac.digest(self.serverKey, self.authMessage, "sha256"))
        return b64decode(serverFinal).decode() == f"v={expected}"
