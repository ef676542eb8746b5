# -*- test-case-name: tests.unit.cluster.test_cluster_answers,tests.unit.admin.test_admin_durable -*-  # noqa: E501
"""
An operator's answer to a request to enter an approval room, or its
asker's withdrawal, is given once: the store decides which comes first
(C{IChatStore.decideAccess}), not a node's copy of the requests, which
another node's answer reaches only a moment later.  The one that came
second changes nothing and tells nobody; its console, or its asker, is told
what came first.  Its own module so that the
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


async def decide(approvals: Approvals, target: Room, nick: str, accepted: bool) -> str | None:
    """
    Decide C{nick}'s request to enter C{target}, waiting there, in the
    store: accepted, or ended (refused by an operator, or withdrawn by its
    asker), once the request's own write is done.  A request this node
    could not write (an outage) is listed by no other node: its end or
    acceptance is written as it is.

    @return: L{DECIDED}, or what came first (C{ACCEPTED_ALREADY},
        C{ENDED_ALREADY}); C{None} while the database is unavailable: the
        answer holds here until a restart.
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
            stored = await approvals.written(
                store.setAccess(target.name, nick, answer, service.now())
            )
            return DECIDED if stored else None
    try:
        found = await store.decideAccess(target.name, nick, accepted)
    except errors.StoreUnavailable:
        approvals.persistence.writes.keep(fail())
        return None
    if found != DECIDED and not service.registry.holds(target):
        raise errors.NoSuchGroup()
    return found


async def claim(approvals: Approvals, target: Room, nick: str, accepted: bool) -> bool:
    """
    An operator's answer to C{nick}'s request to enter C{target}
    (C{accepted}, or refused), decided in the store (L{decide}).

    @return: whether the store holds the answer; C{False} while the
        database is unavailable: the answer holds here until a restart,
        and the console's reply says so.
    @raise NoSuchUser: another answer came first, or the request ended
        meanwhile: the reply says which.
    @raise NoSuchGroup: the room was deleted meanwhile.
    """
    found = await decide(approvals, target, nick, accepted)
    if found is None:
        return False
    if found == DECIDED:
        return True
    raise errors.NoSuchUser(answeredBefore(nick, target.name, found == ACCEPTED_ALREADY))


async def withdrawal(approvals: Approvals, target: Room, nick: str) -> bool:
    """
    C{nick} withdraws their request to enter C{target}: decided in the
    store as an operator's answer is (L{decide}), so that of a withdrawal
    and an acceptance at the same moment, on two nodes or one, exactly one
    holds.

    @return: whether the store holds the withdrawal (C{False}: the
        database is unavailable; it holds here until a restart).
    @raise NotMember: an operator accepted the request first, or it had
        ended (refused) first: the text says which.
    @raise NoSuchGroup: the room was deleted meanwhile.
    """
    found = await decide(approvals, target, nick, False)
    if found is None or found == DECIDED:
        return found == DECIDED
    if found == ACCEPTED_ALREADY:
        raise errors.NotMember(
            f"you were already accepted in {target.name}: an operator accepted your request"
            " before you withdrew it; leave the room once you are in it"
        )
    raise errors.NotMember(
        f"you are not in {target.name}: your request to enter it had already ended"
    )


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
