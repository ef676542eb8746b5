# -*- test-case-name: tests.unit.cluster.test_cluster_recovery -*-
"""
What a cluster's users are told about the cluster itself: that their node
lost contact with the others, and that messages a lost node took with it
follow late.  Each is a server notice, so every front-end shows it.
"""

from __future__ import annotations

import time

from chatd.core.events import RoomMessage

#: What the users of a node that other nodes counted dead are told when
#: they hear from it again (C{private}: L{KEPT} or L{NOT_KEPT}).
LOST_CONTACT = (
    "this server lost contact with the other servers of the chat at {when} UTC:"
    " what was said in rooms on them since then is not shown here (each room's history"
    " has it); {private}"
)
#: With a shared database, what they kept for a registered name is delivered.
KEPT = (
    "private messages sent to you from them meanwhile follow now if your name is"
    " registered, else they were not delivered (their senders were told)"
)
#: Without one, it waits in the store of the node it was sent from.
NOT_KEPT = (
    "private messages sent to you from them meanwhile were not delivered: one to a"
    " registered name waits for your next login on the server it was sent from, the"
    " other senders were told"
)


#: The notice before the room messages of a lost node read back late.
SAID_LATE = (
    "{count} message{s} said in {room} from {when} UTC on another server of this chat follow"
    " late: that server stopped before it passed them on"
)


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(seconds))


def lostContact(since: float, sharedStore: bool) -> str:
    """
    What a node's users are told once the others counted it dead from
    C{since}: what they missed, and what became of private messages.
    """
    return LOST_CONTACT.format(when=_clock(since), private=KEPT if sharedStore else NOT_KEPT)


def saidLate(room: str, events: list[RoomMessage]) -> str:
    """
    What a room's members are told before the C{events} read back late:
    their senders may have been seen leaving since.
    """
    count = len(events)
    return SAID_LATE.format(
        count=count, s="" if count == 1 else "s", room=room, when=_clock(events[0].millis / 1000)
    )
