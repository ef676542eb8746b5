# -*- test-case-name: tests.integration.test_admin_live,tests.unit.admin.test_manhole -*-
"""
C{--manhole}: a Python shell inside the running daemon, over SSH only,
for operators who need to look at what the console does not show.

It is as powerful as the daemon's own user, so it is off by default, listens
on 127.0.0.1 unless told otherwise, and always asks for an administrator's
password (the same checker as the consoles; there is no anonymous or
key-less way in).  Each shell is registered like a console session under the
administrator's name, so C{admin revoke} ends it.  C{exit()}, C{quit()}
(any C{SystemExit}) and Ctrl-D end the session; a command on the ssh command
line is refused with a word to the client (the SSH console runs those).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from twisted.conch import manhole, manhole_ssh
from twisted.conch.insults import insults
from twisted.conch.interfaces import ISession
from twisted.conch.ssh.connection import EXTENDED_DATA_STDERR
from twisted.conch.ssh.keys import Key
from twisted.conch.ssh.session import SSHSession
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.portal import Portal
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatd.admin.commands import AdminConsole
from chatd.admin.shell import peerHost
from chatd.admin.ssh import ExitingTransport, QuietConchFactory, TerminalSession, withHostKey

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
        except SystemExit:  # exit(), quit(), sys.exit(): the interpreter lets it through
            self.handle_QUIT()  # the session ends as with Ctrl-D, exit status 0
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


#: What a client that sends the manhole a command (C{ssh ... 'print(1)'}) reads.
NO_COMMANDS = (
    b"chatd manhole: it takes no commands; log in without one for its Python prompt"
    b" (the SSH console, --admin-ssh, runs one-shot commands)\r\n"
)


class ManholeChannel(SSHSession):
    """
    The manhole's session channel: a shell only.  A command (an exec
    request) is answered, then told L{NO_COMMANDS} on its standard error
    and ended with exit status 1, in one line of the log; Conch's would
    fail it with a critical traceback, and the client read only "exec
    request failed".
    """

    log = Logger()

    def __init__(self, *args: Any, name: str, clock: IReactorTime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.administrator, self.clock = name, clock

    def request_exec(self, data: bytes) -> int:
        # Not the command itself: one meant for the console may hold a password.
        assert self.conn is not None
        self.log.info(
            "manhole: a command from {name} at {address} refused (it takes none)",
            name=self.administrator,
            address=peerHost(self.conn.transport) or "?",
        )
        self.clock.callLater(0, self._refuse)  # once the request's answer has gone out
        return 1

    def _refuse(self) -> None:
        assert self.conn is not None
        self.writeExtended(EXTENDED_DATA_STDERR, NO_COMMANDS)
        self.conn.sendRequest(self, b"exit-status", struct.pack(">L", 1))
        self.loseConnection()


class ManholeSSHFactory(QuietConchFactory):
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
        self,
        namespace: dict[str, Any],
        makeConsole: Callable[[str], AdminConsole],
        clock: IReactorTime,
    ) -> None:
        super().__init__()
        self.namespace = namespace
        self.makeConsole = makeConsole
        self.clock = clock

    def _getAvatar(self, avatarId: Any) -> Any:
        user = super()._getAvatar(avatarId)
        name = avatarId.decode("utf-8") if isinstance(avatarId, bytes) else str(avatarId)
        user.channelLookup[b"session"] = lambda *a, **kw: ManholeChannel(
            *a, name=name, clock=self.clock, **kw
        )
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
    clock: IReactorTime,
) -> ManholeSSHFactory:
    """
    An SSH factory serving a Python shell on C{namespace} to administrators
    one of C{checkers} accepts (a key, a password: the SSH console's);
    C{makeConsole} registers each shell by name.
    """
    realm = ManholeRealm(namespace, makeConsole, clock)
    return withHostKey(ManholeSSHFactory(Portal(realm, checkers)), key)  # type: ignore[arg-type]
