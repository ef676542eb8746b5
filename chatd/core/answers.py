# -*- test-case-name: tests.unit.cluster.test_cluster_answers,tests.unit.admin.test_admin_durable -*-  # noqa: E501
"""
An operator's answer to a request to enter an approval room is given once:
the store decides which answer comes first (C{IChatStore.decideAccess}),
not a node's copy of the requests, which another node's answer reaches only
a moment later.  The answer that came second changes nothing and tells
nobody; its console is told what came first.  Its own module so that the
rule of approval rooms (L{chatd.core.approvals}) stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import fail

from chatd.core import errors
from chatd.core.calls import whenFired
from chatd.core.names import key
from chatd.storage.interfaces import ACCEPTED_ALREADY, DECIDED

if TYPE_CHECKING:
    from chatd.core.approvals import Approvals
    from chatd.core.room import Room


async def claim(approvals: Approvals, target: Room, nick: str, accepted: bool) -> bool:
    """
    Decide C{nick}'s request to enter C{target}, waiting there, in the
    store for this answer (C{accepted}, or refused), once the request's own
    write is done.  A request this node could not write (an outage) is
    listed by no other node: its answer is written as it is.

    @return: whether the store holds the answer; C{False} while the
        database is unavailable: the answer holds here until a restart,
        and the console's reply says so.
    @raise NoSuchUser: another answer came first, or the request ended
        meanwhile: the reply says which.
    @raise NoSuchGroup: the room was deleted meanwhile.
    """
    service, store = approvals.service, approvals.store
    asked = key(target.name), key(nick)
    request = approvals.requests.get(asked)
    if request is not None:
        await whenFired(request)
    if not service.registry.holds(target):
        raise errors.NoSuchGroup()  # deleted meanwhile: nothing to write
    if asked in approvals.unwritten:
        if approvals.unwritten.pop(asked) == target.requestedAt.get(asked[1]):
            answer = True if accepted else None
            return await approvals.written(
                store.setAccess(target.name, nick, answer, service.now())
            )
    try:
        found = await store.decideAccess(target.name, nick, accepted)
    except errors.StoreUnavailable:
        approvals.persistence.writes.keep(fail())
        return False
    if found == DECIDED:
        return True
    if not service.registry.holds(target):
        raise errors.NoSuchGroup()
    raise errors.NoSuchUser(answeredBefore(nick, target.name, found == ACCEPTED_ALREADY))


def answeredBefore(nick: str, room: str, accepted: bool) -> str:
    """
    What the console of an answer that came second is told: the request
    was C{accepted} by another operator (on this node or another), or it
    ended otherwise (refused, or withdrawn by its asker).
    """
    if accepted:
        return f"{nick}'s request to enter {room} was already accepted by another operator"
    return (
        f"{nick}'s request to enter {room} had already ended:"
        " another operator refused it, or it was withdrawn"
    )
