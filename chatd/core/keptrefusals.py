# -*- test-case-name: tests.unit.core.test_keptrefusals -*-
"""
Refusals told at the asker's next login.  An operator who refuses an
account's request to enter an approval room while none of the account's
connections is open, on any node (L{keepsFor}), leaves the refusal, with its
room and reason, in the store (L{chatd.core.approvals.Approvals.refusePending});
the account's next login, on any front-end and any node sharing the store,
is told it (L{tellKept}), once: telling takes it from the store, and a
refusal is taken by one process only; and the request ends on the node
that told it, which may have missed the refusal itself, so that re-reading
the store there does not tell it again.  A guest's request ends with the
guest, so none is kept for a guest.

A login may be admitted while the refusal is being written, too late for
its own reading: the node that wrote it, and every node that hears of it
(the change says C{kept}), then takes it for the account's connection it
serves (L{tellKeptIfHere}).  And the refusing node may see the account
connected to another node whose connection has just closed: a node that
hears of a refusal not kept while it sees the account away keeps it
(L{heardRefused}); several doing so write the same row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.absent import isAbsent, isAbsentAnywhere
from chatd.core.names import key
from chatd.core.refusal import RequestRefused

if TYPE_CHECKING:
    from chatd.core.participant import IParticipant
    from chatd.core.persistence import Persistence


def keepsFor(persistence: Persistence, holder: IParticipant | None, asker: str) -> bool:
    """
    Whether a refusal of C{asker}'s request is kept for its next login: it
    is an account, and its person (C{holder},
    L{chatd.core.approvalnotices.holderOf}) has no connection open here
    nor, as far as this node knows, on another node.
    """
    if key(asker) not in persistence.registered:
        return False  # a guest's request ends with the guest
    return holder is None or isAbsentAnywhere(holder, persistence.service.observer)


def heardRefused(
    persistence: Persistence,
    holder: IParticipant | None,
    asker: str,
    fields: dict[str, Any],
) -> None:
    """
    Another node refused C{asker}'s request to enter a room (the change's
    C{fields}: C{room}, C{refused}, the reason, C{kept}, C{at}): kept there,
    its connection here, if any, is told from the store; not kept (that
    node saw it connected), it is kept now if this node sees it away.
    """
    if fields.get("kept"):
        tellKeptIfHere(persistence, holder, asker)
    elif fields.get("at") is not None and keepsFor(persistence, holder, asker):
        keep = persistence.store.keepRefusal(asker, fields["room"], fields["refused"], fields["at"])
        persistence.background(keep, "keeping a refusal for the next login")


async def tellKept(persistence: Persistence, participant: IParticipant, account: str) -> None:
    """
    Tell C{participant}, signed in to registered C{account}, the refusals
    kept for it, the oldest first, taking them from the store (as of when
    each was made: IRC's server-time).  While the store is unavailable
    they stay kept, for a later login.
    """
    try:
        kept = await persistence.store.takeRefusals(account)
    except errors.StoreUnavailable:
        return
    for room, reason, when in kept:
        participant.notice(RequestRefused(room, reason, when))
        persistence.approvals.refusalTold(room, account, when)


def tellKeptIfHere(persistence: Persistence, holder: IParticipant | None, account: str) -> None:
    """
    A refusal was kept for C{account}: if C{holder} is its person, served
    here and connected now, it is told at once rather than at its next
    login (L{tellKept}).
    """
    if holder is None or isAbsent(holder) or not persistence.isLocal(holder):
        return
    telling = Deferred.fromCoroutine(tellKept(persistence, holder, account))
    persistence.background(telling, "telling a refusal kept for the next login")
