# -*- test-case-name: tests.test_admin_ssh -*-
"""
C{--manhole}: a Python shell inside the running daemon, over SSH only,
for operators who need to look at what the console does not show.

It is as powerful as the daemon's own user, so it is off by default, listens
on 127.0.0.1 unless told otherwise, and always asks for an administrator's
password (the same checker as the consoles; there is no anonymous or
key-less way in).
"""

from __future__ import annotations

from typing import Any

from twisted.conch import manhole, manhole_ssh
from twisted.conch.insults import insults
from twisted.conch.ssh.keys import Key
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.portal import Portal

from chatd.admin.ssh import ExitingTransport, TerminalSession, withHostKey

BANNER = """chatd manhole: Python inside the running daemon. Careful: this is live.
  service     the ChatService (service.users(), service.rooms(), service.find(nick))
  moderation  its Moderation (sanctions(), operators, kick/ban/mute/lift)
  store       the chat store: accounts, rooms, messages (None without one)
  moderationStore  sanctions and the audit trail
  listeners   the daemon's service tree (listeners by name: listeners.namedServices)
  console     an AdminConsole: console.execute("users").addCallback(print)
"""


class BannerManhole(manhole.ColoredManhole):
    """
    C{ColoredManhole} that first says what its namespace holds.
    """

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


def manholeFactory(
    namespace: dict[str, Any], checker: ICredentialsChecker, key: Key
) -> ManholeSSHFactory:
    """
    An SSH factory serving a Python shell on C{namespace} to administrators
    C{checker} accepts.
    """
    realm = manhole_ssh.TerminalRealm(ExitingTransport)
    realm.sessionFactory = TerminalSession
    realm.chainedProtocolFactory = lambda: insults.ServerProtocol(BannerManhole, namespace)  # type: ignore[assignment,misc]
    return withHostKey(ManholeSSHFactory(Portal(realm, [checker])), key)  # type: ignore[arg-type]
