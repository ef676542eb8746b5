# -*- test-case-name: tests.unit.core.test_gate -*-
"""
The addresses each account last signed in from, so that the password gate
(L{chatd.core.gate}) lets its owner's attempt from one of them go ahead of
guesses queued for the name from elsewhere: the "device cookie" defence
against a lock-out (OWASP), by address, since chat clients keep no cookie.

An IPv4 address is remembered as itself, an IPv6 one as its /64 (privacy
addresses change within it), as the admission policy groups them.  Each
account keeps its last L{PER_ACCOUNT} networks, and L{MAX_ACCOUNTS}
accounts are remembered at once, the least recently signed in forgotten
first: in memory, lost when the daemon stops.  A network that guesses wrong
for the account more than C{free} times is forgotten for it, so guessing
from an address the owner once used falls back to the ordinary turns.
"""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network, ip_address

from chatd.core.admission import IPV6_GROUP

#: Networks remembered per account.
PER_ACCOUNT = 4

#: Accounts remembered at once.
MAX_ACCOUNTS = 10000


def network(address: str) -> str:
    """
    What L{KnownAddresses} remembers for C{address}: the IPv4 address, the
    IPv6 /64, or the text itself if it is no IP address.
    """
    try:
        ip = ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(IPv6Network((ip, IPV6_GROUP), strict=False))
    return address


class KnownAddresses:
    """
    See the module docstring.

    @ivar free: wrong passwords from a remembered network before it is
        forgotten for that account.
    """

    def __init__(self, free: int = 3) -> None:
        self.free = free
        #: account key -> network -> wrong passwords since the last right one
        self._accounts: dict[str, dict[str, int]] = {}

    def knows(self, account: str, address: str) -> bool:
        """
        Whether C{account} signed in from C{address}'s network lately.
        """
        return network(address) in self._accounts.get(account, ())

    def heard(self, account: str, address: str, right: bool) -> None:
        """
        A password for C{account} from C{address} was checked: remember the
        network if it was C{right}; count a wrong one against it, if known.
        """
        net = network(address)
        known = self._accounts.get(account)
        if not right:
            if known is not None and net in known:
                known[net] += 1
                if known[net] > self.free:
                    del known[net]
            return
        known = self._accounts.pop(account, None) or {}
        self._accounts[account] = known  # the most recent last
        known.pop(net, None)
        known[net] = 0
        while len(known) > PER_ACCOUNT:
            del known[next(iter(known))]
        while len(self._accounts) > MAX_ACCOUNTS:
            del self._accounts[next(iter(self._accounts))]

    def __len__(self) -> int:
        return len(self._accounts)
