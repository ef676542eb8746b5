# -*- test-case-name: tests.unit.irc.test_irc_opermodes,tests.unit.cluster.test_cluster_opermodes -*-  # noqa: E501
"""
A command's reply first, then what its change shows in the channels.

C{OPER}'s rights, and their end by C{MODE nick -o}, show in every channel
where the person's status changes (C{MODE #room +o nick}, from the
services): the service tells each member as the change is made
(L{chatd.core.rightschange}), this connection among them, while the
command's own reply (C{381} and C{MODE nick +o}, or C{MODE nick -o})
waits for the other cluster nodes to hear of it.  Clients and servers
expect the reply to the command first: this connection's share of the
channels' change is kept while the change is made (L{keptForReply}) and
sent after the reply (L{sendAfterReply}); everyone else sees it at once,
the person's other connections after their own C{MODE nick +o} or C{-o}
(the user mode changes before the rights do).
"""

from __future__ import annotations

from collections.abc import Callable

from chatd.irc.session import IRCSession


def keptForReply(irc: IRCSession, change: Callable[[], object]) -> list[bytes]:
    """
    Make C{change}, keeping the channel changes it shows this connection
    (L{chatd.irc.protocol.IRCProtocol.notice}): their lines, for
    L{sendAfterReply}.
    """
    kept: list[bytes] = []
    outer, irc.keptChanges = irc.keptChanges, kept
    try:
        change()
    finally:
        irc.keptChanges = outer
    return kept


def sendAfterReply(irc: IRCSession, kept: list[bytes]) -> None:
    """The reply is sent: the channel changes L{keptForReply} kept follow it."""
    for line in kept:
        irc.send(line)
