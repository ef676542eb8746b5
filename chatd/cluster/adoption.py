# -*- test-case-name: tests.unit.cluster.test_cluster_adoption -*-
"""
What a node killed without a goodbye had not yet written to the shared
store, written by a node that received it.

With a shared database each node writes its own users' messages, in
batches (every C{--flush-interval}), after keeping each in its journal:
a node killed (C{kill -9}, a machine lost) takes the last of them with it
until it starts again on its data directory.  Those that reached another
node live (a room message for members there, a private message to a user
there) are kept here, per peer, a short while (L{WINDOW} seconds of the
peer's own clock, L{LIMIT} messages at most: one append per message).
When the peer is counted dead (not when it says goodbye), L{Adoption}
takes a Redis claim on its name (C{SET NX PX}), so that the surviving
nodes do this one after the other, then writes to the store those of them
the store lacks (by msgid), each with its own time and msgid, so history
has them once and in their place; the claim is given back once they are
written.  While the store is away the writing is tried again on the
service's clock (L{chatd.core.storeretry}) under the claim, renewed at
each try, until they are written or the peer is heard from again (it was
only stalled: it writes them itself).  The dead node, started again, finds
them stored when it replays its journal (by msgid).  Without a shared
store nothing is kept.
"""

from __future__ import annotations

from collections import deque
from typing import Any, TypeAlias

from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.logger import Logger

from chatd.cluster.address import RedisUnavailable
from chatd.cluster.presence import Presence
from chatd.cluster.presencescripts import RELEASE, RENEW
from chatd.core import errors
from chatd.core.ctcp import hasText
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.service import ChatService
from chatd.core.storeretry import LONGEST, Retries
from chatd.core.storing import storePrivate, storeRoomMessage

#: Seconds of a peer's messages kept, counted back from its latest (its
#: own clock): it writes every C{--flush-interval}, a fraction of that.
WINDOW = 10.0

#: A peer's room messages, and its private messages, kept at most.
LIMIT = 10_000

#: Milliseconds a node's claim on a dead node's messages lasts at most:
#: longer than writing them takes.
CLAIM = 60_000

#: Milliseconds the claim lasts from each try while the store is away:
#: beyond the next try (L{chatd.core.storeretry.LONGEST} apart at most).
HELD = CLAIM + int(LONGEST * 1000)

#: Seconds between two tries at a claim another node holds, and the tries.
RETRY = 1.0
TRIES = 90

#: A private message received live, with its sender's and recipient's
#: names as the sender's node stores them (their accounts').
Told: TypeAlias = tuple[PrivateMessage, str, str]


def _trim(kept: deque[Any], millis: int, of: Any) -> None:
    """
    Forget what C{kept} holds from before L{WINDOW} seconds before C{millis}.
    """
    oldest = millis - int(WINDOW * 1000)
    while kept and of(kept[0]).millis < oldest:
        kept.popleft()


