# -*- test-case-name: tests.unit.irc.test_irc_historyhosts,tests.unit.cluster.test_cluster_adoption -*-  # noqa: E501
"""
What people say, as the store keeps it: a room message in its room's
history, a private message in the histories of its sender's and its
recipient's accounts.  Each is kept with the C{user@host} its sender's
lines showed when it was said (L{chatd.core.hosts.Hosts.userhostOf}:
C{user/<account>} or a guest's cloak, never an address), which history
gives back (L{chatd.core.events.Sender}), so that a front-end shows a
stored message from the mask its live lines had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.events import PrivateMessage, RoomMessage

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence


def storeRoomMessage(persistence: Persistence, event: RoomMessage, userhost: str = "") -> None:
    """
    Store C{event} in its room's history, said from C{userhost} (C{""}:
    not known).
    """
    persistence.store.addMessage(
        event.room,
        event.sender,
        None,
        event.lines,
        event.when,
        msgid=event.msgid,
        millis=event.millis,
        notice=event.notice,
        userhost=userhost,
    )


def storePrivate(
    persistence: Persistence,
    event: PrivateMessage,
    sentAs: str,
    storedAs: str,
    userhost: str = "",
) -> None:
    """
    Store C{event} as said by C{sentAs} to C{storedAs} (the names of their
    accounts, if they are signed in to one), in both their histories, said
    from C{userhost} (C{""}: not known).
    """
    registered = persistence.isRegisteredNow
    persistence.store.addMessage(
        None,
        sentAs,
        storedAs,
        event.lines,
        event.when,
        msgid=event.msgid,
        millis=event.millis,
        accounts=(registered(sentAs), registered(storedAs)),
        notice=event.notice,
        userhost=userhost,
    )
