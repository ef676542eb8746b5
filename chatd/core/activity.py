# -*- test-case-name: tests.unit.irc.test_irc_queries,tests.unit.cluster.test_cluster_whois -*-
"""
When each person signed on and last spoke: IRC's C{WHOIS} shows it
(C{317}, idle time and sign-on) for everyone, whatever front-end they
chat from, and a cluster node asks another for its users' (nothing of
it is replicated: it changes with every message).

Kept per connection of this process: a person signed in from several
connections signed on with the first, and is idle since the last thing
any of them said (or since that first sign-on).
Only what a person says to people counts: a typing notice (client tags
alone) does not end an idle spell.

When a connection was last I{heard} from is another matter: anything it
sent, a ping's answer included.  The front-ends keep it for their
liveness checks, as each connection's C{lastHeard} (L{IParticipant}),
updated with every line or frame read; the core reads it from there
(L{Activity.lastHeard}): which connection of an account at its limit makes
room for a new one, and since when its private messages may not have been
read (L{chatd.core.joining}).
"""

from __future__ import annotations

from typing import NamedTuple

from chatd.core.calls import MaybeDeferred
from chatd.core.hooks import IChatObserver
from chatd.core.interfaces import IParticipant, connectionsOf


class Seen(NamedTuple):
    """
    A person's sign-on (Unix time) and how many whole seconds ago they
    last spoke (since signing on, if they have not), and the front-end and
    sign-on of each of their connections, oldest first: the console's
    C{whois} lists them on every node.
    """

    signedOn: int
    idle: int
    connections: tuple[tuple[str, int], ...] = ()


class Activity:
    """
    Sign-ons and last words of this process's connections.
    """

    def __init__(self) -> None:
        self._signedOn: dict[IParticipant, float] = {}
        self._spoke: dict[IParticipant, float] = {}

    def signedOn(self, connection: IParticipant, when: float) -> None:
        """
        C{connection} signed in, at C{when}.
        """
        self._signedOn[connection] = when

    def signedOnAt(self, connection: IParticipant) -> float | None:
        """
        When C{connection} signed in (C{None}: it did not, or closed).
        """
        return self._signedOn.get(connection)

    def spoke(self, connection: IParticipant, when: float) -> None:
        """
        C{connection} said something to people, at C{when}.
        """
        if connection in self._signedOn:
            self._spoke[connection] = when

    def lastHeard(self, connection: IParticipant) -> float:
        """
        When C{connection} last sent something (its C{lastHeard}); for one
        that keeps no such time, when it signed on (0 if it did not).
        """
        heard: float | None = getattr(connection, "lastHeard", None)
        return self._signedOn.get(connection, 0.0) if heard is None else heard

    def forget(self, connection: IParticipant) -> None:
        """
        C{connection} closed.
        """
        self._signedOn.pop(connection, None)
        self._spoke.pop(connection, None)

    def of(self, person: IParticipant, now: float) -> Seen | None:
        """
        What C{person} (a connection, or a person signed in from several)
        did here, as of C{now}; C{None} if no connection of theirs signed
        in here (another node's user, an always-on account with none).
        """
        connections = connectionsOf(person)
        signedOn = sorted(
            (
                (self._signedOn[each], each.protocolName)
                for each in connections
                if each in self._signedOn
            ),
            key=lambda pair: pair[0],
        )
        if not signedOn:
            return None
        first = signedOn[0][0]
        last = max(
            (self._spoke[each] for each in connections if each in self._spoke), default=first
        )
        opened = tuple((protocol, int(when)) for when, protocol in signedOn)
        return Seen(int(first), max(0, int(now - last)), opened)


def activityOf(
    activity: Activity, observer: IChatObserver | None, person: IParticipant, now: float
) -> MaybeDeferred[Seen | None]:
    """
    L{Activity.of} C{person}, or, for another process's user, what their
    process says (L{IChatObserver.activityOf}; C{None} if it cannot say).
    """
    seen = activity.of(person, now)
    if seen is not None or observer is None:
        return seen
    return observer.activityOf(person)
