# -*- test-case-name: tests.unit.admin.test_admin_durable -*-
"""
What a console reply says about its command: whether it was refused, and
whether its effects are stored and every cluster node has them yet; and
the reply as an operator's terminal may be sent it.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, DeferredList

from chatd.core.text import plain
from chatd.core.writes import PendingWrites

#: Added to a reply in a cluster while Redis is away: the other nodes
#: apply the command once it is back.
NOT_EVERYWHERE = (
    "note: the other nodes cannot be reached now (Redis is away): they apply this once it is back"
)
#: Added to a reply when the moderation or chat database failed to store
#: what the command did (the error is logged).
NOT_STORED = (
    "warning: the database could not store this: it holds only until the daemon restarts"
    " (see the log)"
)
#: Added to a reply when the chat database could not store a room's settings
#: the command changed yet: they are written once it answers again.
STORED_LATER = (
    "warning: the database could not store this yet: it is stored once the database answers"
    " again (see the log)"
)


class Refusal(str):
    """
    A reply saying the command was not done: unknown, its usage, refused,
    or an internal error.  A command run on the ssh command line then
    exits with status 1, so scripts can tell.
    """


def withOutcome(reply: str, stored: bool, everywhere: bool, later: bool = False) -> str:
    """
    C{reply}, with a line for each way the command's effects are short of
    done: not C{stored}, or stored only C{later} (once the database
    answers), or not yet known C{everywhere}; still a L{Refusal} if it
    was one.
    """
    text = reply
    if not stored:
        text += f"\n{NOT_STORED}"
    elif later:
        text += f"\n{STORED_LATER}"
    if not everywhere:
        text += f"\n{NOT_EVERYWHERE}"
    return Refusal(text) if isinstance(reply, Refusal) else text


def allStored(*writes: PendingWrites | None) -> Deferred[bool]:
    """
    Fires once the C{writes} under way now (of the moderation store, of
    the chat store if there is one) have ended: whether each was stored.
    """
    waited: Deferred[list[tuple[bool, bool]]] = DeferredList(
        [pending.settled() for pending in writes if pending is not None]
    )
    return waited.addCallback(lambda results: all(stored for _, stored in results))


def printable(reply: str) -> str:
    """
    C{reply} as the operator's terminal is sent it: its lines (split at
    C{\\n} only) each L{plain}, so that what users wrote (a message, a
    topic, a reason) can neither forge a row (U+2028, C{\\x1e} and the other
    breaks Python's C{splitlines} knows) nor drive the terminal.  A
    L{Refusal} stays one.
    """
    cleaned = "\n".join(plain(line) for line in reply.split("\n"))
    return Refusal(cleaned) if isinstance(reply, Refusal) else cleaned


def allOrNothing(replies: list[str], done: int) -> str:
    """
    The lines of a command over several names (rooms): a L{Refusal} when
    it did nothing for any of them, so that a script sees it failed.
    """
    text = "\n".join(replies)
    return text if done else Refusal(text)
