# -*- test-case-name: tests.integration.test_admin_credentials,tests.unit.admin.test_admin_guard -*-
"""
The moderation console over telnet (C{--admin}), behind a login prompt.

Telnet is clear text, so the listener defaults to 127.0.0.1; reach it from
elsewhere through SSH (C{--admin-ssh}) instead.  A connection gets three
attempts, one at a time, each checked when the password gate gives it its
turn (after the back-off of the name and of the client's address), and is
then closed; one that has not logged in after C{--admin-login-timeout}
seconds is closed too.  A stray C{IAC} from the client is dropped, never a
traceback; a subnegotiation without end is told and closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.conch import telnet
from twisted.conch.insults import insults
from twisted.cred.portal import IRealm, Portal
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import Protocol, ServerFactory, connectionDone
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.admin.commands import AdminConsole
from chatd.admin.credentials import AddressedCredentials
from chatd.admin.shell import ConsoleShell
from chatd.talk.lenient import LenientTelnet

#: Failed logins one telnet connection may make before it is closed.
MAX_ATTEMPTS = 3
#: Seconds a connection has to log in before it is closed.
LOGIN_TIMEOUT = 60.0
#: What a connection that sent a telnet subnegotiation without end (past
#: 4 KiB) is told before it is closed, at the prompt or in the console.
ENDLESS_NEGOTIATION = b"\nYou sent telnet commands without end: disconnecting.\n"


def _refused(failure: Failure) -> None:
    """
    A client may refuse any option (netcat answers none): not an error.
    """


class TerminalBootstrap(telnet.TelnetBootstrapProtocol):
    """
    Conch's telnet-to-terminal bridge, without logging a traceback each time
    a client refuses an option or never answers (netcat), which is normal.
    """

    def connectionMade(self) -> None:
        transport: Any = self.transport
        transport.negotiationMap[telnet.NAWS] = self.telnet_NAWS
        transport.negotiationMap[telnet.LINEMODE] = self.telnet_LINEMODE
        for option in (telnet.LINEMODE, telnet.NAWS, telnet.SGA):
            transport.do(option).addErrback(_refused)
        transport.will(telnet.ECHO).addErrback(_refused)
        self.protocol = self.protocolFactory(*self.protocolArgs, **self.protocolKwArgs)
        self.protocol.makeConnection(self)

    def write(self, data: bytes) -> None:
        """
        The terminal's bytes, each line ending once in CRLF: the terminal
        ends its lines in CRLF and the telnet transport below turns every
        LF into CRLF, so its CRLFs go down as LFs (with Conch's own
        conversion here too, every line ended in CR CR CR LF).
        """
        self.transport.write(data.replace(b"\r\n", b"\n"))  # type: ignore[union-attr]


@implementer(IRealm)
class ConsoleTelnetRealm:
    """
    Gives each administrator who logs in over telnet a console of their own.
    """

    def __init__(self, makeConsole: Callable[[str], AdminConsole]) -> None:
        self.makeConsole = makeConsole

    def requestAvatar(self, avatarId: Any, mind: object, *interfaces: Any) -> Any:
        if telnet.ITelnetProtocol not in interfaces:
            raise NotImplementedError("only telnet consoles here")
        name = avatarId.decode("utf-8") if isinstance(avatarId, bytes) else str(avatarId)
        console = self.makeConsole(name)
        protocol = TerminalBootstrap(insults.ServerProtocol, ConsoleShell, console)
        return telnet.ITelnetProtocol, protocol, lambda: None


class ConsoleLogin(telnet.AuthenticatingTelnetProtocol):
    """
    The login prompt, closing the connection after L{MAX_ATTEMPTS} failures
    or once C{timeout} seconds passed without a successful login.
    """

    attempts = 0
    transport: Any
    _deadline: IDelayedCall | None = None

    def __init__(
        self, portal: Portal, clock: IReactorTime | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(portal)
        self.clock = clock
        self.timeout = timeout

    def connectionMade(self) -> None:
        super().connectionMade()
        if self.clock is not None and self.timeout is not None:
            self._deadline = self.clock.callLater(self.timeout, self._timedOut)

    expired = False

    def _timedOut(self) -> None:
        self._deadline = None
        self.expired = True
        self.transport.write(b"\nLogin timed out.\n")  # (the telnet layer ends lines in CRLF)
        self.transport.loseConnection()

    def _stopDeadline(self) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._stopDeadline()
        super().connectionLost(reason)

    def _cbLogin(self, ial: Any) -> None:
        self._stopDeadline()
        if self.expired:  # a password checked too late: no console
            ial[2]()  # the avatar's logout
            return
        # The Enter after the password was not echoed: end its line.
        self.transport.write(b"\n")
        super()._cbLogin(ial)

    def telnet_User(self, line: bytes) -> str:
        if not line.strip():
            self.transport.write(b"Username: ")
            return "User"
        self.username = line.strip()
        # Handled: a client that hangs up before answering is not an error.
        self.transport.will(telnet.ECHO).addErrback(_refused)
        self.transport.write(b"Password: ")
        return "Password"

    def telnet_Password(self, line: bytes) -> str:
        username, password = self.username, line.rstrip(b"\r")
        del self.username

        def login(ignored: object) -> None:
            peer = self.transport.getPeer()
            address = str(getattr(peer, "host", peer))
            creds = AddressedCredentials(username, password, address)
            d = self.portal.login(creds, None, telnet.ITelnetProtocol)
            d.addCallbacks(self._cbLogin, self._ebLogin)

        # A client that never answered WILL ECHO (netcat) makes WONT fail at
        # once; log in anyway rather than hang.
        self.transport.wont(telnet.ECHO).addBoth(login)
        return "Discard"

    def _ebLogin(self, failure: Failure) -> None:
        self.attempts += 1
        if self.attempts >= MAX_ATTEMPTS:
            self.transport.write(b"\nAuthentication failed; too many attempts.\n")
            self.transport.loseConnection()
            return
        super()._ebLogin(failure)


class ConsoleTransport(LenientTelnet, telnet.TelnetTransport):
    """
    Conch's telnet transport, dropping stray C{IAC}s instead of failing,
    and saying why it closes a connection that sent a subnegotiation
    without end.
    """

    def subnegotiationWithoutEnd(self) -> None:
        self.write(ENDLESS_NEGOTIATION)
        self.loseConnection()


class AdminTelnetFactory(ServerFactory):
    """
    Builds telnet console connections for one listener.

    @ivar loginTimeout: seconds a connection has to log in (C{None}, or no
        C{clock}: forever).
    """

    def __init__(
        self,
        portal: Portal,
        clock: IReactorTime | None = None,
        loginTimeout: float | None = LOGIN_TIMEOUT,
    ) -> None:
        self.portal = portal
        self.clock = clock
        self.loginTimeout = loginTimeout

    def buildProtocol(self, addr: Any) -> Protocol:
        protocol = ConsoleTransport(ConsoleLogin, self.portal, self.clock, self.loginTimeout)
        protocol.factory = self
        return protocol