class Adoption:
    """
    One node's record of the messages each peer sent it lately, and the
    writing of those a dead peer had not stored.
    """

    log = Logger()

    def __init__(self, service: ChatService, presence: Presence, shared: bool) -> None:
        self.service, self.presence, self.shared = service, presence, shared
        self._rooms: dict[str, deque[RoomMessage]] = {}
        self._privates: dict[str, deque[Told]] = {}
        #: Messages deleted lately, here or on another node: never written back.
        self._deleted: deque[str] = deque(maxlen=LIMIT)
        #: The dead nodes whose messages this node writes, waiting for the store.
        self._adopting: set[str] = set()
        self.retries = Retries(service.clock)

    def rooms(self, node: str) -> deque[RoomMessage] | None:
        """
        Where to append the room messages of a run from C{node} as they
        come (C{None}: not kept, without a shared store).
        """
        if not self.shared:
            return None
        kept = self._rooms.get(node)
        if kept is None:
            kept = self._rooms[node] = deque(maxlen=LIMIT)
        elif kept and kept[-1].millis - kept[0].millis > WINDOW * 1000:
            _trim(kept, kept[-1].millis, lambda event: event)
        return kept

    def told(
        self,
        node: str,
        event: PrivateMessage,
        sender: IParticipant | None,
        recipient: IParticipant | None,
    ) -> None:
        """
        C{node}'s user told C{event} to a user here (C{recipient}, if still
        here), from C{sender}, its stand-in here.
        """
        if not self.shared:
            return
        kept = self._privates.get(node)
        if kept is None:
            kept = self._privates[node] = deque(maxlen=LIMIT)
        _trim(kept, event.millis, lambda told: told[0])
        accounts = self.service.people.accounts
        sentAs = (sender is not None and accounts.name(sender)) or event.sender
        storedAs = (recipient is not None and accounts.name(recipient)) or event.recipient
        kept.append((event, sentAs, storedAs))

    def deleted(self, msgid: str) -> None:
        """
        The message C{msgid} was deleted (by its sender or a moderator, on
        any node): a dead node's copy of it is not written back.
        """
        if self.shared:
            self._deleted.append(msgid)

    def forget(self, node: str) -> None:
        """
        C{node} said goodbye: its store wrote what it held first.
        """
        self._rooms.pop(node, None)
        self._privates.pop(node, None)

    def back(self, node: str) -> None:
        """
        C{node}, counted dead, is heard from again (it was only stalled):
        it writes what it holds itself, so this node no longer waits for
        the store to write it.
        """
        if node in self._adopting:
            self._adopting.discard(node)
            self.retries.wake(node)

    def lost(self, node: str) -> Deferred[None] | None:
        """
        C{node} was counted dead: write what it sent here lately that the
        store lacks, under a claim on its name.
        """
        rooms, privates = self._rooms.pop(node, ()), self._privates.pop(node, ())
        persistence = self.service.persistence
        if persistence is None or not persistence.sharedStore:
            return None
        latest = max(rooms[-1].millis if rooms else 0, privates[-1][0].millis if privates else 0)
        since = latest - int(WINDOW * 1000)
        found: dict[str, RoomMessage | Told] = {}
        for event in rooms:  # as its node stores them: words, for the whole room
            if event.msgid and event.millis >= since and hasText(event) and not event.status:
                found[event.msgid] = event
        for told in privates:
            if told[0].msgid and told[0].millis >= since and hasText(told[0]):
                found[told[0].msgid] = told
        if not found:
            return None
        done = Deferred.fromCoroutine(self._adopt(node, found))
        why = "writing the messages node {node} had not stored"
        return done.addErrback(lambda f: self.log.failure(why, f, node=node))

    async def _adopt(self, node: str, found: dict[str, RoomMessage | Told]) -> None:
        name = f"{self.presence.namespace}:adopt:{node}"
        if not await self._claim(name):
            self.log.warn(
                "{count} messages received from node {node} lately were not checked against"
                " the shared store: no claim on them within {wait:g} s",
                count=len(found),
                node=node,
                wait=TRIES * RETRY,
            )
            return
        self._adopting.add(node)
        try:
            written = await self.retries.until(
                lambda: Deferred.fromCoroutine(self._try(name, found)),
                lambda: node in self._adopting,
                node,
                lambda error: self.log.warn(
                    "{count} messages received from node {node} lately could not be checked"
                    " against the shared store ({why}): tried again until it answers",
                    count=len(found),
                    node=node,
                    why=error,
                ),
            )
        except errors.StoreUnavailable:
            self.log.info(
                "node {node} is back: it writes the messages it sent here lately itself",
                node=node,
            )
            written = None
        finally:
            self._adopting.discard(node)
        release = self.presence.execute("EVAL", RELEASE, 1, name, self.presence.nodeId)
        release.addErrback(lambda _: None)  # it expires
        if written is not None:
            self.log.info(
                "node {node} was lost before it stored {count} of the {received} messages it"
                " sent here lately: written to the shared store from what this node received",
                node=node,
                count=written,
                received=len(found),
            )

    async def _try(self, name: str, found: dict[str, RoomMessage | Told]) -> int:
        """
        Write those of C{found} the store lacks, once more, with the claim
        C{name} renewed first to outlast the next try.
        """
        try:
            await self.presence.execute("EVAL", RENEW, 1, name, self.presence.nodeId, HELD)
        except RedisUnavailable:
            pass  # it may expire: a message stored already is skipped, never stored twice
        return await self._write(found)

    async def _claim(self, name: str) -> bool:
        """
        Take the claim C{name}, waiting for a node that holds it (or for
        Redis) L{TRIES} times L{RETRY} seconds at most; whether taken.
        """
        for _ in range(TRIES):
            try:
                if (
                    await self.presence.execute(
                        "SET", name, self.presence.nodeId, "NX", "PX", CLAIM
                    )
                    == "OK"
                ):
                    return True
            except RedisUnavailable:
                pass
            await deferLater(self.service.clock, RETRY, lambda: None)
        return False

    async def _write(self, found: dict[str, RoomMessage | Told]) -> int:
        """
        Write those of C{found} the store lacks, and not deleted since;
        how many.
        """
        persistence = self.service.persistence
        assert persistence is not None
        store = persistence.store
        deleted = set(self._deleted)
        left = [msgid for msgid in found if msgid not in deleted]
        stored = await store.storedMsgids(left) if left else set()
        missing = [found[msgid] for msgid in left if msgid not in stored]
        missing.sort(
            key=lambda each: each.millis if isinstance(each, RoomMessage) else each[0].millis
        )
        for each in missing:
            if isinstance(each, RoomMessage):
                storeRoomMessage(persistence, each)
            else:
                storePrivate(persistence, *each)
        await store.flush()
        return len(missing)
