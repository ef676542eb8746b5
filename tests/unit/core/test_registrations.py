"""
L{chatd.core.registrations}: how many new accounts one address may
register, through TCHAT's C{REGIS} and IRC's C{REGISTER}.
"""

from __future__ import annotations

from ipaddress import ip_network

from twisted.internet.defer import Deferred, fail
from twisted.internet.testing import StringTransport

from chatd.core import errors
from chatd.core.registrations import PasswordChangePace, RegistrationPace
from chatd.irc.factory import IRCFactory
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output
from tests.support.persistencecase import PersistenceTestCase


class RegistrationPaceTests(PersistenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        assert self.service.persistence is not None
        pace = RegistrationPace(self.clock, self.service.admission, 2)
        self.service.persistence.accounts.pace = pace
        self.tchat = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)

    def register(self, nick: str, host: str = "192.0.2.7") -> bytes:
        proto, transport = connect(self.tchat, self.clock, host)
        assert isinstance(proto, TchatProtocol)
        output(transport, self.clock)
        self.send(proto, transport, f"clt: LOGIN {nick}")
        return self.send(proto, transport, "clt: REGIS sesame").split(b"\n")[0]

    def send(self, proto: TchatProtocol, transport: StringTransport, line: str) -> bytes:
        proto.dataReceived(line.encode() + b"\r\n")
        return output(transport, self.clock)

    def test_perAddress(self) -> None:
        """
        Two new accounts from one address, then C{ERROR 04}; the name stays
        free. Another address is not held back; an hour later the first may
        register again.
        """
        self.assertEqual(self.register("amy"), b"srv: OKAY!")
        self.assertEqual(self.register("ben"), b"srv: OKAY!")
        self.assertEqual(self.register("cal"), b"srv: ERROR 04")
        self.assertFalse(self.successResultOf(self.service.isRegistered("cal")))
        self.assertEqual(self.register("dan", host="198.51.100.1"), b"srv: OKAY!")
        self.clock.advance(3600)
        self.assertEqual(self.register("cy"), b"srv: OKAY!")

    def test_passwordChangeAndExemptNetworks(self) -> None:
        """
        A change of password is no new account; an address of the
        C{--limit-exempt} networks (a school's NAT) is not limited.
        """
        proto, transport = connect(self.tchat, self.clock, "192.0.2.7")
        output(transport, self.clock)
        self.send(proto, transport, "clt: LOGIN amy")
        for password in ("sesame", "other-pw", "third-pw"):
            self.assertEqual(
                self.send(proto, transport, f"clt: REGIS {password}")[:11], b"srv: OKAY!\n"
            )
        self.assertEqual(self.register("ben"), b"srv: OKAY!")
        self.service.admission.exempt = [ip_network("192.0.2.0/24")]
        for nick in ("cal", "dan", "eve"):
            self.assertEqual(self.register(nick), b"srv: OKAY!")

    def test_ircRegister(self) -> None:
        """
        IRC's C{REGISTER} is held back alike: C{FAIL REGISTER} with the reason.
        """
        self.register("amy")
        self.register("ben")
        irc = IRCFactory(self.service, self.clock, floodBurst=None, accountRegistration=True)
        proto, transport = connect(irc, self.clock, "192.0.2.7")
        proto.dataReceived(b"NICK cal\r\nUSER cal 0 * :C\r\nREGISTER * * sesame\r\n")
        seen = output(transport, self.clock).decode()
        self.assertIn("FAIL REGISTER TEMPORARILY_UNAVAILABLE", seen)
        self.assertIn("too many new accounts from your address", seen)


