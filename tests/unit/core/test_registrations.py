"""
L{chatd.core.registrations}: how many new accounts one address may
register, through TCHAT's C{REGIS} and IRC's C{REGISTER}.
"""

from __future__ import annotations

from ipaddress import ip_network

from twisted.internet.testing import StringTransport

from chatd.core.registrations import RegistrationPace
from chatd.irc.factory import IRCFactory
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
