# -*- test-case-name: tests.unit.cluster.test_cluster_profiles,tests.unit.cluster.test_cluster_operstate,tests.unit.cluster.test_cluster_stateprofiles -*-  # noqa: E501
"""
What other nodes show of a user beyond their name and rooms: the protocol
they use (IRC shows it as their host), an IRC client's ident and real name,
their away text, the account an IRC client logged in to, and its user
modes (C{WHO} and C{WHOIS} show C{+i} and C{+B}).

A user's node sends their profile with their login and in its states, and
the whole profile again with each change (a C{status} envelope, from the
service's L{chatd.core.hooks.IChatObserver.statusChanged}); the proxies of
the other nodes keep it (L{chatd.cluster.remote.RemoteParticipant}), so
C{WHOIS}, C{WHO}, an away reply and hostmasks read the same everywhere,
and the people there are told of each change as of a local user's,
whether a C{status} or a whole state brought it (L{ProfileSync.profileShown}).
The values are the person's, not one connection's: a person away on one
of several connections is away.  Their idle time, which changes with each
message, is not sent: a C{WHOIS} asks their node (L{chatd.cluster.queries}),
as the console's C{whois} asks for their connections (each one's front-end
and sign-on): profiles go to every node with each change, so they carry
nothing per connection.
"""

from __future__ import annotations

import sys
from typing import Any
from weakref import WeakSet

from twisted.internet.defer import Deferred, succeed

from chatd.cluster.bus import Bus
from chatd.cluster.queries import Queries
from chatd.cluster.remote import RemoteParticipant
from chatd.core.absent import Absent
from chatd.core.activity import Seen
from chatd.core.interfaces import IParticipant, connectionsOf
from chatd.core.names import key
from chatd.core.operators import withdrawSessionOperator
from chatd.core.service import ChatService
from chatd.core.status import ACCOUNT, AWAY, HOST, REALNAME, announce, awayOf

#: Envelope key -> the proxy's attribute.
FIELDS = {
    "p": "protocolName",
    "id": "ident",
    "rn": "realName",
    "aw": "awayMessage",
    "ac": "account",
    "ab": "absent",
    "h": "shownHost",
}
#: The status changes of a profile that others are told of, in the order a
#: whole state tells them: a host before the account that brought it, as
#: the user's own node does.
SHOWN = (HOST, ACCOUNT, REALNAME, AWAY)
#: What the rooms are told when an absent always-on account signs in on
#: another node, which takes it over.
MOVED = "signed in on another server"
#: No user modes, one set for every proxy.
NO_MODES: frozenset[str] = frozenset()
#: What a proxy shows before its node told (a node that sends no profile).
DEFAULTS: dict[str, Any] = {"p": "remote"}


def _first(person: IParticipant, name: str) -> str | None:
    for connection in connectionsOf(person):
        value = getattr(connection, name, None)
        if value:
            return str(value)
    return None


def seenIn(answer: dict[str, Any] | None) -> Seen | None:
    """
    The L{Seen} a node answered (C{s}: sign-on and idle seconds; C{c}: the
    front-end and sign-on of each connection, left out if malformed), if
    it did.
    """
    answer = answer or {}
    try:
        signedOn, idle = answer["s"]
        signedOn, idle = int(signedOn), max(0, int(idle))
    except (KeyError, TypeError, ValueError):
        return None
    try:
        opened = tuple((str(protocol), int(when)) for protocol, when in answer["c"])
    except (KeyError, TypeError, ValueError):
        opened = ()
    return Seen(signedOn, idle, opened)


