# -*- test-case-name: tests.unit.core.test_banreach,tests.unit.irc.test_irc_founderbans,tests.unit.cluster.test_cluster_banreach -*-  # noqa: E501
"""
How far a ban reaches.  An address ban so broad it may shut out far more
than meant (most of the Internet, the administrator's own address, or every
client that comes through a loopback address, which behind a reverse proxy
or a local gateway is everyone) is taken only when confirmed.  The console
confirms with C{--force}; the rule is here, for every way a ban is given.
A room's ban mask of a guest cloak or an address also holds the accounts
signed in from that address, though they show as C{user/<account>}: the
operator who sets one is told whom it holds so (L{heldUnseen}).
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address

from chatd.core.admission import Network, addressOf
from chatd.core.hosts import ACCOUNT_PREFIX, Hosts
from chatd.core.masks import matches
from chatd.core.participant import IParticipant

#: The broadest networks taken without confirming, by IP version: an IPv4
#: C{/8} (16 million addresses, a large operator's block) and an IPv6
#: C{/32} (a whole provider's allocation).
BROADEST = {4: 8, 6: 32}

#: Where a reverse proxy's, a local gateway's and this machine's clients
#: come from.
LOOPBACK = (IPv4Network("127.0.0.0/8"), IPv6Network("::1/128"))


def sweepingBan(network: Network, own: str | None = None) -> str | None:
    """
    Why banning C{network} needs confirming, or C{None} if it does not.

    @param own: the address of whoever bans (the console's client), if
        known: a ban covering it shuts them out of the chat too.
    """
    version = network.version
    if network.prefixlen < BROADEST[version]:
        return f"{network} is broader than a /{BROADEST[version]} (IPv{version})"
    mine = None if own is None else addressOf(own)
    if mine is not None and mine in network:
        return f"{network} covers your own address ({mine})"
    for loopback in LOOPBACK:
        if version == loopback.version and network.overlaps(loopback):
            shown = ip_address("127.0.0.1" if version == 4 else "::1")
            return f"{network} covers loopback clients ({shown}: a proxy's, or this machine's)"
    return None


def heldUnseen(mask: str, members: Iterable[IParticipant], hosts: Hosts) -> list[str]:
    """
    The nicknames of C{members} signed in to an account whom ban mask
    C{mask} holds though not as they show (C{nick!user@user/<account>}):
    by their address's cloak or their address, which their operator does
    not see, so that a ban meant for a guest also holds the registered
    members behind the same address.
    """
    held = []
    for member in members:
        forms = hosts.masksOf(member)
        shown = forms[0].rpartition("@")[2]
        if shown.startswith(ACCOUNT_PREFIX) and not matches(mask, forms[:1]):
            if matches(mask, forms[1:]):
                held.append(member.nick or "")
    return held
