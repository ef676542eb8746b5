"""
Passwords and room keys are the same text however a keyboard composed it:
C{é} sent as one character (NFC) or as C{e} and a combining accent (NFD,
as some systems send it) opens the same account and the same room, over
TCHAT; a password hashed as typed before this rule still works.
"""

from __future__ import annotations

import unicodedata

from twisted.internet.defer import succeed
from twisted.internet.testing import StringTransport

from chatd.core.accounts import PasswordChecker
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase

COMPOSED = unicodedata.normalize("NFC", "Éléphant9")
DECOMPOSED = unicodedata.normalize("NFD", "Éléphant9")


class UnicodeSecretTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.factory = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)

    def session(self) -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.factory, self.clock)
        assert isinstance(proto, TchatProtocol)
        output(transport, self.clock)
        return proto, transport

    def send(self, proto: TchatProtocol, transport: StringTransport, line: str) -> bytes:
        proto.dataReceived((line + "\r\n").encode("utf-8"))
        return output(transport, self.clock)

    def test_passwordEitherForm(self) -> None:
        """
        Registered with the decomposed form, an account opens with the
        composed one, and the other way round; a wrong password still fails.
        """
        self.assertNotEqual(COMPOSED, DECOMPOSED)
        for registeredAs, typed, name in (
            (DECOMPOSED, COMPOSED, "zoe"),
            (COMPOSED, DECOMPOSED, "ana"),
        ):
            self.registered(name, registeredAs)
            proto, transport = self.session()
            reply = self.send(proto, transport, f"clt: LOGIN {name} {typed}")
            self.assertTrue(reply.startswith(b"srv: OKAY!"), reply)
            other, to = self.session()
            self.assertEqual(
                self.send(other, to, f"clt: LOGIN {name} Elephant9"), b"srv: ERROR 22\n"
            )

    def test_oldHashAsTyped(self) -> None:
        """
        A hash made of the decomposed text itself (before passwords were
        normalized) is still opened by that text, and by the composed one
        only through its normal form.
        """
        checker = PasswordChecker(runInThread=lambda call, *args: succeed(call(*args)))
        old = checker.hasher.hash(DECOMPOSED)
        self.assertTrue(self.successResultOf(checker.verify(old, DECOMPOSED)))
        self.assertFalse(self.successResultOf(checker.verify(old, "Elephant9")))
        new = self.successResultOf(checker.hash(DECOMPOSED))
        self.assertTrue(self.successResultOf(checker.verify(new, COMPOSED)))

    def test_oldHashMadeAgain(self) -> None:
        """
        An account whose hash is of the decomposed text itself (registered
        before passwords were normalized) opens with that text, and from
        then on with the composed one too: the login makes its hash again.
        """
        persistence = self.service.persistence
        assert persistence is not None
        hasher = persistence.accounts.checker.hasher  # today's parameters: nothing else to redo
        self.successResultOf(self.store.saveAccount("nfd", hasher.hash(DECOMPOSED), 1))
        proto, transport = self.session()
        self.assertEqual(
            self.send(proto, transport, f"clt: LOGIN nfd {COMPOSED}"), b"srv: ERROR 22\n"
        )
        reply = self.send(proto, transport, f"clt: LOGIN nfd {DECOMPOSED}")
        self.assertTrue(reply.startswith(b"srv: OKAY!"), reply)
        proto.transport.loseConnection()  # type: ignore[union-attr]
        proto.connectionLost(None)
        other, to = self.session()
        reply = self.send(other, to, f"clt: LOGIN nfd {COMPOSED}")
        self.assertTrue(reply.startswith(b"srv: OKAY!"), reply)

    def test_roomKeyEitherForm(self) -> None:
        """
        A room keyed C{Clé日本} in one form opens with the other.
        """
        alice, ta = self.session()
        self.send(alice, ta, "clt: LOGIN alice")
        self.send(alice, ta, "clt: CREAT clef")
        self.send(alice, ta, "clt: ENTER clef")
        user = self.service.find("alice")
        assert user is not None
        keyed = unicodedata.normalize("NFC", "Clé日本")
        self.service.changeRoomModes(user, "clef", [(True, "k", keyed)])
        bob, tb = self.session()
        self.send(bob, tb, "clt: LOGIN bob")
        self.assertEqual(self.send(bob, tb, "clt: ENTER clef Cle日本"), b"srv: ERROR 38\n")
        decomposed = unicodedata.normalize("NFD", keyed)
        self.assertEqual(self.send(bob, tb, f"clt: ENTER clef {decomposed}"), b"srv: OKAY!\n")
