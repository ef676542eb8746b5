# -*- test-case-name: tests.unit.cluster.test_cluster_accountclaim,tests.unit.cluster.test_cluster_bridge -*-  # noqa: E501
"""
Which names this node claims in Redis (L{chatd.cluster.presence}): one
claim space for nicknames and accounts.  A registered account's name is
its owner's only, so the claim of the name is the claim of the account: a
user here holds the claim of its nickname and, signed in to an account
under another nickname (IRC's SASL after registration, NickServ's
C{IDENTIFY}, a rename since), that of its account's name too, so that
an account is live on one node only.  A claim is renewed at every
heartbeat while a user here holds it either way, given back once none
does (the account's last connection here left, a rename away from a name
that is not the account's), and expires with the node's heartbeat.
Kept apart from the bridge, which asks it, as the one home of that rule.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.python.failure import Failure

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.presence import Presence
from chatd.cluster.remote import RemoteParticipant
from chatd.core import errors
from chatd.core.interfaces import IParticipant
from chatd.core.names import key
from chatd.core.service import ChatService


class NameClaims:
    """
    This node's claims of nicknames and accounts, through C{presence}.
    """

    def __init__(self, service: ChatService, presence: Presence) -> None:
        self.service = service
        self.presence = presence

    def held(self) -> list[str]:
        """
        The names the users here hold (once each): their nicknames, and
        the accounts they are signed in to under other nicknames.
        """
        names: dict[str, str] = {}
        for user in self.service.users():
            if isinstance(user, RemoteParticipant):
                continue
            for name in (user.nick, self.service.accountName(user)):
                if name is not None:
                    names.setdefault(key(name), name)
        return list(names.values())

    def holder(self, name: str) -> IParticipant | None:
        """
        The user here who holds C{name}'s claim: called so, or signed in to
        the account C{name} under another nickname; else C{None}.
        """
        user = self.service.find(name)
        if user is not None and not isinstance(user, RemoteParticipant):
            return user
        return self.service.people.signedInTo(key(name))

    def claim(self, participant: IParticipant, name: str) -> Deferred[None]:
        """
        Claim C{name} for C{participant}, a connection here, before it is
        given the name or signed in to the account C{name}.  A connection
        that proved that account while a person here holds it claims
        nothing more: the claim is this node's already.  Without Redis
        nobody can prove a name is free, so new names are refused until it
        is back.
        """
        if isinstance(participant, RemoteParticipant):
            return succeed(None)
        holder = self.holder(name)
        if holder is not None and self.service.provenAccount(participant) == key(name):
            if self.service.provenAccount(holder) == key(name):
                return succeed(None)

        def unavailable(failure: Failure) -> None:
            failure.trap(RedisUnavailable)
            raise errors.ClusterUnavailable()

        return self.presence.claim(name).addErrback(unavailable)

    def release(self, *names: str) -> None:
        """
        Give back the claims of C{names} that no user here holds any more.
        """
        for name in dict.fromkeys(names):
            if self.holder(name) is None:
                self.presence.release(name)