class PasswordChangeTests(PersistenceTestCase):
    """
    How often an account, and an address, may change a password: each
    change is an argon2 hash.
    """

    def setUp(self) -> None:
        super().setUp()
        assert self.service.persistence is not None
        self.accounts = self.service.persistence.accounts
        self.accounts.changes = PasswordChangePace(self.clock, self.service.admission, 2)
        self.tchat = TchatFactory(self.service, self.clock, floodBurst=None, aliveAfter=None)
        self.hashed: list[str] = []
        hash = self.accounts.checker.hash

        def hashing(password: str) -> Deferred[str]:
            self.hashed.append(password)
            return hash(password)

        self.patch(self.accounts.checker, "hash", hashing)

    def tchatAs(self, login: str, host: str = "192.0.2.7") -> tuple[TchatProtocol, StringTransport]:
        proto, transport = connect(self.tchat, self.clock, host)
        assert isinstance(proto, TchatProtocol)
        proto.dataReceived(f"clt: LOGIN {login}\r\n".encode())
        self.assertIn(b"srv: OKAY!\n", output(transport, self.clock))
        return proto, transport

    def regis(self, proto: TchatProtocol, transport: StringTransport, password: str) -> bytes:
        """
        C{REGIS password}: its answer, the other events aside.
        """
        proto.dataReceived(f"clt: REGIS {password}\r\n".encode())
        lines = output(transport, self.clock).split(b"\n")
        return [line for line in lines if line.startswith((b"srv: OKAY", b"srv: ERROR"))][0]

    def test_perAccount(self) -> None:
        """
        Registering is no change; two changes, then C{ERROR 04} without
        hashing, on every connection of the account, and the password
        stays the last one set.  An hour later it may change again.
        """
        proto, transport = self.tchatAs("amy")
        for password in ("first-pw", "second-pw", "third-pw"):
            self.assertEqual(self.regis(proto, transport, password), b"srv: OKAY!")
        self.assertEqual(self.regis(proto, transport, "fourth-pw"), b"srv: ERROR 04")
        other = self.tchatAs("amy third-pw", host="198.51.100.1")
        self.assertEqual(self.regis(*other, "fourth-pw"), b"srv: ERROR 04")
        self.assertEqual(self.hashed, ["first-pw", "second-pw", "third-pw"])
        self.clock.advance(3600)
        self.assertEqual(self.regis(proto, transport, "fourth-pw"), b"srv: OKAY!")

    def test_refusedForTheStoreNotCounted(self) -> None:
        """
        A change refused with C{ERROR 03} (the database is away) does not
        count: once it is back, the account changes its password as often
        as if those had not been asked, then gets C{ERROR 04}.
        """
        proto, transport = self.tchatAs("amy")
        self.assertEqual(self.regis(proto, transport, "first-pw"), b"srv: OKAY!")  # registered
        self.patch(self.store, "saveAccount", lambda *a: fail(errors.StoreUnavailable()))
        for password in ("second-pw", "third-pw", "fourth-pw"):
            self.assertEqual(self.regis(proto, transport, password), b"srv: ERROR 03")
        del self.store.saveAccount  # the database is back
        for password in ("second-pw", "third-pw"):
            self.assertEqual(self.regis(proto, transport, password), b"srv: OKAY!")
        self.assertEqual(self.regis(proto, transport, "fourth-pw"), b"srv: ERROR 04")

    def test_perAddress(self) -> None:
        """
        One address changes as many passwords of any accounts; another
        address, or a C{--limit-exempt} one, is not held back by it.
        """
        amy, ben = self.tchatAs("amy"), self.tchatAs("ben")
        self.regis(*amy, "first-pw")
        self.regis(*ben, "first-pw")
        self.assertEqual(self.regis(*amy, "second-pw"), b"srv: OKAY!")
        self.assertEqual(self.regis(*ben, "second-pw"), b"srv: OKAY!")
        self.assertEqual(self.regis(*amy, "third-pw"), b"srv: ERROR 04")
        cal = self.tchatAs("cal", host="198.51.100.1")
        self.regis(*cal, "first-pw")
        self.assertEqual(self.regis(*cal, "second-pw"), b"srv: OKAY!")
        self.service.admission.exempt = [ip_network("192.0.2.0/24")]
        self.assertEqual(self.regis(*amy, "third-pw"), b"srv: OKAY!")

    def test_talk(self) -> None:
        """
        Talk's C{/register} says why, in words.
        """
        factory = TalkFactory(self.service, self.clock, floodBurst=None)
        proto, transport = connect(factory, self.clock, "192.0.2.7")
        proto.dataReceived(b"amy\r\n")
        output(transport, self.clock)
        seen = b""
        for password in ("first-pw", "second-pw", "third-pw", "fourth-pw"):
            proto.dataReceived(f"/register {password}\r\n".encode())
            seen = output(transport, self.clock)
        self.assertIn(b"Sorry, too many changes of password lately", seen)
