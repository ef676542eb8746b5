# -*- test-case-name: tests.integration.test_admin_live -*-
"""
The administration side of C{twistd chatd}: its options and the services
they add to the daemon's tree (the moderation store, the telnet and SSH
consoles, the manhole and the terminal console).

C{chatd.options} only adds L{OPTIONS} and L{FLAGS} to its own and
C{chatd.tap} calls L{addAdminServices}; everything else about
administration is decided here.
The files go in C{--data-dir}, which the storage options define.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from twisted.application.service import MultiService, Service
from twisted.cred.portal import Portal
from twisted.internet.stdio import StandardIO
from twisted.logger import Logger

from chatd.admin.accountcheck import addAccountAdmins
from chatd.admin.authkeys import KEYS, AdminKeyChecker, AuthorizedKeysFile
from chatd.admin.commands import AdminConsole, Consoles
from chatd.admin.credentials import AdminChecker, readPasswords
from chatd.admin.manhole import manholeFactory
from chatd.admin.sanctionload import SanctionLoading
from chatd.admin.shell import ConsoleLineProtocol
from chatd.admin.ssh import ConsoleTransport, consoleSSHFactory, hostKey, withLoginDeadline
from chatd.admin.telnet import AdminTelnetFactory, ConsoleTelnetRealm
from chatd.core.gate import PasswordGate
from chatd.core.roles import IAdministration
from chatd.listeners import MANHOLE, SSH_CONSOLE, TELNET_CONSOLE, listen
from chatd.modstore import IModerationStore, SQLiteModerationStore
from chatd.optionvalues import localEndpoint
from chatd.storage.modsql import SQLModerationStore
from chatd.storage.opening import MODERATION_DB
from chatd.storage.renamedkeys import RenamedKeys
from chatd.storage.sql import SQLChatStore

if TYPE_CHECKING:
    from chatd.reload import Reloader

#: Seconds between C{shutdown} and the reactor stopping: users get the notice.
SHUTDOWN_GRACE = 1.0
PASSWORDS = "admin-passwords"

log = Logger()


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("must be positive")
    return number


def onOff(value: str) -> str:
    value = value.strip().lower()
    if value not in ("on", "off"):
        raise ValueError("on or off")
    return value


OPTIONS: list[Any] = [
    [
        "admin",
        None,
        localEndpoint("2300"),
        "Moderation console over telnet (clear text: keep it local); 'off' to disable.",
        localEndpoint,
    ],
    [
        "admin-ssh",
        None,
        "",
        "Moderation console over SSH, e.g. tcp:2322:interface=127.0.0.1 (default: off).",
        localEndpoint,
    ],
    [
        "manhole",
        None,
        "",
        "Python shell in the daemon over SSH, e.g. tcp:2324:interface=127.0.0.1 (default: off).",
        localEndpoint,
    ],
    [
        "admin-passwords",
        None,
        None,
        f"File of admin argon2 hashes (default: DATA_DIR/{PASSWORDS}); see chatd-admin.",
    ],
    [
        "admin-keys",
        None,
        None,
        f"SSH console and manhole public keys, 'NAME KEY' per line (default: DATA_DIR/{KEYS}).",
    ],
    [
        "admin-ssh-passwords",
        None,
        "on",
        "'off': the SSH console and the manhole take keys only (--admin-keys), no passwords.",
        onOff,
    ],
    [
        "admin-login-timeout",
        None,
        60.0,
        "Seconds a telnet or SSH console connection has to log in before it is closed.",
        _positive,
    ],
]

FLAGS: list[Any] = [
    ["console", None, "Run the moderation console on this terminal (with twistd -n)."],
]


class RestoreModeration(Service):
    """
    At start, hand the moderation rules the durable store and the sanctions
    it holds (kicks and bans survive restarts), tried again while its
    database is unavailable (L{SanctionLoading}).
    """

    def __init__(self, chat: IAdministration, store: IModerationStore, reactor: Any) -> None:
        chatStore = None if chat.persistence is None else chat.persistence.store
        renamed = RenamedKeys(chatStore) if isinstance(chatStore, SQLChatStore) else None
        self.loading = SanctionLoading(chat.moderation, store, reactor, chat.stats, renamed)

    def startService(self) -> None:
        super().startService()
        self.loading.start()

    def stopService(self) -> Any:
        self.loading.stop()
        return super().stopService()


class TerminalConsole(Service):
    """
    The moderation console on the daemon's own standard input and output.
    """

    def __init__(self, console: AdminConsole, reactor: Any) -> None:
        self.console = console
        self.reactor = reactor
        self._stdio: StandardIO | None = None

    def startService(self) -> None:
        super().startService()
        self._stdio = StandardIO(ConsoleLineProtocol(self.console), reactor=self.reactor)

    def stopService(self) -> None:
        super().stopService()
        if self._stdio is not None:
            self._stdio.loseConnection()
            self._stdio = None


def addAdminServices(
    top: MultiService,
    options: Any,
    chat: IAdministration,
    reactor: Any,
    reloader: Reloader,
    gate: PasswordGate | None = None,
) -> Consoles:
    """
    Add the administration services the options ask for to C{top}; returns
    the registry of their sessions (for a cluster node to reach them).

    @param gate: the daemon's password gate, which console logins share
        with chat logins and OPER.
    @param reloader: reads the TLS certificates of their listeners again on
        SIGHUP, as every other listener's.
    """
    dataDir = Path(options["data-dir"])
    passwords = Path(options["admin-passwords"] or dataDir / PASSWORDS)
    store: IModerationStore
    chatStore = None if chat.persistence is None else chat.persistence.store
    if options["db"] and isinstance(chatStore, SQLChatStore):
        # In the chat database (PostgreSQL: shared by cluster nodes); an
        # older moderation.sqlite is imported once.
        store = SQLModerationStore(chatStore, dataDir / MODERATION_DB)
    else:
        store = SQLiteModerationStore(dataDir / MODERATION_DB, reactor)
    store.setName("moderation-store")
    store.setServiceParent(top)
    RestoreModeration(chat, store, reactor).setServiceParent(top)

    def shutdown() -> None:
        reactor.callLater(SHUTDOWN_GRACE, reactor.stop)

    keys = AuthorizedKeysFile(Path(options["admin-keys"] or dataDir / KEYS))
    makeConsole = Consoles(chat, shutdown, passwords, keys)
    checker = AdminChecker(passwords, reactor, gate=gate)
    if chat.persistence is not None:
        addAccountAdmins(checker, chat.persistence)
    wanted = [options[name] for name in ("admin", "admin-ssh", "manhole")]
    if any(wanted) and not readPasswords(passwords):
        log.warn(
            "no administrators in {path}: add one with chatd-admin password NAME"
            " (accounts flagged admin with 'admin grant' may log in too)",
            path=str(passwords),
        )
    if options["admin"]:
        portal = Portal(ConsoleTelnetRealm(makeConsole), [checker])
        factory = AdminTelnetFactory(portal, reactor, options["admin-login-timeout"])
        listen(
            reloader, "admin console (telnet)", options["admin"], factory, reactor, TELNET_CONSOLE
        ).setServiceParent(top)
    if options["admin-ssh"] or options["manhole"]:
        key = hostKey(dataDir)
        # The SSH console and the manhole: the same keys, the same rule.
        checkers: list[Any] = [AdminKeyChecker(keys, checker.gate)]
        if options["admin-ssh-passwords"] == "on":
            checkers.append(checker)
        if options["admin-ssh"]:
            ssh = consoleSSHFactory(makeConsole, checkers, key, reactor)
            withLoginDeadline(ssh, reactor, options["admin-login-timeout"], ConsoleTransport)
            console = listen(
                reloader, "admin console (SSH)", options["admin-ssh"], ssh, reactor, SSH_CONSOLE
            )
            console.setServiceParent(top)
        if options["manhole"]:
            namespace = {
                "service": chat,
                "moderation": chat.moderation,
                "store": None if chat.persistence is None else chat.persistence.store,
                "moderationStore": store,
                "listeners": top,
                "console": makeConsole("manhole"),
            }
            shell = manholeFactory(namespace, checkers, key, makeConsole, reactor)
            withLoginDeadline(shell, reactor, options["admin-login-timeout"])
            manhole = listen(reloader, "manhole (SSH)", options["manhole"], shell, reactor, MANHOLE)
            manhole.setServiceParent(top)
    if options["console"]:
        TerminalConsole(makeConsole("console"), reactor).setServiceParent(top)
    return makeConsole
