# -*- test-case-name: tests.unit.cluster.test_cluster_resend -*-
"""
The client ids of the whole cluster (L{chatd.core.clientids}), in Redis:
a web page whose node died resends its message through another node, and
that node answers it as a repeat instead of saying it again.

One key per accepted id, C{<namespace>:cid:<person>:<cid>}.  A node claims
an id before it sends the message (L{CLAIM}: the key's value if there is
one, else set to C{?<node>} for L{PENDING} seconds, in one step), and
records the answer before its sender is answered (C{SET ... PX}
L{KEEP_SECONDS}): the message's room or recipient, sender, lines, time,
msgid and milliseconds as the bus carries them (L{chatd.cluster.messages}),
and whether it waits for its recipient.  A refused message's claim is
given back (compare-and-delete).  A node that finds another's claim waits
for it to be recorded or given back, asking every L{POLL} seconds; a claim
whose node died expires after L{PENDING} seconds, and the message may then
be sent again.

While Redis is away, each node's memory decides
(L{chatd.core.clientids}), and the answers it could not record are kept
(as long as an id is, L{KEEP_SECONDS}; the latest L{UNRECORDED_LIMIT}):
they are recorded once Redis is back (L{SharedClientIds.linkUp}), before
the node sends what waited, so a page that resends through another node
then is answered as a repeat.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import deferLater
from twisted.python.failure import Failure
from zope.interface import implementer

from chatd.cluster.envelopes import dumps, loadsOrNone
from chatd.cluster.messages import sayEntry, sayEvent, tellEvent, tellFields
from chatd.cluster.presence import CLAIM_TIMEOUT, Presence
from chatd.cluster.presencescripts import RELEASE
from chatd.core.clientids import KEEP_SECONDS
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.hooks import ISharedClientIds
from chatd.core.inbox import Kept

#: Seconds a claim lasts unless its answer is recorded: longer than a
#: message takes to be sent (a private message waits 2 s for Redis at
#: most), short enough that a node's death mid-way holds nobody up long.
PENDING = 10.0

#: Seconds between two looks at another node's claim.
POLL = 0.1

#: Answers a node keeps to record once Redis is back, the latest (each
#: about the size of its message).
UNRECORDED_LIMIT = 5000

#: The key's value (KEYS[1]), or, if it has none, set to ARGV[1] for
#: ARGV[2] ms and nothing returned.
CLAIM = """
local value = redis.call('GET', KEYS[1])
if value then
  return value
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""


def encodeAnswer(answer: object) -> str | None:
    """
    The text that stands for C{answer} in Redis (C{None}: not one a
    message with a client id gets).
    """
    if isinstance(answer, RoomMessage):
        return dumps({"r": answer.room, "e": sayEntry(answer)})
    if isinstance(answer, Kept) and answer.event is not None:
        return dumps({"p": tellFields(answer.event), "k": 1})
    if isinstance(answer, PrivateMessage):
        return dumps({"p": tellFields(answer)})
    return None


def decodeAnswer(text: str) -> object | None:
    """
    The answer L{encodeAnswer} wrote as C{text} (C{None}: unreadable).
    """
    fields = loadsOrNone(text)
    if not isinstance(fields, dict):
        return None
    try:
        if "r" in fields:
            return sayEvent(fields["r"], fields["e"])
        event = tellEvent(fields["p"], fields["p"]["to"])
    except (KeyError, TypeError, ValueError):
        return None
    return Kept(event.recipient, event) if fields.get("k") else event


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@implementer(ISharedClientIds)
class SharedClientIds:
    """
    The cluster's client ids, through C{presence}'s Redis link, under its
    namespace.
    """

    def __init__(self, presence: Presence, unrecordedLimit: int = UNRECORDED_LIMIT) -> None:
        self.execute = presence.execute
        self.clock = presence.clock
        self.prefix = f"{presence.namespace}:cid:"
        self.token = f"?{presence.nodeId}"
        self.unrecordedLimit = unrecordedLimit
        #: Key -> (answer's text, when it expires), oldest first: not recorded yet.
        self.unrecorded: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def keyOf(self, person: str, cid: str) -> str:
        return f"{self.prefix}{person}:{cid}"

    def claim(self, person: str, cid: str) -> Deferred[object | None]:
        name = self.keyOf(person, cid)
        asked = self.execute("EVAL", CLAIM, 1, name, self.token, int(PENDING * 1000))
        asked.addTimeout(CLAIM_TIMEOUT, self.clock)
        return asked.addCallback(self._found, lambda: self.claim(person, cid))

    def answerOf(self, person: str, cid: str) -> Deferred[object | None]:
        asked = self.execute("GET", self.keyOf(person, cid))
        asked.addTimeout(CLAIM_TIMEOUT, self.clock)
        return asked.addCallback(self._found, lambda: self.answerOf(person, cid))

    def _found(
        self, value: object, again: Callable[[], Deferred[object | None]]
    ) -> object | None | Deferred[object | None]:
        """
        What the key's C{value} says: nothing (C{None}), the answer, or
        another node's claim (then asked C{again} in a moment).
        """
        if value is None:
            return None
        text = _text(value)
        if text.startswith("?"):
            return deferLater(self.clock, POLL, again)
        return decodeAnswer(text)

    def record(self, person: str, cid: str, answer: object) -> Deferred[None]:
        text = encodeAnswer(answer)
        name = self.keyOf(person, cid)
        if text is None:  # nothing to answer a repeat with: not kept
            self.release(person, cid)
            return succeed(None)
        return self._write(name, text, self.clock.seconds() + KEEP_SECONDS)

    def _write(self, name: str, text: str, expires: float) -> Deferred[None]:
        """
        Record C{text} under C{name} until C{expires}; if Redis does not
        take it, keep it for L{linkUp}.
        """
        keep = max(1, int((expires - self.clock.seconds()) * 1000))
        done = self.execute("SET", name, text, "PX", keep).addTimeout(CLAIM_TIMEOUT, self.clock)
        return done.addCallbacks(lambda _: None, self._unwritten, errbackArgs=(name, text, expires))

    def _unwritten(self, failure: Failure, name: str, text: str, expires: float) -> Failure:
        self.unrecorded[name] = (text, expires)
        self.unrecorded.move_to_end(name)
        while len(self.unrecorded) > self.unrecordedLimit:
            self.unrecorded.popitem(last=False)
        return failure

    def linkUp(self) -> None:
        """
        Redis is back: record the answers it could not take meanwhile (but
        those kept too long, whose ids are forgotten by now).
        """
        unrecorded, self.unrecorded = self.unrecorded, OrderedDict()
        now = self.clock.seconds()
        for name, (text, expires) in unrecorded.items():
            if expires > now:
                self._write(name, text, expires).addErrback(lambda _: None)  # kept again

    def release(self, person: str, cid: str) -> None:
        given = self.execute("EVAL", RELEASE, 1, self.keyOf(person, cid), self.token)
        given.addErrback(lambda _: None)  # else it expires
