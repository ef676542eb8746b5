# -*- test-case-name: tests.unit.admin.test_admin_guard,tests.unit.admin.test_admin_sshchannel,tests.integration.test_admin_live -*-  # noqa: E501
"""
The moderation console over SSH (C{--admin-ssh}), and the SSH pieces the
manhole shares: the host key and a terminal session that works without a
pty.

An interactive login (C{ssh -p 2322 admin@host}) gets the same line-editing
console as telnet; a command on the ssh command line (C{ssh ... admin@host
kick bob 10m spam}) runs that one command and exits, which suits scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from twisted.conch import manhole_ssh
from twisted.conch.insults import insults
from twisted.conch.interfaces import IConchUser, ISession
from twisted.conch.openssh_compat.primes import parseModuliFile
from twisted.conch.ssh import userauth
from twisted.conch.ssh.common import getNS
from twisted.conch.ssh.keys import Key
from twisted.conch.ssh.session import SSHSession
from twisted.conch.ssh.transport import DISCONNECT_BY_APPLICATION, SSHServerTransport
from twisted.cred.error import UnauthorizedLogin
from twisted.cred.portal import Portal
from twisted.internet.defer import Deferred, fail
from twisted.internet.error import ProcessDone, ProcessTerminated
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.admin.commands import AdminConsole
from chatd.admin.credentials import AddressedCredentials
from chatd.admin.outcome import Refusal
from chatd.admin.shell import ConsoleShell, peerHost
from chatd.admin.sshquiet import CHANNEL_LOG, TRANSPORT_LOG, ConsoleConnection, QuietSessionProcess
from chatd.quietlog import loggerWithout

HOST_KEY = "ssh_host_ed25519_key"
F = TypeVar("F", bound=manhole_ssh.ConchFactory)


def hostKey(dataDir: Path) -> Key:
    """
    The daemon's SSH host key, generated into C{dataDir} on first start
    (readable by the owner only) and read from there afterwards, so clients'
    C{known_hosts} stay valid across restarts.
    """
    path = dataDir / HOST_KEY
    if not path.exists():
        dataDir.mkdir(mode=0o700, parents=True, exist_ok=True)
        new = Key(Ed25519PrivateKey.generate())
        path.touch(mode=0o600)
        path.write_bytes(new.toString("OPENSSH"))
        path.with_name(HOST_KEY + ".pub").write_bytes(new.public().toString("OPENSSH") + b"\n")
    key: Key = Key.fromFile(str(path))
    return key


class ExitingTransport(manhole_ssh.TerminalSessionTransport):
    """
    Conch's terminal session transport, but a shell that ends (C{quit},
    Ctrl-D) reports exit status 0 to the client before the channel closes,
    as a login shell does.
    """

    def __init__(self, proto: Any, chainedProtocol: Any, *args: Any) -> None:
        super().__init__(proto, chainedProtocol, *args)
        chainedProtocol.transport.loseConnection = lambda: proto.processEnded(
            Failure(ProcessDone(0))
        )


class TerminalSession(manhole_ssh.TerminalSession):
    """
    Conch's terminal session, also usable when the client asks for no pty
    (C{ssh -T}, piped input) and tolerant of end-of-input and resizes.
    """

    width, height = 80, 24
    _shell: Any = None

    def openShell(self, proto: Any) -> None:
        self._shell = proto
        super().openShell(proto)

    def windowChanged(self, newWindowSize: Any) -> None:
        self.height, self.width = newWindowSize[:2]

    def eofReceived(self) -> None:
        # End of input (ssh -T host < script) ends an interactive session.
        if self._shell is not None:
            self._shell.loseConnection()


class ConsoleSession(TerminalSession):
    """
    A console session: a shell, or one command given on the ssh command line.
    """

    console: AdminConsole
    clock: IReactorTime

    def openShell(self, proto: Any) -> None:
        self.console.address = peerHost(proto)
        super().openShell(proto)

    def execCommand(self, proto: Any, cmd: bytes) -> None:
        """
        Run C{cmd} once the exec request is answered: a command done at
        once would otherwise close the channel before the client heard its
        request succeed (paramiko then fails with "Channel closed").  What
        the client sends on its standard input is read and dropped
        (L{IgnoredInput}): the command takes none.  The reply, then the exit
        status (1 when the console refused the command), then the close.
        """

        def done(text: str) -> None:
            proto.write(text.encode("utf-8") + b"\n" if text else b"")
            status = 1 if isinstance(text, Refusal) else 0
            ended = ProcessTerminated(exitCode=status) if status else ProcessDone(0)
            proto.processEnded(Failure(ended))

        proto.makeConnection(IgnoredInput())
        line = cmd.decode("utf-8", "replace")
        self.console.address = peerHost(proto)
        self.clock.callLater(0, lambda: self.console.execute(line).addCallback(done))


class IgnoredInput:
    """
    The standard input of a command given on the ssh command line: what the
    client sends there (C{echo x | ssh ... ban bob spam}, a loop reading a
    file) is dropped, before, while and after the command runs.
    """

    def write(self, data: bytes) -> None:
        pass

    def writeSequence(self, data: list[bytes]) -> None:
        pass

    def loseConnection(self) -> None:
        pass


class ConsoleChannel(SSHSession):
    """
    The SSH console's session channel: Conch's, except that a
    command on the ssh command line never reaches the log.  Conch logs
    each one in full at info level, and a console command may end with a
    password (C{add account pupil Pw}); the audit trail says what was done.
    Nor do its opening, exit code and close (L{chatd.admin.sshquiet}).
    """

    log = Logger()
    _log = CHANNEL_LOG

    def request_exec(self, data: bytes) -> int:
        if self.client is not None:  # as Conch: one shell or command per session
            self.log.error("a second shell or command asked on one SSH session: refused")
            return 0
        process = QuietSessionProcess(self)
        self.session = ISession(self.avatar)  # (told of end of input and of the close)
        try:
            self.session.execCommand(process, getNS(data)[0])
        except Exception:  # (its traceback holds no local variables: not the command)
            self.log.failure("an SSH command could not be started")
            return 0
        self.client = process
        return 1


class ConsoleSSHRealm(manhole_ssh.TerminalRealm):
    """
    Gives each administrator who logs in over SSH a console of their own.
    """

    sessionFactory = ConsoleSession
    transportFactory = ExitingTransport

    def __init__(self, makeConsole: Callable[[str], AdminConsole], clock: IReactorTime) -> None:
        super().__init__()
        self.makeConsole = makeConsole
        self.clock = clock

    def _getAvatar(self, avatarId: Any) -> Any:
        user = super()._getAvatar(avatarId)
        user.channelLookup[b"session"] = ConsoleChannel
        name = avatarId.decode("utf-8") if isinstance(avatarId, bytes) else str(avatarId)
        console = self.makeConsole(name)
        session = ISession(user.original)
        session.console = console  # type: ignore[attr-defined]
        session.clock = self.clock  # type: ignore[attr-defined]
        session.chainedProtocolFactory = (  # type: ignore[attr-defined]
            lambda: insults.ServerProtocol(ConsoleShell, console)
        )
        return user


class AddressingPortal:
    """
    A portal that tells every checker the client's C{address} (for the
    password gate's per-address lane) as the credentials' C{address}.
    """

    def __init__(self, portal: Portal, address: str) -> None:
        self.portal = portal
        self.address = address

    def listCredentialsInterfaces(self) -> list[Any]:
        return self.portal.listCredentialsInterfaces()

    def login(self, credentials: Any, mind: object, *interfaces: Any) -> Deferred[Any]:
        credentials.address = self.address
        return self.portal.login(credentials, mind, *interfaces)


class AddressedUserAuth(userauth.SSHUserAuthServer):
    """
    SSH logins (password or key) that tell the checker the client's address,
    one password check at a time per connection.
    """

    _checking = False

    def serviceStarted(self) -> None:
        super().serviceStarted()
        peer = self.transport.transport.getPeer()  # type: ignore[union-attr]
        self.portal = AddressingPortal(self.portal, str(getattr(peer, "host", peer)))

    def auth_password(self, packet: bytes) -> Deferred[Any]:
        if self._checking:
            return fail(UnauthorizedLogin("one password check at a time"))
        password = getNS(packet[1:])[0]
        peer = self.transport.transport.getPeer()  # type: ignore[union-attr]
        address = str(getattr(peer, "host", peer))
        credentials = AddressedCredentials(self.user or b"", password, address)
        self._checking = True

        def done(result: Any) -> Any:
            self._checking = False
            return result

        d = self.portal.login(credentials, None, IConchUser).addBoth(done)
        return d.addErrback(self._ebPassword)  # type: ignore[no-any-return]


#: Where OpenSSH keeps the primes of Diffie-Hellman group exchange.
MODULI = Path("/etc/ssh/moduli")


def systemPrimes(path: Path) -> dict[int, list[tuple[int, int]]] | None:
    """
    The group-exchange primes of the moduli file C{path}, or C{None} if it
    is missing or unreadable.
    """
    try:
        return parseModuliFile(str(path)) or None
    except (OSError, ValueError):
        return None


def withHostKey(factory: F, key: Key, moduli: Path = MODULI) -> F:
    """
    Give an SSH server C{factory} the host key C{key}, the system's
    group-exchange primes (C{moduli}, if it is there: Conch looks for none
    and offers only fixed groups; L{QuietConchFactory} does not log so at
    every login), and password logins that pass the client's address on.
    The dictionaries are assigned afresh: on C{ConchFactory} they are class
    attributes shared by every instance.
    """
    factory.publicKeys = {key.sshType(): key.public()}
    factory.privateKeys = {key.sshType(): key}  # type: ignore[dict-item]
    factory.primes = systemPrimes(moduli)
    factory.services = {**factory.services, b"ssh-userauth": AddressedUserAuth}
    return factory


class DeadlineTransport(SSHServerTransport):
    """
    An SSH server connection closed if it has not logged in (key exchange
    and authentication) within its factory's C{loginTimeout} seconds;
    conch's own limit is ten hours, and starts only after key exchange.
    """

    _deadline: IDelayedCall | None = None

    def connectionMade(self) -> None:
        super().connectionMade()
        clock: IReactorTime | None = getattr(self.factory, "clock", None)
        timeout: float | None = getattr(self.factory, "loginTimeout", None)
        if clock is not None and timeout is not None:
            self._deadline = clock.callLater(timeout, self._timedOut)

    def _timedOut(self) -> None:
        self._deadline = None
        self.sendDisconnect(
            2,  # DISCONNECT_PROTOCOL_ERROR, as conch's own login timeout
            b"you took too long to log in",
        )

    def _stopDeadline(self) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None

    def setService(self, service: Any) -> None:
        if service.name == b"ssh-connection":  # authenticated
            self._stopDeadline()
        super().setService(service)

    def connectionLost(self, reason: Failure | None = None) -> None:
        self._stopDeadline()
        super().connectionLost(reason)

    def receiveError(self, reasonCode: int, description: bytes) -> None:
        """
        The client said why it closes the connection: a client ending its
        session as it should (C{DISCONNECT_BY_APPLICATION}, every normal
        close) is no error, and is logged at info level; any other reason
        is logged as an error, as conch does.
        """
        if reasonCode == DISCONNECT_BY_APPLICATION:
            self._log.info("SSH client closed the connection")  # (its text: the client's)
        else:
            super().receiveError(reasonCode, description)


class ConsoleTransport(DeadlineTransport):
    """
    The SSH console's connections: no line when one ends as it should
    (L{chatd.admin.sshquiet}); the administrator's login has its line.
    """

    _log = TRANSPORT_LOG


def withLoginDeadline(
    factory: F,
    clock: IReactorTime,
    timeout: float | None,
    transport: type[DeadlineTransport] = DeadlineTransport,
) -> F:
    """
    Make C{factory}'s connections close if not logged in after C{timeout}
    seconds (a L{DeadlineTransport}); C{None}: conch's own limit.
    """
    factory.protocol = transport
    factory.clock = clock  # type: ignore[attr-defined]
    factory.loginTimeout = timeout  # type: ignore[attr-defined]
    return factory


class QuietConchFactory(manhole_ssh.ConchFactory):
    """
    Conch's SSH factory without its line at every connection saying that,
    with no moduli file, it offers no group exchange (L{withHostKey}).
    """

    _log = loggerWithout("disabling non-fixed-group key exchange")


class AdminSSHFactory(QuietConchFactory):
    """
    The console's SSH factory; its own class so the log names the listener.
    """


def consoleSSHFactory(
    makeConsole: Callable[[str], AdminConsole],
    checkers: list[Any],
    key: Key,
    clock: IReactorTime,
) -> manhole_ssh.ConchFactory:
    """
    The SSH listener's factory for the moderation console, with the
    C{checkers} of its ways in (passwords, keys).
    """
    realm = ConsoleSSHRealm(makeConsole, clock)
    factory = withHostKey(AdminSSHFactory(Portal(realm, checkers)), key)  # type: ignore[arg-type]
    factory.services = {**factory.services, b"ssh-connection": ConsoleConnection}
    return factory
