# -*- test-case-name: tests.unit.irc.test_irc_hosts,tests.unit.core.test_masks,tests.unit.irc.test_irc_historyhosts,tests.unit.core.test_keptuserhost -*-  # noqa: E501
"""
Each person's host: the C{host} of the C{nick!user@host} every front-end
shows (IRC's prefixes, C{WHO}, C{WHOIS}) and every mask matches (room bans
and exceptions, ignore lists, IRC's C{SILENCE}), one notion for all.

A person signed in to an account is C{user/<account>}, the account's name
as registered, the same from every device and address.  A guest is a cloak
of its address: C{guest-<8 hex digits>.chatd}, a keyed hash (HMAC-SHA-256)
of the address with the daemon's cloak secret, so the same address always
gives the same cloak and nobody can tell the address from it.  Guests of
one address (a school's NAT) share a cloak, and so do guests of one IPv6
C{/64}, which one household or machine usually has whole.  The real
address stays where operators see it (IRC's C{WHOIS} for chatd operators,
the console's C{whois}); a mask may still name it (C{*!*@192.0.2.*}).
A message is stored with its sender's C{user@host} (L{Hosts.userhostOf}),
so that history shows it from the mask its live lines had, and the
account it was said from (L{accountNamed}: IRC's C{account} tag).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable
from hashlib import sha256

from chatd.core.participant import IParticipant
from chatd.core.person import Person
from chatd.core.signedin import ProvenAccounts

#: The host of a person signed in to an account, before its name.
ACCOUNT_PREFIX = "user/"
#: A guest's host: the cloak's hexadecimal digits between these.
CLOAK_PREFIX, CLOAK_SUFFIX = "guest-", ".chatd"
#: How many hexadecimal digits of the HMAC a cloak shows.
CLOAK_DIGITS = 8
#: The IPv6 prefix length whose addresses share a cloak.
IPV6_PREFIX = 64
#: How many addresses' cloaks are kept made (then all are made again).
MAX_KEPT_CLOAKS = 10_000


def accountNamed(userhost: str) -> str | None:
    """
    The account a C{user@host} (or a host) names: its host's
    C{user/<account>}; C{None} for a guest's cloak, or none given.  What
    a stored message's sender was signed in to (L{Hosts.userhostOf}).
    """
    host = userhost.rpartition("@")[2]
    if not host.startswith(ACCOUNT_PREFIX):
        return None
    return host[len(ACCOUNT_PREFIX) :] or None


def cloakedPart(address: str) -> str:
    """
    What of C{address} a cloak is made from: an IPv4 address (an IPv6
    mapped one too) whole, an IPv6 address's C{/64}, anything else (a
    name, a socket path) as it is.
    """
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


class Hosts:
    """
    The hosts of the people of one service.

    @ivar secret: the cloak secret (L{chatd.storage.cloakkey} reads it from
        the data directory; random for each run without one).
    """

    def __init__(self, accounts: ProvenAccounts, secret: bytes | None = None) -> None:
        self.accounts = accounts
        #: The cloaks made so far, by address: a host is asked for each line
        #: relayed, and an HMAC costs more than a lookup.
        self._cloaks: dict[str, str] = {}
        #: How many times the secret changed (L{userhostOf} keeps what it made before).
        self._version = -1
        #: Told, once the secret changed for another, hosts made with the
        #: one before (L{chatd.core.status.rehosted}: guests are told).
        self.rekeyed: Callable[[Hosts], None] = lambda before: None
        self._secret = secrets.token_bytes(32) if secret is None else secret
        self.secret = self._secret

    @property
    def secret(self) -> bytes:
        return self._secret

    @secret.setter
    def secret(self, secret: bytes) -> None:
        before = self._secret
        self._secret = secret
        self._version += 1
        self._cloaks.clear()
        if secret != before:
            self.rekeyed(Hosts(self.accounts, before))

    def cloak(self, address: str) -> str:
        """
        The guest host of C{address}: C{guest-3f9a2c1d.chatd}.
        """
        cloak = self._cloaks.get(address)
        if cloak is None:
            if len(self._cloaks) >= MAX_KEPT_CLOAKS:
                self._cloaks.clear()
            digest = hmac.new(self._secret, cloakedPart(address).encode("utf-8"), sha256)
            cloak = f"{CLOAK_PREFIX}{digest.hexdigest()[:CLOAK_DIGITS]}{CLOAK_SUFFIX}"
            self._cloaks[address] = cloak
        return cloak

    def of(self, participant: IParticipant) -> str:
        """
        C{participant}'s host: as its own node told it for another node's
        user (C{shownHost}), else C{user/<account>} when it is signed in to
        an account, else the cloak of its address.
        """
        return self.withAccount(participant, self.accounts.name(participant))

    def withAccount(self, participant: IParticipant, account: str | None) -> str:
        """
        The host C{participant} has signed in to C{account} (C{None}: as a
        guest): what it was before it proved another.
        """
        told = getattr(participant, "shownHost", None)
        if isinstance(told, str) and told:
            return told
        return self.cloak(participant.address) if account is None else ACCOUNT_PREFIX + account

    def userOf(self, participant: IParticipant) -> str:
        """
        The user part of C{participant}'s C{nick!user@host}: its C{ident}
        when its protocol has one (IRC's C{USER}), otherwise its nickname.
        """
        return getattr(participant, "ident", None) or participant.nick or "*"

    def userhostOf(self, participant: IParticipant) -> str:
        """
        C{participant}'s C{user@host}, as its lines show it now: what a
        store keeps with each message it says, so that history shows the
        mask its live lines had (L{chatd.core.events.Sender}).  A person's
        is kept with it (L{Person.keptUserhost}), worked out again once its
        nickname, an account proved, the cloak secret or its connections
        (L{Person}) change.
        """
        if not isinstance(participant, Person):
            return f"{self.userOf(participant)}@{self.of(participant)}"
        stamp = (participant.nick, self.accounts.version, self._version)
        kept = participant.keptUserhost
        if kept is not None and kept[0] == stamp:
            return kept[1]
        userhost = f"{self.userOf(participant)}@{self.of(participant)}"
        participant.keptUserhost = (stamp, userhost)
        return userhost

    def masksOf(self, participant: IParticipant) -> tuple[str, ...]:
        """
        The C{nick!user@host} forms C{participant} is matched as
        (L{chatd.core.masks.matches}): with its host, with its address's
        cloak when its host is another (signed in to an account: a ban on
        the cloak a guest had still holds once it registers or signs in),
        and with its address.  The user part is its C{ident} when its
        protocol has one (L{userOf}).
        """
        nick = participant.nick or "*"
        user = self.userOf(participant)
        host, cloak = self.of(participant), self.cloak(participant.address)
        hosts = (host, participant.address) if host == cloak else (host, cloak, participant.address)
        return tuple(f"{nick}!{user}@{each}" for each in hosts)
