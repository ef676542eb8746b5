# -*- test-case-name: tests.unit.cluster.test_cluster_accountclaim -*-
"""
An account is live on one node of a cluster: a connection that proves an
account under another nickname (IRC's SASL after registration, NickServ's
C{IDENTIFY}: L{chatd.core.signin.signInAgain}) claims it cluster-wide
first, as a login claims the name it is given.  The claim is the claim of
the account's name (L{IChatObserver.claimNick}): a registered name is its
owner's only, so one claim, on one engine, covers the name and the account,
and two sign-ins to one account at the same moment on two nodes (or one
and a login under its name) never both succeed.  Kept apart from
L{chatd.core.signin}, which asks it, since a login's claim
(L{chatd.core.renaming.claimed}) is the same rule's other half.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from chatd.core import errors
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.renaming import claimed

if TYPE_CHECKING:
    from chatd.core.hooks import IChatObserver
    from chatd.core.service import ChatService

_T = TypeVar("_T")


async def claimedAccount(
    service: ChatService, participant: IParticipant, account: str, give: Callable[[], _T]
) -> _T:
    """
    Claim C{account} for the logged-in C{participant}, which proved its
    password, then C{give()} (it proves the account); a C{give} that
    refuses gives the claim back, and one that proves it gives back the
    claim of the account the connection had proved before, unless someone
    here still holds that one.  No claim is needed for the account of the
    connection's own nickname (its name's claim is the account's), for the
    one it proved already, or without a cluster.

    @raise SignedInElsewhere: another node holds the account's claim: it
        is signed in there, under any nickname.
    @raise ClusterUnavailable: the cluster could not tell in time.
    """
    observer: IChatObserver | None = service.observer
    had = service.accountName(participant)
    own = {key(name) for name in (participant.nick, had) if name is not None}
    if observer is None or key(account) in own:
        return give()
    result = await claimed(observer, participant, account, give, errors.SignedInElsewhere)
    if had is not None:  # signed in to another account now (SASL 3.2)
        observer.releaseNick(participant, had)
    return result
