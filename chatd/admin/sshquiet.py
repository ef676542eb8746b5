# -*- test-case-name: tests.unit.admin.test_admin_sshquiet,tests.integration.test_admin_sshlog_live -*-  # noqa: E501
"""
The SSH console's log without Conch's lines about each session.

A command on the ssh command line (a script's loop runs one ssh per
account) would log, after the administrator's login line and the audit
line of what was done, six lines that say nothing an operator can act on:
the channel opened, its exit code, its close sent and received, the client
closing the connection, the connection lost.  The console's SSH listener
(C{--admin-ssh}) alone uses these pieces, each dropping those lines and
passing every other one on; the manhole keeps Conch's log as it is.
"""

from __future__ import annotations

import struct

from twisted.conch.ssh.connection import SSHConnection
from twisted.conch.ssh.session import SSHSessionProcessProtocol
from twisted.python.failure import Failure

from chatd.quietlog import loggerWithout

#: A session channel's log: without its opening and closing.
CHANNEL_LOG = loggerWithout("channel open", "remote eof", "remote close", "closed")
#: An SSH connection's log: without the end of a connection that ended as
#: it should (a failed login is logged as such; an error still is).
TRANSPORT_LOG = loggerWithout("connection lost", "SSH client closed the connection")


class ConsoleConnection(SSHConnection):
    """
    The console's SSH connection service: Conch's, without a line for each
    channel it closes.
    """

    _log = loggerWithout("sending close")


class QuietSessionProcess(SSHSessionProcessProtocol):
    """
    A console command's end as Conch's session says it to the client (the
    exit status, then the channel's close), without Conch's line giving
    the exit code: the reply already told the administrator, and the audit
    line what was done.
    """

    def processEnded(self, reason: Failure | None = None) -> None:
        ended = None if reason is None else reason.value
        code = getattr(ended, "exitCode", None)
        if code is None or getattr(ended, "signal", None) is not None:
            super().processEnded(reason)  # not an exit status: as Conch says it
            return
        self.session.conn.sendRequest(self.session, b"exit-status", struct.pack(">L", code))
        self.session.loseConnection()
