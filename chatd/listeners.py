# -*- test-case-name: tests.unit.test_listeners,tests.integration.test_listeners -*-
"""
The daemon's listeners: each says where it is reachable once it listens,
warns when it is open beyond this host (a chat listener anyone may use,
C{/metrics}, and louder an admin console or the manhole), and a TLS
listener's certificate can be read again (SIGHUP) so new connections get
the new one while open ones stay up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any

from OpenSSL.SSL import Connection
from twisted.application.service import Service
from twisted.internet import ssl
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import SSL4ServerEndpoint, TCP4ServerEndpoint, serverFromString
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import (
    IAddress,
    IListeningPort,
    IOpenSSLServerConnectionCreator,
    IProtocolFactory,
    IStreamServerEndpoint,
)
from twisted.logger import Logger
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.alpn import negotiate
from chatd.proxied import PREFIX as PROXIED
from chatd.proxied import ProxiedEndpoint
from chatd.tlsfiles import certificate, chain, context, describe, privateKey

if TYPE_CHECKING:
    from chatd.reload import Reloader

log = Logger()


@dataclass(frozen=True)
class Exposure:
    """
    What anyone who reaches a listener may do, for the warning logged when
    it is open beyond this host (L{Listener.listened}).

    @ivar may: what they may do, after "anyone who can reach it may".
    @ivar console: an administrators' way in, warned of at error level
        (louder than a chat listener open to all, which may be meant).
    @ivar clearText: whether its passwords cross the network in clear text
        unless the listener has TLS (the telnet console).
    """

    may: str
    console: bool = False
    clearText: bool = False


#: What an open chat listener lets anyone do.
CHAT = Exposure("chat without a password")
#: What an open metrics listener lets anyone do.
METRICS = Exposure("read the metrics without a password")
#: The web listener that serves C{/metrics} too (C{--web-metrics}).
CHAT_AND_METRICS = Exposure("chat and read the metrics without a password")
#: The admin consoles: C{--admin} (telnet), C{--admin-ssh}, C{--manhole}.
TELNET_CONSOLE = Exposure("try the administrators' passwords", console=True, clearText=True)
SSH_CONSOLE = Exposure("try the administrators' passwords", console=True)
MANHOLE = Exposure(
    "try the administrators' passwords, and whoever logs in gets a Python shell"
    " with the daemon's powers (its files, its database, every connection)",
    console=True,
)

_UNESCAPED_COLON = re.compile(r"(?<!\\):")
#: The C{ssl:} endpoint arguments a reloadable listener understands;
#: another (C{sslmethod}, C{dhParameters}) makes it a plain Twisted one.
_TLS_KEYS = frozenset({"port", "interface", "backlog", "privateKey", "certKey", "extraCertChain"})


@implementer(IOpenSSLServerConnectionCreator)
class ReloadingCertificate:
    """
    A TLS server's key and certificate files, read at start and again by
    L{load}: each new connection uses what was read last.
    """

    def __init__(self, privateKey: str, certKey: str, extraCertChain: str | None = None) -> None:
        self.privateKey = privateKey
        self.certKey = certKey
        self.extraCertChain = extraCertChain
        self.options = self.read()

    def read(self) -> ssl.CertificateOptions:
        """
        New TLS options from the files; raises
        L{chatd.tlsfiles.CertificateError}, naming the file and what is wrong
        with it, if they do not make one.
        """
        served = certificate(self.certKey)
        key = privateKey(self.privateKey)
        extra = None
        if self.extraCertChain is not None:
            extra = [each.original for each in chain(self.extraCertChain)]
        options = ssl.CertificateOptions(
            privateKey=key.original,
            certificate=served.original,
            extraCertChain=extra,
        )
        # A key that does not match its certificate fails here.
        negotiate(context(options, self.privateKey, self.certKey))
        return options

    def load(self) -> bool:
        """
        Read the files again; on an error the current certificate stays.

        @return: whether the certificate new connections get changed.
        """
        before = self.options.certificate
        self.options = self.read()
        after = self.options.certificate
        return before is None or after is None or before.digest("sha256") != after.digest("sha256")

    def serverConnectionForTLS(self, tlsProtocol: Any) -> Connection:
        return self.options.serverConnectionForTLS(tlsProtocol)


def tlsArguments(description: str) -> dict[str, str] | None:
    """
    The arguments of an C{ssl:} endpoint string a L{ReloadingCertificate}
    can serve, or C{None} for any other endpoint.
    """
    kind, *parts = _UNESCAPED_COLON.split(description)
    if kind.lower() != "ssl" or not parts:
        return None
    arguments: dict[str, str] = {}
    for index, part in enumerate(parts):
        name, equals, value = part.partition("=")
        if not equals:
            if index:
                return None
            name, value = "port", part
        arguments[name] = value.replace("\\:", ":")
    if not set(arguments) <= _TLS_KEYS or not arguments.get("port", "").isdigit():
        return None
    return arguments


def listenerEndpoint(
    reactor: Any, description: str
) -> tuple[IStreamServerEndpoint, ReloadingCertificate | None]:
    """
    The endpoint of C{description}; for a TLS one it understands, with the
    certificate a reload reads again.  C{haproxy:} before a description
    makes its connections begin with a PROXY header (L{chatd.proxied}),
    read before the TLS handshake of an C{ssl:} one.
    """
    if description[: len(PROXIED)].lower() == PROXIED:
        inner = description[len(PROXIED) :]
        arguments = tlsArguments(inner)
        if arguments is None:
            if inner.split(":", 1)[0].lower() == "ssl":
                raise ValueError(f"haproxy:ssl: takes only the arguments {sorted(_TLS_KEYS)}")
            return ProxiedEndpoint(serverFromString(reactor, inner), reactor), None
        certificate = _certificate(arguments)
        tcp = TCP4ServerEndpoint(
            reactor,
            int(arguments["port"]),
            backlog=int(arguments.get("backlog", 50)),
            interface=arguments.get("interface", ""),
        )
        tls = partial(TLSMemoryBIOFactory, certificate, False)
        return ProxiedEndpoint(tcp, reactor, wrap=tls), certificate
    arguments = tlsArguments(description)
    if arguments is None:
        return serverFromString(reactor, description), None
    certificate = _certificate(arguments)
    endpoint = SSL4ServerEndpoint(
        reactor,
        int(arguments["port"]),
        certificate,
        backlog=int(arguments.get("backlog", 50)),
        interface=arguments.get("interface", ""),
    )
    return endpoint, certificate


def _certificate(arguments: dict[str, str]) -> ReloadingCertificate:
    privateKey = arguments.get("privateKey", "server.pem")
    return ReloadingCertificate(
        privateKey, arguments.get("certKey", privateKey), arguments.get("extraCertChain")
    )


def isLocal(address: IAddress) -> bool:
    """
    Whether only this host can reach C{address}: a loopback address or a
    UNIX socket.
    """
    host: str | None = getattr(address, "host", None)
    if host is None:
        return True
    try:
        return bool(ip_address(str(host).split("%")[0]).is_loopback)
    except ValueError:
        return host == "localhost"


def where(address: IAddress) -> str:
    """
    C{address} as an operator would type it: C{host:port}, C{[v6]:port} or
    C{unix:path}.
    """
    host = getattr(address, "host", None)
    if host is None:
        name = getattr(address, "name", None)
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        return f"unix:{name}"
    port = getattr(address, "port", "")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Listener(Service):
    """
    One listening port, like C{strports.service}'s, which logs where it is
    reachable and whether that is beyond this host.

    @ivar label: what it serves, as the log names it (C{"TCHAT"}).
    @ivar exposure: what anyone who reaches it may do (L{CHAT}, L{MANHOLE}),
        a warning when that is beyond this host; C{None} for a chat listener
        a server password guards (IRC's C{--irc-password}).
    @ivar certificate: the TLS certificate a reload reads again, if any.
    """

    def __init__(
        self,
        label: str,
        description: str,
        factory: IProtocolFactory,
        reactor: Any,
        exposure: Exposure | None = CHAT,
    ) -> None:
        self.label = label
        self.description = description
        self.factory = factory
        self.exposure = exposure
        try:
            self.endpoint, self.certificate = listenerEndpoint(reactor, description)
        except Exception as error:  # a mistyped string, a certificate file that is not there
            # Before the reactor and the log start: one line on stderr, exit 1.
            raise SystemExit(
                f"chatd: {label}: cannot listen on {description!r}: {error}"
            ) from error
        self.listening: Deferred[IListeningPort] | None = None
        self.port: IListeningPort | None = None

    def privilegedStartService(self) -> None:
        """
        Listen before twistd drops privileges; a port that cannot be bound
        stops the start, with one line saying which and why.
        """
        super().privilegedStartService()
        failures: list[Failure] = []
        self.listening = self.endpoint.listen(self.factory)
        self.listening.addCallback(self.listened)
        self.listening.addErrback(failures.append)
        if failures:
            if failures[0].check(CannotListenError):
                raise SystemExit(f"chatd: {self.label}: {failures[0].value}")
            failures[0].raiseException()

    def startService(self) -> None:
        super().startService()
        if self.listening is None:
            self.privilegedStartService()

    def listened(self, port: IListeningPort) -> IListeningPort:
        self.port = port
        address = port.getHost()
        tls = " (TLS)" if self.tls else ""
        log.info(
            "{label} reachable at {where}{tls}",
            label=self.label,
            where=where(address),
            tls=tls,
        )
        if self.exposure is not None and not isLocal(address):
            self.warnOpen(self.exposure, where(address))
        return port

    def warnOpen(self, exposure: Exposure, at: str) -> None:
        """
        Warn that this listener, at C{at}, is open beyond this host: every
        listener by the same rule, an admin console louder (at error level).
        """
        clear = ""
        if exposure.clearText and not self.tls:
            clear = ", and its passwords cross the network in clear text (no TLS)"
        if exposure.console:
            advice = "give it interface=127.0.0.1 and reach it through SSH or a VPN"
        else:
            advice = "give it interface=127.0.0.1, or a firewall, if that is not meant"
        emit = log.error if exposure.console else log.warn
        emit(
            "warning: {label} at {where} is open beyond this host: anyone who can"
            " reach it may {may}{clear} ({advice})",
            label=self.label,
            where=at,
            may=exposure.may,
            clear=clear,
            advice=advice,
        )

    @property
    def tls(self) -> bool:
        return self.certificate is not None or self.description.lower().startswith(
            ("ssl:", PROXIED + "ssl:")
        )

    def stopService(self) -> Deferred[None] | None:
        super().stopService()
        port, self.port, self.listening = self.port, None, None
        if port is None:
            return None
        return port.stopListening()


def listen(
    reloader: Reloader,
    label: str,
    description: str,
    factory: IProtocolFactory,
    reactor: Any,
    exposure: Exposure | None = CHAT,
) -> Listener:
    """
    A L{Listener} whose TLS certificate, if any, a reload reads again: every
    listener is made here, so that none keeps its old certificate.
    """
    listener = Listener(label, description, factory, reactor, exposure)
    if listener.certificate is not None:
        reloader.onReload(
            f"{label}'s TLS certificate", partial(reread, label, listener.certificate)
        )
    return listener


def reread(label: str, certificate: ReloadingCertificate) -> bool:
    """
    Read C{certificate}'s files again for the listener C{label}; when that
    gives a new certificate, say so with its subject and expiry.

    @return: whether it changed.
    """
    if not certificate.load():
        return False
    served = certificate.options.certificate
    subject, expires = describe(served) if served is not None else ("(none)", "?")
    log.info(
        "{label}: new TLS certificate for {subject}, valid until {expires}",
        label=label,
        subject=subject,
        expires=expires,
    )
    return True