def profileOf(
    person: IParticipant, account: str | None = None, host: str | None = None
) -> dict[str, str]:
    """
    C{person}'s profile as other nodes keep it: only the keys that are set;
    C{account}, the one it signed in to on any protocol (registering
    included), else an IRC connection's own; C{host}, its host
    (L{chatd.core.hosts}: a guest's cloak is made with this node's secret).
    """
    values = {
        "h": host,
        "p": person.protocolName,
        "id": _first(person, "ident"),
        "rn": getattr(person, "realName", None) or None,  # the person's, as shown here
        "aw": awayOf(person),
        "ac": account or _first(person, "account"),
        "um": "".join(sorted(getattr(person, "userModes", ()))),
        "ab": "1" if all(isinstance(each, Absent) for each in connectionsOf(person)) else None,
    }
    return {short: value for short, value in values.items() if value}


def applyProfile(proxy: RemoteParticipant, profile: dict[str, Any]) -> None:
    """
    Give C{proxy} the values of C{profile}, a whole profile: a key it lacks
    is unset (back from away, logged out of an account).
    """
    for short, name in FIELDS.items():
        value = profile.get(short)
        setattr(proxy, name, value if isinstance(value, str) else DEFAULTS.get(short))
    # A handful of protocol names, one text each, not one per proxy.
    proxy.protocolName = sys.intern(proxy.protocolName)
    modes = profile.get("um")
    proxy.userModes = frozenset(modes) if isinstance(modes, str) else NO_MODES


