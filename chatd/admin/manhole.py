# -*- test-case-name: tests.integration.test_admin_live,tests.unit.admin.test_manhole -*-
"""
C{--manhole}: a Python shell inside the running daemon, over SSH only,
for operators who need to look at what the console does not show.

It is as powerful as the daemon's own user, so it is off by default, listens
on 127.0.0.1 unless told otherwise, and always asks for an administrator's
password (the same checker as the consoles; there is no anonymous or
key-less way in).  Each shell is registered like a console session under the
administrator's name, so C{admin revoke} ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.conch import manhole, manhole_ssh
from twisted.conch.insults import insults
from twisted.conch.interfaces import ISession
from twisted.conch.ssh.keys import Key
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.portal import Portal

from chatd.admin.commands import AdminConsole
from chatd.admin.ssh import ExitingTransport, TerminalSession, withHostKey

BANNER = """chatd manhole: Python inside the running daemon. Careful: this is live.
  service     the ChatService (service.users(), service.rooms(), service.find(nick))
  moderation  its Moderation (sanctions(), operators, kick/ban/mute/lift)
  store       the chat store: accounts, rooms, messages (None without one)
  moderationStore  sanctions and the audit trail
  listeners   the daemon's service tree (listeners by name: listeners.namedServices)
  console     an AdminConsole: console.execute("stats").addCallback(print)
  print       writes here, also when a reply comes later (as above)
"""


class BannerManhole(manhole.ColoredManhole):
    """
    C{ColoredManhole} that first says what its namespace holds, and that
    registers itself as C{console}'s session (so a revoke closes it).

    Its namespace (each session's own copy) has a C{print} that writes to
    this session: Conch sends C{sys.stdout} to the session only while a
    line runs, so a callback that prints later (a console command's reply)
    would write into the daemon's log.
    """

    def __init__(self, namespace: dict[str, Any], console: AdminConsole) -> None:
        super().__init__({**namespace, "print": self.show})
        self.console = console
        self.running = False  # a typed line runs now
        self.ended = False

    def connectionMade(self) -> None:
        super().connectionMade()
        self.console.attach(self.terminal.loseConnection)

    def connectionLost(self, reason: object = None) -> None:
        self.ended = True
        self.console.detach()
        super().connectionLost(reason)

    def lineReceived(self, line: bytes) -> None:
        self.running = True
        try:
            super().lineReceived(line)
        finally:
            self.running = False

    def show(
        self,
        *values: object,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        """
        C{print}, into this session; between two lines (a callback), above
        the prompt, which is drawn again with what was being typed.
        """
        if file is not None or self.ended:  # (a session gone: the log has it)
            print(*values, sep=sep, end=end, file=file, flush=flush)
            return
        text = (" " if sep is None else sep).join(map(str, values)) + ("\n" if end is None else end)
        self.addOutput(text, isAsync=not self.running)

    def addOutput(self, data: Any, isAsync: bool | None = None) -> None:
        """
        Conch's, but what was being typed is typed again whole: Conch hands
        it back as a list, which breaks C{ColoredManhole} (C{TypeError}).
        """
        if not isAsync:
            super().addOutput(data)
            return
        typed = b"".join(self.lineBuffer)
        self.terminal.eraseLine()
        self.terminal.cursorBackward(len(self.lineBuffer) + len(self.ps[self.pn]))
        self.terminal.write(data)
        if self._needsNewline():
            self.terminal.nextLine()
        self.terminal.write(self.ps[self.pn])
        self.lineBuffer, self.lineBufferIndex = [], 0
        self._deliverBuffer(typed)

    def initializeScreen(self) -> None:
        self.terminal.reset()
        for line in BANNER.splitlines():
            self.terminal.write(line.encode("utf-8"))
            self.terminal.nextLine()
        self.terminal.write(self.ps[self.pn])
        self.setInsertMode()

    def terminalSize(self, width: int, height: int) -> None:
        # Conch clears the screen here, which would wipe the banner.
        self.width, self.height = width, height


class ManholeSSHFactory(manhole_ssh.ConchFactory):
    """
    The manhole's SSH factory; its own class so the log names the listener.
    """


class ManholeRealm(manhole_ssh.TerminalRealm):
    """
    Gives each administrator who logs in a Python shell on the shared
    namespace, registered under their name.
    """

    sessionFactory = TerminalSession
    transportFactory = ExitingTransport

    def __init__(
        self, namespace: dict[str, Any], makeConsole: Callable[[str], AdminConsole]
    ) -> None:
        super().__init__()
        self.namespace = namespace
        self.makeConsole = makeConsole

    def _getAvatar(self, avatarId: Any) -> Any:
        user = super()._getAvatar(avatarId)
        name = avatarId.decode("utf-8") if isinstance(avatarId, bytes) else str(avatarId)
        console = self.makeConsole(name)
        session = ISession(user.original)
        session.chainedProtocolFactory = (  # type: ignore[attr-defined]
            lambda: insults.ServerProtocol(BannerManhole, self.namespace, console)
        )
        return user


def manholeFactory(
    namespace: dict[str, Any],
    checkers: list[ICredentialsChecker],
    key: Key,
    makeConsole: Callable[[str], AdminConsole],
) -> ManholeSSHFactory:
    """
    An SSH factory serving a Python shell on C{namespace} to administrators
    one of C{checkers} accepts (a key, a password: the SSH console's);
    C{makeConsole} registers each shell by name.
    """
    realm = ManholeRealm(namespace, makeConsole)
    return withHostKey(ManholeSSHFactory(Portal(realm, checkers)), key)  # type: ignore[arg-type]
