# -*- test-case-name: tests.unit.cluster.test_cluster_takeover -*-
"""
Password logins that wait for a node that may have died
(L{chatd.core.hooks.IChatObserver.settleHolder}).

A node killed outright (C{kill -9}) says nothing: the others count it dead
only once its key expires (the TTL after its last heartbeat), and its users,
reconnecting to another node within a second, find their accounts still
held by its proxies.  A login that proves such an account's password is not
told "in use" until the holder's node shows it is alive I{after} the login
came: what it said or beat before proves nothing, since it may have been
killed a moment later (its user then comes back at once), and neither does
an envelope read meanwhile, which it may have sent before the login came.
So the login asks that node (L{ALIVE}), and waits until it shows it is
alive (it answers a question asked since the wait began, or its key holds
a later beat, by the node's own count, than when the wait began: it beat
again; the login is refused as ever, at once when it answers), is counted
dead (its users gone: the login goes on), or the TTL and two intervals
passed; one line logs each such wait and how it ended.  What is left of
the key's life, Redis's clock, decides nothing (L{chatd.cluster.beats}):
after a failover it can jump either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from chatd.cluster.beats import Beat
from chatd.cluster.presence import Presence
from chatd.cluster.queries import Queries

#: The question a login that waits asks the holder's node: a live node
#: answers it at once, which shows it alive since the question was asked.
ALIVE = "alive"


@dataclass(eq=False)
class Wait:
    """
    One login's wait for node C{node}, whose key showed the beat C{beat}
    (C{None}: it was gone) when it began, at C{started}.
    """

    done: Deferred[None]
    node: str
    nick: str
    started: float
    beat: Beat | None = None
    timer: IDelayedCall | None = field(default=None, repr=False)


class Suspects:
    """
    The logins waiting, per node, for a node to settle.
    """

    log = Logger()

    def __init__(self, presence: Presence, queries: Queries) -> None:
        self.presence = presence
        self.queries = queries
        self.clock = presence.clock
        self._waits: dict[str, list[Wait]] = {}
        self._polls: dict[str, IDelayedCall] = {}
        queries.answerers[ALIVE] = lambda fields: {}  # the answer is the news

    @property
    def bound(self) -> float:
        """
        Seconds a login waits at most: the TTL, and time to see the key gone.
        """
        return self.presence.ttl + 2 * self.presence.interval

    def settle(self, node: str, nick: str) -> Deferred[None]:
        """
        Fires once C{node} shows it is alive (it answers L{ALIVE}, asked
        once its last beat is known, or beats again) or counted dead
        (L{lost}), or after L{bound} seconds; at once when it is not a
        peer (gone already).
        """
        if self.presence.quietFor(node) is None:
            return succeed(None)
        wait = Wait(Deferred(lambda _: self._end(wait, None)), node, nick, self.clock.seconds())
        asked = self.presence.lastBeat(node)
        asked.addCallbacks(self._began, lambda _: self._end(wait, None), (wait,))
        return wait.done

    def _began(self, beat: Beat | None, wait: Wait) -> None:
        if wait.done.called:  # cancelled meanwhile
            return
        wait.beat = beat
        self._waits.setdefault(wait.node, []).append(wait)
        left = self.bound - (self.clock.seconds() - wait.started)
        wait.timer = self.clock.callLater(left, self._end, wait, "not counted dead in time")
        if wait.node not in self._polls:
            self._poll(wait.node)
        asked = self.clock.seconds()
        self.queries.ask(wait.node, ALIVE).addCallback(self._answered, wait.node, asked)

    def _answered(self, answer: object, node: str, asked: float) -> None:
        """
        C{node} answered a question asked at C{asked} (C{None}: it did not):
        alive since every wait begun by then began.
        """
        if answer is None:
            return
        for wait in list(self._waits.get(node, ())):
            if wait.started <= asked:
                self._end(wait, "heard from again")

    def _poll(self, node: str) -> None:
        """
        Look at C{node}'s key every interval while logins wait for it: a
        node that beats again (it was only stalled) is alive.  Only a later
        beat than the key showed when a wait began, by the count the node
        writes itself, is a beat since: not a reply that took long, nor a
        key whose life jumped with a failover to a Redis with another clock.
        """
        self._polls.pop(node, None)
        if not self._waits.get(node):
            return

        def looked(beat: Beat | None) -> None:
            if beat is None:
                return
            for wait in list(self._waits.get(node, ())):
                if beat.since(wait.beat):
                    self._end(wait, "heard from again")  # it beat since: alive

        self.presence.lastBeat(node).addCallbacks(looked, lambda _: None)
        if self._waits.get(node):
            self._polls[node] = self.clock.callLater(self.presence.interval, self._poll, node)

    def lost(self, node: str) -> None:
        """
        C{node} was counted dead, or said goodbye: its users are gone.
        """
        if node in self._waits:
            self.endAll(node, "counted dead")

    def endAll(self, node: str, how: str) -> None:
        for wait in list(self._waits.get(node, ())):
            self._end(wait, how)

    def _end(self, wait: Wait, how: str | None) -> None:
        """
        End C{wait}: C{how} it ended is logged (C{None}: not a wait after
        all, or the login stopped waiting).
        """
        waiting = self._waits.get(wait.node, [])
        if wait in waiting:
            waiting.remove(wait)
        if not waiting:
            self._waits.pop(wait.node, None)
            if (poll := self._polls.pop(wait.node, None)) is not None:
                poll.cancel()
        if wait.timer is not None and wait.timer.active():
            wait.timer.cancel()
        if how is not None:
            beat = wait.beat
            since = "its key gone" if beat is None else f"its last beat {beat.age:.1f} s old"
            self.log.info(
                "a login to {nick} waited {waited:.1f} s for node {node} ({since}): {how}",
                nick=wait.nick,
                waited=self.clock.seconds() - wait.started,
                node=wait.node,
                since=since,
                how=how,
            )
        if not wait.done.called:
            wait.done.callback(None)
