# -*- test-case-name: tests.unit.core.test_banreach -*-
"""
How far an address ban reaches: a ban so broad it may shut out far more
than meant (most of the Internet, the administrator's own address, or every
client that comes through a loopback address, which behind a reverse proxy
or a local gateway is everyone) is taken only when confirmed.  The console
confirms with C{--force}; the rule is here, for every way a ban is given.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from chatd.core.admission import Network, addressOf

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
