# -*- test-case-name: tests.unit.core.test_clientids,tests.unit.web.test_web_resend,tests.unit.cluster.test_cluster_resend -*-  # noqa: E501
"""
Client ids: a message sent again is said once.

A client that lost its connection before the answer to a message came
cannot tell whether the message got through.  So it names each message it
sends with a random id of its own (the web page's C{cid}), the same on every
resend of that message.  The ids accepted for a person are kept a while
(L{KEEP_SECONDS}, at most L{KEEP_IDS} of them): a message whose id was
accepted already is not said again but answered as the first was (the same
message, its C{msgid}), whichever connection of the person brings it and in
whichever order the two arrive.  A person is their account, on any of its
connections; a guest, their nickname (a guest's new connection comes back
under it, and nobody else knows the random ids).  A message refused (an
error) is not accepted: sent again with the same id, it is tried again.

In a cluster the ids are the cluster's (L{ISharedClientIds}): a message is
said only once its id is claimed there, and answered only once its answer
is recorded there, so a resend through another process is answered as a
repeat too, even if the first one's process died since.  While the cluster
cannot tell (Redis is away), this process's memory decides alone: a user
would rather have their message said than refused, and only a resend
through another process during the outage can then be said twice (the
cluster records what was accepted meanwhile once it can).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.hooks import ISharedClientIds
from chatd.core.interfaces import IParticipant
from chatd.core.names import key

if TYPE_CHECKING:
    from chatd.core.people import People

#: How long an accepted id is remembered, in seconds.
KEEP_SECONDS = 600
#: How many accepted ids are remembered per person (the latest).
KEEP_IDS = 200

_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")

T = TypeVar("T")


def checkClientId(cid: str) -> None:
    """
    @raise InvalidArgument: C{cid} is not 16 to 64 letters, digits, C{-} or
        C{_} (a random id, as base64url writes it).
    """
    if not _FORM.match(cid):
        raise errors.InvalidArgument("a client id is 16 to 64 letters, digits, '-' or '_'")


class Said(NamedTuple):
    """
    What became of one message with a client id: the C{answer} its sender
    gets, and whether it is a C{repeat} (the first one's answer).
    """

    answer: Any
    repeat: bool


def personName(person: tuple[str, str]) -> str:
    """
    How the cluster names a person's ids: C{a:<account key>} or
    C{g:<nickname key>}.
    """
    kind, name = person
    return f"{kind[0]}:{name}"


class _Accepted:
    """
    The answer to the first message with one client id: C{result} once
    known (C{waiting}: the repeats asked meanwhile); C{later}: it came
    through a L{Deferred}, as every repeat's answer does then.
    """

    __slots__ = ("expires", "later", "known", "result", "waiting")

    def __init__(self, expires: float, later: bool) -> None:
        self.expires = expires
        self.later = later
        self.known = False
        self.result: Any = None
        self.waiting: list[Deferred[Any]] = []

    def answer(self) -> Any:
        if not self.known:
            waiting: Deferred[Any] = Deferred()
            self.waiting.append(waiting)
            return waiting
        return succeed(self.result) if self.later else self.result

    def settle(self, result: Any) -> Any:
        self.known, self.result = True, result
        waiting, self.waiting = self.waiting, []
        for each in waiting:
            each.callback(result)
        return result


class ClientIds:
    """
    The client ids accepted lately, per person (see the module's docstring).
    """

    def __init__(
        self, clock: IReactorTime, people: People, requireLogin: Callable[[IParticipant], str]
    ) -> None:
        self.clock = clock
        self.people = people
        self.requireLogin = requireLogin
        #: The cluster's ids, if any (L{shareThrough}).
        self.shared: ISharedClientIds | None = None
        #: Per person, their ids oldest first; people by their latest id, oldest first.
        self._accepted: OrderedDict[tuple[str, str], OrderedDict[str, _Accepted]] = OrderedDict()

    def personOf(self, participant: IParticipant) -> tuple[str, str]:
        """
        Whose ids C{participant}'s are: their account's, else (a guest) their
        nickname's.

        @raise NotLoggedIn: C{participant} is not logged in.
        """
        nick = self.requireLogin(participant)
        account = self.people.accounts.key(participant)
        return ("account", account) if account is not None else ("guest", key(nick))

    def shareThrough(self, shared: ISharedClientIds) -> None:
        """
        Ask C{shared} (the cluster's ids) from now on, besides this
        process's memory.
        """
        self.shared = shared

    def attempt(
        self, participant: IParticipant, cid: str, send: Callable[[], object]
    ) -> Said | Deferred[Said]:
        """
        C{send()}'s answer, sending only if C{cid} was not accepted for
        C{participant}'s person lately; else the first one's answer, as a
        repeat (a L{Deferred} of it when the first one's was, or when the
        cluster is asked).  An error C{send} raises, or its L{Deferred}
        fails with, leaves C{cid} not accepted (a repeat waiting for it
        gets the same error).

        @raise InvalidArgument: C{cid} is not a client id (L{checkClientId}).
        """
        checkClientId(cid)
        person = self.personOf(participant)
        known = self.accepted(participant, cid)
        if known is not None:
            answer = known.answer()
            if isinstance(answer, Deferred):
                return answer.addCallback(Said, True)
            return Said(answer, True)
        if self.shared is not None:
            return self._attemptShared(person, cid, send, self.shared)
        result = send()
        entry = self._remember(person, cid, isinstance(result, Deferred))
        if not isinstance(result, Deferred):
            return Said(entry.settle(result), False)
        said: Deferred[Said] = result.addCallbacks(
            entry.settle, self._failed, errbackArgs=(person, cid, entry)
        )
        return said.addCallback(Said, False)

    def _attemptShared(
        self,
        person: tuple[str, str],
        cid: str,
        send: Callable[[], object],
        shared: ISharedClientIds,
    ) -> Deferred[Said]:
        """
        L{attempt} in a cluster: claim C{cid} there first (a repeat waits
        here meanwhile), send only once claimed, and answer only once the
        answer is recorded there.
        """
        entry = self._remember(person, cid, True)
        name = personName(person)

        def decided(first: object | None) -> Deferred[Said] | Said:
            if first is not None:
                return Said(entry.settle(first), True)
            sending = maybeDeferred(send)
            sending.addErrback(self._released, shared, name, cid)
            return sending.addCallback(recorded).addCallback(Said, False)

        def recorded(result: object) -> Deferred[object]:
            done = shared.record(name, cid, result).addErrback(lambda _: None)
            return done.addCallback(lambda _: entry.settle(result))

        claimed = shared.claim(name, cid).addErrback(lambda _: None)  # this memory decides
        return claimed.addCallback(decided).addErrback(self._failed, person, cid, entry)

    def _released(self, failure: Failure, shared: ISharedClientIds, name: str, cid: str) -> Failure:
        """The message was refused here: the cluster's claim on C{cid} is given back."""
        shared.release(name, cid)
        return failure

    def _remember(self, person: tuple[str, str], cid: str, later: bool) -> _Accepted:
        """
        Keep C{cid} as accepted for C{person} (its answer to come), the
        person's latest L{KEEP_IDS} only.
        """
        entry = _Accepted(self.clock.seconds() + KEEP_SECONDS, later)
        ids = self._accepted.setdefault(person, OrderedDict())
        ids[cid] = entry
        self._accepted.move_to_end(person)
        while len(ids) > KEEP_IDS:
            ids.popitem(last=False)
        return entry

    def _failed(
        self, failure: Failure, person: tuple[str, str], cid: str, entry: _Accepted
    ) -> Failure:
        """
        The message with C{cid} was refused: not accepted, and the repeats
        waiting for it get the same error.
        """
        ids = self._accepted.get(person, OrderedDict())
        if ids.get(cid) is entry:
            del ids[cid]
        waiting, entry.waiting = entry.waiting, []
        for each in waiting:
            each.errback(failure)
        return failure

    def accepted(self, participant: IParticipant, cid: str) -> _Accepted | None:
        """
        What became of the message with client id C{cid} from
        C{participant}'s person: C{None} if it was not accepted lately.
        """
        person = self.personOf(participant)
        self._forgetExpired(person)
        ids = self._accepted.get(person)
        return None if ids is None else ids.get(cid)

    def answerOf(self, participant: IParticipant, cid: str) -> Any:
        """
        The answer to the message with client id C{cid} (a L{Deferred} of
        it, while it is not known yet or the cluster is asked), or C{None}
        if it was not accepted lately.

        @raise InvalidArgument: C{cid} is not a client id.
        """
        checkClientId(cid)
        known = self.accepted(participant, cid)
        if known is not None:
            return known.answer()
        if self.shared is None:
            return None
        name = personName(self.personOf(participant))
        return maybeDeferred(self.shared.answerOf, name, cid).addErrback(lambda _: None)

    def _forgetExpired(self, person: tuple[str, str]) -> None:
        """
        Forget the ids kept too long: the people whose latest id is that
        old (the first ones), and C{person}'s oldest ones.
        """
        now = self.clock.seconds()
        while self._accepted:
            first, ids = next(iter(self._accepted.items()))
            if ids and next(reversed(ids.values())).expires > now:
                break
            del self._accepted[first]
        ids = self._accepted.get(person, OrderedDict())
        while ids and next(iter(ids.values())).expires <= now:
            ids.popitem(last=False)
