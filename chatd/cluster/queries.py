# -*- test-case-name: tests.unit.cluster.test_cluster_activity -*-
"""
Asking another node what only it knows of one of its users, when someone
here wants it, rather than replicating it: a user's idle time changes with
every message they send, and only a C{WHOIS} shows it.

A question (C{ask}: C{i} its number, C{what} is asked, C{u} the user) goes
to the user's node, whose answer (C{answer}: C{i} and the fields) comes back
through this node's inbox.  A question unanswered within L{WAIT} (the node
stalled or died, Redis is away) is answered C{None}, as is one asked while
Redis is away: the asker shows what it has without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall

from chatd.cluster.bus import Bus

#: Seconds a question waits for its answer at most.
WAIT = 2.0

#: The answer to a question, as fields; C{None}: none came, or the node
#: did not know.
Answer = dict[str, Any] | None


class Queries:
    """
    Questions to other nodes, and answers to theirs, by C{answerers}: what
    is asked (C{what}) -> a function of the question's fields that gives the
    answer's (C{None}: nothing to tell).
    """

    def __init__(
        self,
        bus: Bus,
        answerers: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]],
        wait: float = WAIT,
    ) -> None:
        self.bus = bus
        self.answerers = answerers
        self.wait = wait
        self._asked: dict[int, tuple[str, Deferred[Answer], IDelayedCall]] = {}
        self._last = 0
        bus.on("ask", self._question)
        bus.on("answer", self._answer)

    def ask(self, node: str, question: str, **fields: Any) -> Deferred[Answer]:
        """
        Ask C{node} C{question} about C{fields}: fires with its answer's
        fields, or C{None}.
        """
        if not self.bus.up:
            return succeed(None)
        self._last += 1
        number = self._last
        answered: Deferred[Answer] = Deferred()
        timer = self.bus.clock.callLater(self.wait, self._settle, number, None)
        self._asked[number] = (node, answered, timer)
        self.bus.publishTo(node, "ask", i=number, what=question, **fields)
        return answered

    def forget(self, node: str) -> None:
        """
        C{node} is gone: what it was asked is answered C{None}.
        """
        for number, (asked, _, _) in list(self._asked.items()):
            if asked == node:
                self._settle(number, None)

    def _question(self, node: str, fields: dict[str, Any]) -> None:
        answerer = self.answerers.get(fields.get("what", ""))
        answer = None if answerer is None else answerer(fields)
        self.bus.publishTo(node, "answer", i=fields["i"], a=answer)

    def _answer(self, node: str, fields: dict[str, Any]) -> None:
        number = fields.get("i")
        if number in self._asked and self._asked[number][0] == node:
            self._settle(number, fields.get("a"))

    def _settle(self, number: int, answer: Answer) -> None:
        asked = self._asked.pop(number, None)
        if asked is None:
            return
        _, answered, timer = asked
        if timer.active():
            timer.cancel()
        answered.callback(answer)
