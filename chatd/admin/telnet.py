# -*- test-case-name: tests.test_admin_telnet -*-
"""
The moderation console over telnet (C{--admin}), behind a login prompt.

Telnet is clear text, so the listener defaults to 127.0.0.1; reach it from
elsewhere through SSH (C{--admin-ssh}) instead.  A connection gets three
attempts, one at a time, each checked when the password gate gives it its
turn (after the back-off of the name and of the client's address), and is
then closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.conch import telnet
from twisted.conch.insults import insults
from twisted.cred.portal import IRealm, Portal
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.admin.commands import AdminConsole
from chatd.admin.credentials import AddressedCredentials
from chatd.admin.shell import ConsoleShell

#: Failed logins one telnet connection may make before it is closed.
MAX_ATTEMPTS = 3


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
    The login prompt, closing the connection after L{MAX_ATTEMPTS} failures.
    """

    attempts = 0
    transport: Any

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
            self.transport.write(b"\r\nAuthentication failed; too many attempts.\r\n")
            self.transport.loseConnection()
            return
        super()._ebLogin(failure)


class AdminTelnetFactory(ServerFactory):
    """
    Builds telnet console connections for one listener.
    """

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def buildProtocol(self, addr: Any) -> Protocol:
        protocol = telnet.TelnetTransport(ConsoleLogin, self.portal)
        protocol.factory = self
        return protocol