class ProfileSync:
    """
    The bridge's part that keeps profiles in step; mixed into
    L{chatd.cluster.bridge.Bridge}.
    """

    service: ChatService
    bus: Bus
    queries: Queries
    proxies: dict[str, dict[str, RemoteParticipant]]
    #: The proxies whose profile names each account (by key), to find one
    #: signed in under another nickname without looking at every proxy.
    byAccount: dict[str, WeakSet[RemoteParticipant]]

    def takeOver(self, holder: IParticipant) -> Deferred[None]:
        """
        A login here proved the password of the account C{holder} keeps on
        another node, where it is present always on with no connection:
        that node lets the absent person go (unless a connection of it came
        back meanwhile); the login goes on once every node has heard.
        """
        if not isinstance(holder, RemoteParticipant) or not holder.nick or not holder.absent:
            return succeed(None)
        node = holder.node
        self.bus.publishTo(node, "disconnect", u=holder.nick, node=node, r=MOVED, ab=1)
        return self.everyoneHeard()

    def absentElsewhere(self, holder: IParticipant) -> bool:
        return isinstance(holder, RemoteParticipant) and bool(holder.absent)

    def signedInTo(self, accountKey: str) -> RemoteParticipant | None:
        """
        The proxy, logged in here, whose profile says it is signed in to
        the account C{accountKey}, under whatever nickname: that account
        is held on its node.
        """
        for proxy in self.byAccount.get(accountKey, ()):
            account, nick = proxy.account, proxy.nick
            if account and key(account) == accountKey and nick and self.service.find(nick) is proxy:
                return proxy
        return None

    def everyoneHeard(self) -> Deferred[None]:
        raise NotImplementedError  # the bridge's

    def activityOf(self, participant: IParticipant) -> Deferred[Seen | None]:
        """
        Another node's user's sign-on and idle time, asked of their node
        (L{answerSeen}): nothing of it is replicated.
        """
        if not isinstance(participant, RemoteParticipant) or participant.nick is None:
            return succeed(None)
        asked = self.queries.ask(participant.node, "seen", u=participant.nick)
        return asked.addCallback(seenIn)

    def answerSeen(self, fields: dict[str, Any]) -> dict[str, Any] | None:
        """
        What L{activityOf} on another node asks of this node's user.
        """
        person = self.service.find(fields.get("u", ""))
        if person is None or isinstance(person, RemoteParticipant):
            return None
        seen = self.service.people.activity.of(person, self.service.clock.seconds())
        if seen is None:
            return None
        return {"s": [seen.signedOn, seen.idle], "c": [list(each) for each in seen.connections]}

    def localProfiles(self, users: list[IParticipant]) -> dict[str, dict[str, str]]:
        """
        The profiles of C{users} (this node's), by nickname, for a state.
        """
        service = self.service
        return {
            user.nick: profileOf(user, service.accountName(user), service.hostOf(user))
            for user in users
            if user.nick
        }

    def takeProfile(self, proxy: RemoteParticipant, profile: dict[str, Any]) -> None:
        """
        Give C{proxy} the profile its node sent (L{applyProfile}); a proxy
        not logged in here yet takes it before its login, so those told of
        the arrival see the user as they are, and its rights once logged
        in (L{takeRights}).
        """
        before = proxy.account
        applyProfile(proxy, profile)
        if before != proxy.account:
            if before:
                self.byAccount.get(key(before), WeakSet()).discard(proxy)
            if proxy.account:
                self.byAccount.setdefault(key(proxy.account), WeakSet()).add(proxy)
        invisible = self.service.people.invisible
        (invisible.add if "i" in proxy.userModes else invisible.discard)(proxy)

    def takeRights(self, proxy: RemoteParticipant) -> None:
        """
        One who became a chatd operator on their node (IRC's C{OPER}, user
        mode C{o} in the profile L{takeProfile} gave C{proxy}) is one here
        too, for the rest of their session, as there, until it is taken
        away there.  Only a logged-in participant holds rights: C{proxy}
        is logged in here.
        """
        if "o" in proxy.userModes and not self.service.isOperator(proxy):
            self.service.grantOperator(proxy)
        elif "o" not in proxy.userModes:  # taken away there (the console's deop)
            withdrawSessionOperator(self.service, [proxy])

    def statusChanged(self, participant: IParticipant, kind: str) -> None:
        """
        A local person's away text, real name, account or user modes
        changed: every other node gets their whole profile again.
        """
        if isinstance(participant, RemoteParticipant) or participant.nick is None:
            return
        person = self.service.find(participant.nick)
        if person is not None:
            profile = profileOf(
                person, self.service.accountName(person), self.service.hostOf(person)
            )
            self.bus.publish("status", u=participant.nick, st=kind, pf=profile)

    def remote_status(self, node: str, fields: dict[str, Any]) -> None:
        """
        A user of C{node} changed: their proxy takes the new profile, and
        the people here who may show the change are told (L{profileShown}).
        """
        proxy = self.proxies.get(node, {}).get(key(fields["u"]))
        kind = fields.get("st")
        if proxy is None:
            return
        before = self.shownOf(proxy)
        self.takeProfile(proxy, fields.get("pf") or {})
        self.takeRights(proxy)
        if kind in SHOWN:  # not user modes, registration: nobody is told
            self.profileShown(proxy, before, kind)

    def shownOf(self, proxy: RemoteParticipant) -> dict[str, str | None]:
        """
        What the people here are shown of C{proxy} that they are told of
        when it changes (L{SHOWN}), by kind.
        """
        return {
            HOST: self.service.hostOf(proxy),
            ACCOUNT: proxy.account,
            REALNAME: proxy.realName,
            AWAY: proxy.awayMessage,
        }

    def profileShown(
        self, proxy: RemoteParticipant, before: dict[str, str | None], named: str | None = None
    ) -> None:
        """
        C{proxy}, logged in here, took a profile from its node, and was
        shown as C{before} (L{shownOf}) until then: the people here who may
        show a change are told, as for a local user's (L{announce}).  A
        live C{status} names its change (C{named}), told even if an earlier
        envelope brought its value (a login's C{host} comes with the
        account before the C{account}); a whole state or a repeated
        C{login} names none, so each that differs is told: the envelopes
        that named them were lost (Redis was away).  A host is told only
        if it differs, from the one shown until now (IRC's C{CHGHOST} is
        from the mask last seen).
        """
        service = self.service
        after = self.shownOf(proxy)
        now = service.clock.seconds()
        for kind in SHOWN if named is None else (named,):
            if after[kind] == before[kind] and (named is None or kind == HOST):
                continue
            was = before[HOST] if kind == HOST else None
            announce(service, proxy, kind, after[kind], now, service.people.presence, was)
