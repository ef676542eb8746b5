"""
SCRAM-SHA-256 (L{chatd.core.scram}): RFC 7677's example exchange, a wrong
proof, and the verifier an account gets at registration and at its next
password login (L{chatd.core.accounts.Accounts}).
"""

from __future__ import annotations

from base64 import b64decode
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from chatd.core import errors
from chatd.core.accounts import Accounts, PasswordChecker
from chatd.core.scram import ScramError, ScramExchange, ScramProof, deriveVerifier, parseVerifier
from chatd.storage.memory import MemoryChatStore
from tests.support.persistencecase import FAST, inline

#: RFC 7677, section 3: user "user", password "pencil".
SALT = b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SERVER_FIRST = (
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
CLIENT_FINAL = (
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


class ExchangeTests(SynchronousTestCase):
    def exchange(self, verifier: str | None) -> ScramExchange:
        return ScramExchange(lambda name: succeed(verifier), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")

    def test_rfc7677(self) -> None:
        """
        RFC 7677's example: the server's messages are the RFC's, and the
        proof is valid for the account named in the first message.
        """
        exchange = self.exchange(deriveVerifier("pencil", SALT))
        first = self.successResultOf(Deferred.fromCoroutine(exchange.first(CLIENT_FIRST)))
        self.assertEqual(first, SERVER_FIRST)
        self.assertEqual(exchange.final(CLIENT_FINAL), (SERVER_FINAL, ScramProof("user", True)))

    def test_wrongProof(self) -> None:
        """
        A proof made with another password is not valid: the server's final
        message is an error, and the proof says so.
        """
        exchange = self.exchange(deriveVerifier("crayon", SALT))
        self.successResultOf(Deferred.fromCoroutine(exchange.first(CLIENT_FIRST)))
        final, proof = exchange.final(CLIENT_FINAL)
        self.assertEqual((final, proof), ("e=invalid-proof", ScramProof("user", False)))

    def test_noVerifier(self) -> None:
        """
        A name without a verifier (no account, or none yet) gets a server's
        first message as an account does, with a salt that is the same at
        every attempt and another name's, and fails only at the final step.
        """

        def serverFirst(clientFirst: str) -> dict[str, str]:
            first = Deferred.fromCoroutine(self.exchange(None).first(clientFirst))
            return dict(part.split("=", 1) for part in self.successResultOf(first).split(","))

        fields = serverFirst(CLIENT_FIRST)
        self.assertEqual(fields["i"], "4096")
        verifier = deriveVerifier("pencil")
        assert verifier is not None
        self.assertEqual(len(b64decode(fields["s"])), len(parseVerifier(verifier)[0]))
        self.assertTrue(fields["r"].startswith("rOprNGfwEbeRWgbNEkqO"))
        self.assertEqual(serverFirst(CLIENT_FIRST)["s"], fields["s"])
        self.assertNotEqual(serverFirst("n,,n=other,r=rOprNGfwEbeRWgbNEkqO")["s"], fields["s"])
        exchange = self.exchange(None)
        self.successResultOf(Deferred.fromCoroutine(exchange.first(CLIENT_FIRST)))
        self.assertEqual(
            exchange.final(CLIENT_FINAL), ("e=invalid-proof", ScramProof("user", False))
        )

    def test_malformed(self) -> None:
        """
        A first message that is not SCRAM's, or a final one before the
        first, cannot go on.
        """
        exchange = self.exchange(deriveVerifier("pencil", SALT))
        failure = self.failureResultOf(Deferred.fromCoroutine(exchange.first("hello")))
        failure.trap(ScramError)
        self.assertRaises(ScramError, exchange.final, CLIENT_FINAL)

    def test_verifierFormat(self) -> None:
        """
        A verifier holds the salt, the iteration count and both keys, none
        of them the password.
        """
        verifier = deriveVerifier("pencil", SALT)
        assert verifier is not None
        self.assertTrue(verifier.startswith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"))
        salt, storedKey, serverKey, iterations = parseVerifier(verifier)
        self.assertEqual((salt, iterations, len(storedKey), len(serverKey)), (SALT, 4096, 32, 32))
        self.assertNotIn("pencil", verifier)


class VerifierKeptTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.store = MemoryChatStore()
        checker = PasswordChecker(FAST, runInThread=inline)
        self.accounts = Accounts(self.store, self.clock, checker)

    def verifier(self, nick: str) -> Any:
        return self.successResultOf(self.store.scramVerifier(nick))

    def settle(self, coroutine: Any) -> Any:
        return self.successResultOf(Deferred.fromCoroutine(coroutine))

    def test_registration(self) -> None:
        """
        Registering derives the verifier; a new password replaces it.
        """
        self.settle(self.accounts.register("alice", "sesame"))
        first = self.verifier("alice")
        self.assertTrue(first.startswith("SCRAM-SHA-256$4096:"))
        self.settle(self.accounts.register("alice", "other"))
        self.assertNotEqual(self.verifier("alice"), first)

    def test_nextPasswordLogin(self) -> None:
        """
        An account registered before SCRAM (or whose password was set
        without one) has none until its next successful password login; a
        wrong password derives nothing.
        """
        passwordHash = self.successResultOf(self.accounts.checker.hash("sesame"))
        self.successResultOf(self.store.saveAccount("alice", passwordHash, 1))
        self.assertIsNone(self.verifier("alice"))
        failure = self.failureResultOf(
            Deferred.fromCoroutine(self.accounts.authenticate("alice", "wrong", "10.0.0.1"))
        )
        failure.trap(errors.BadPassword)
        self.assertIsNone(self.verifier("alice"))
        self.clock.advance(60)
        self.settle(self.accounts.authenticate("alice", "sesame", "10.0.0.1"))
        self.assertTrue(self.verifier("alice").startswith("SCRAM-SHA-256$"))

    def test_proofInPasswordsPlace(self) -> None:
        """
        A valid proof for the account authenticates as its password would;
        an invalid one, or one for another account, is a bad password.
        """
        self.settle(self.accounts.register("alice", "sesame"))
        self.settle(self.accounts.authenticate("alice", ScramProof("alice", True), "10.0.0.1"))
        for proof in [ScramProof("alice", False), ScramProof("bob", True)]:
            self.clock.advance(60)
            failure = self.failureResultOf(
                Deferred.fromCoroutine(self.accounts.authenticate("alice", proof, "10.0.0.1"))
            )
            failure.trap(errors.BadPassword)

    def test_storeDownAfterPassword(self) -> None:
        """
        A store that fails while the verifier is being kept does not undo
        the login: the password was right.
        """

        def down(nick: str) -> Deferred[str | None]:
            return fail(errors.StoreUnavailable())

        self.store.scramVerifier = down  # type: ignore[method-assign]
        passwordHash = self.successResultOf(self.accounts.checker.hash("sesame"))
        self.successResultOf(self.store.saveAccount("alice", passwordHash, 1))
        self.settle(self.accounts.authenticate("alice", "sesame", "10.0.0.1"))
