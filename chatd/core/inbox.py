# -*- test-case-name: tests.unit.core.test_inbox,tests.unit.test_inbox_outage,tests.unit.cluster.test_cluster_receipts,tests.unit.cluster.test_cluster_accountlogins -*-  # noqa: E501
"""
Private messages kept for registered users who are away: how many may wait,
and how they are handed over at the next login.

Every front-end cuts a reader off when more than C{--max-output} bytes wait
for it.  A whole inbox written at login can be more than that by itself, and
it used to be marked delivered at once: the connection was cut and every
message lost.  L{Inbox.deliver} sends it in pages of at most C{pageBytes},
the next page only once the connection has taken the previous one
(L{chatd.core.interfaces.IParticipant.whenDrained}), and marks each page
delivered only then; what a closed connection did not take waits for the
next login.  A page whose mark fails (the store away) is marked again,
and the rest read and handed over, once the store is back, while the
connection stays (L{chatd.core.storeretry}); none is handed twice to one
connection.  L{Inbox.keep} refuses a message (L{errors.InboxFull}) once
C{maxWaiting} wait for that recipient, so a flooder cannot fill the disk,
or once C{maxPerSender} from the same sender wait for them, so one sender
(a guest too) cannot fill their inbox and shut everyone else out.  Both
counts are read from the store (L{chatd.core.waitcounts}).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.absent import Absent
from chatd.core.calls import whenFired
from chatd.core.delivery import connectionsOf
from chatd.core.events import PrivateMessage
from chatd.core.interfaces import IParticipant
from chatd.core.limits import PAGE_BYTES
from chatd.core.liveorder import LiveHold
from chatd.core.names import key
from chatd.core.pacing import LINE_OVERHEAD, pages, wireSize
from chatd.core.storeretry import Retries
from chatd.core.waitcounts import InboxCounts
from chatd.storage.interfaces import IChatStore

__all__ = ["FETCH", "LINE_OVERHEAD", "Inbox", "Kept", "wireSize"]

log = Logger()
_T = TypeVar("_T")

#: Waiting messages read from the store at once (each read is a query).
FETCH = 50

#: Messages remembered as handed live (L{Inbox.handedLive}) at most.
HANDED_LIMIT = 10_000


class Kept:
    """
    What L{chatd.core.messages.Messages.tell} answers for a private message
    kept for C{recipient}, a registered user with no connection open (not
    logged in, or always on and away): it waits for their next login.
    Every front-end tells the sender so, in its own form, with L{reason};
    C{event} is the message as it was kept (its C{msgid} and time), which
    the sender's own echo shows.
    """

    __slots__ = ("recipient", "event")

    #: Why the recipient does not read it now, as every front-end words it.
    reason = "they will get it when they log in"

    def __init__(self, recipient: str, event: PrivateMessage | None = None) -> None:
        self.recipient, self.event = recipient, event

    def __repr__(self) -> str:
        return f"<Kept for {self.recipient!r}>"


class Inbox:
    """
    The waiting private messages of a service with a store.

    @ivar pageBytes: bytes of messages (L{wireSize}) in one page; a page
        holds at least one message.
    @ivar find: the logged-in participant with a nickname, or C{None}: the
        service's C{find}.
    @ivar shared: whether other processes add messages to the store too
        (then counts are read from the store for each message, not kept).
    @ivar retries: the reads and marks of deliveries waiting for the store
        to come back, on the service's clock.
    """

    def __init__(
        self,
        store: IChatStore,
        find: Callable[[str], IParticipant | None],
        shared: Callable[[], bool],
        clock: IReactorTime,
    ) -> None:
        self.store = store
        self.find = find
        self.shared = shared
        self.retries = Retries(clock)
        self.pageBytes = PAGE_BYTES
        #: Live private messages held behind a login's delivery.
        self.live = LiveHold(clock)
        self.counts = InboxCounts(store.waitingCount, store.waitingFrom, lambda: self.shared())
        self._delivering: dict[str, Deferred[None]] = {}
        self._handed: dict[str, None] = {}
        #: Kept, and not yet queued for the store (by recipient's key).
        self._keeping: dict[Deferred[None], str] = {}
        self._marking: set[Deferred[None]] = set()  # handed over, and not yet marked delivered

    @property
    def maxWaiting(self) -> int | None:
        """
        Messages that may wait for one recipient (C{None}: no limit).
        """
        return self.counts.totals.limit

    @maxWaiting.setter
    def maxWaiting(self, limit: int | None) -> None:
        self.counts.totals.limit = limit

    @property
    def maxPerSender(self) -> int | None:
        """
        Messages from one sender that may wait for one recipient (C{None}:
        no share but the whole inbox).
        """
        return self.counts.shares.limit

    @maxPerSender.setter
    def maxPerSender(self, limit: int | None) -> None:
        self.counts.shares.limit = limit

    # Keeping

    def keep(
        self,
        sender: str,
        recipient: str,
        lines: tuple[str, ...],
        when: int,
        msgid: str = "",
        millis: int = 0,
        senderRegistered: bool = False,
        notice: bool = False,
        stored: bool = False,
        userhost: str = "",
    ) -> Deferred[None]:
        """
        Store a private message (with its C{msgid}) for C{recipient},
        registered and away; one C{stored} already as sent (its recipient's
        node went away before handling it) is made to wait instead, so that
        history and search hold it once.

        @raise InboxFull: (as a failed L{Deferred}) C{maxWaiting} messages
            wait for C{recipient} already, or C{maxPerSender} from
            C{sender}.
        """

        async def kept() -> None:
            giveBack = await self._admit(recipient, sender)
            try:
                if stored and msgid and await self.store.keepWaiting(msgid):
                    return
                self.store.addMessage(  # queued: the writer stores it
                    None,
                    sender,
                    recipient,
                    lines,
                    when,
                    pending=True,
                    msgid=msgid,
                    millis=millis,
                    accounts=(senderRegistered, True),
                    notice=notice,
                    userhost=userhost,
                )
            except BaseException:  # refused (its journal's disk full): it takes no place
                giveBack()
                raise
            if msgid and self.shared():
                # The sender's node may have stored it as sent first (a
                # message is stored once, so this copy is then skipped):
                # whichever copy is stored, it waits.
                await self.store.flush()
                await self.store.keepWaiting(msgid)

        keeping = Deferred.fromCoroutine(kept())
        if not keeping.called:  # waits for the count: track it until queued
            self._keeping[keeping] = key(recipient)
            whenFired(keeping).addCallback(lambda _: self._keeping.pop(keeping, None))
        return keeping

    def whenKept(self, recipient: str | None = None) -> Deferred[None]:
        """
        Fires once every message being kept now (for C{recipient}, if
        given) is queued for the store (a keep first reads how many wait,
        from a shared store; with one, it is written, and made to wait,
        before it fires): another node that asks this one to write what it
        queued, because someone just logged in there, then finds them, and
        so does the welcome of C{recipient}, who just logged in here while
        a message to them was being kept (their node of a cluster was
        counted dead a moment ago, with messages it never handled).
        """
        wanted = None if recipient is None else key(recipient)
        keeping = [
            whenFired(each)
            for each, whose in list(self._keeping.items())
            if wanted is None or whose == wanted
        ]
        return DeferredList(keeping).addCallback(lambda _: None)

    def whenMarked(self) -> Deferred[None]:
        """
        Fires once every page handed over so far is marked delivered in the
        store (or its mark failed, and its connection closed meanwhile):
        another node of a cluster that asks this one to write what it
        holds, because someone just signed in there, reads what waits for
        them only then, so a page their last connection here took is not
        handed to them again.
        """
        marking = [whenFired(each) for each in self._marking]
        self.retries.wake()  # a mark waiting for the store ends if its connection closed
        return DeferredList(marking).addCallback(lambda _: None)

    def _admit(self, recipient: str, sender: str) -> Deferred[Callable[[], None]]:
        """
        Count one more message from C{sender} for C{recipient}, or refuse it
        (L{InboxCounts.admit}), once the recipient's last page being handed
        over, if any, is marked delivered.  Gives what uncounts it.
        """
        after = self._delivering.get(key(recipient))
        self.retries.wake(key(recipient))  # away: their delivery waits for the store no more
        return Deferred.fromCoroutine(self.counts.admit(recipient, sender, after))

    # Delivering

    def handedLive(self, event: PrivateMessage) -> None:
        """
        C{event} reached its recipient live here.  Another process of a
        cluster may have kept it for later all the same (it counted this
        one gone before it heard that it was handled): then it is marked
        delivered when the inbox is read, not handed twice.
        """
        if event.msgid:
            self._handed[event.msgid] = None
            if len(self._handed) > HANDED_LIMIT:
                del self._handed[next(iter(self._handed))]

    def deliverConnected(self, people: Iterable[IParticipant]) -> Deferred[None]:
        """
        Hand C{people}, registered and connected, what waits for them now,
        as at a login, each on its first open connection: others kept it
        while they could not reach this process (a cluster node counted
        dead), though they never left.
        """
        deliveries = []
        for person in people:
            nick = person.nick
            present = [c for c in connectionsOf(person) if not isinstance(c, Absent)]
            if nick is not None and present:
                delivery = self.deliver(present[0], nick)
                deliveries.append(delivery.addErrback(_failed, nick))
        return DeferredList(deliveries).addCallback(lambda _: None)

    def deliver(
        self,
        participant: IParticipant,
        nick: str,
        shown: str | None = None,
        ready: Deferred[None] | None = None,
    ) -> Deferred[None]:
        """
        Hand C{participant}, just logged in as C{nick} (under the name
        C{shown}, if another: the nickname it asked for), the messages that
        waited for them, page by page; fires when done or when they left.
        A delivery to the same name still under way (a previous connection)
        finishes first, so no message is handed twice; so does this one,
        waiting for C{ready} (what other processes keep for them written)
        before it reads, for a delivery to the same name asked meanwhile.
        """
        nickKey = key(nick)
        previous = self._delivering.get(nickKey)
        self.retries.wake(nickKey)  # a previous connection's, waiting for the store, ends
        delivering = self._deliver(participant, nick, previous, shown or nick, ready)
        d = Deferred.fromCoroutine(delivering)
        self._delivering[nickKey] = d
        settled = whenFired(d)
        settled.addCallback(self._delivered, nickKey, d)
        return d

    async def handOver(
        self, participant: IParticipant, nick: str, messages: list[PrivateMessage]
    ) -> None:
        """
        Hand C{participant}, logged in as C{nick}, C{messages} from the
        store as the ones that waited are (shown as such, page by page),
        without marking anything delivered: what its person's silent
        connections may have swallowed (L{chatd.core.unheard}).
        """
        for page in pages(messages, self.pageBytes):
            if participant not in connectionsOf(self.find(nick)):
                return  # gone or renamed
            for message in page:
                message.waited = True
                participant.privateMessage(message)
            if not await participant.whenDrained():
                return

    def _stored(
        self, step: Callable[[], Deferred[_T]], participant: IParticipant, nick: str
    ) -> Deferred[_T]:
        """
        C{step()}, run again while the store is away and C{participant} is
        still connected as C{nick}.
        """
        present = lambda: participant in connectionsOf(self.find(nick))  # noqa: E731
        return Deferred.fromCoroutine(self.retries.until(step, present, key(nick)))

    def _mark(self, ids: list[int], participant: IParticipant, nick: str) -> Deferred[None]:
        """
        Mark the messages C{ids}, handed over to C{participant}, delivered;
        again while the store is away and they stay (L{whenMarked} waits).
        """
        marking = self._stored(lambda: self.store.markDelivered(ids), participant, nick)
        self._marking.add(marking)
        whenFired(marking).addCallback(lambda _: self._marking.discard(marking))
        return marking

    def _delivered(self, ignored: None, nickKey: str, d: Deferred[None]) -> None:
        if self._delivering.get(nickKey) is d:
            del self._delivering[nickKey]

    async def _deliver(
        self,
        participant: IParticipant,
        nick: str,
        previous: Deferred[None] | None,
        shown: str,
        ready: Deferred[None] | None = None,
    ) -> None:
        if previous is not None:
            await whenFired(previous)
        if ready is not None:
            await whenFired(ready)
        while True:
            # A page handed out is marked delivered before the next is read:
            # none is handed twice to one connection.
            fetched = await self._stored(
                lambda: self.store.undelivered(nick, FETCH), participant, nick
            )
            complete = len(fetched) < FETCH
            for page in pages(fetched, self.pageBytes, _size):
                if participant not in connectionsOf(self.find(shown)):
                    return  # gone or renamed: the rest waits for next time
                for _, message in page:
                    if message.msgid in self._handed:  # handed live already: only marked
                        del self._handed[message.msgid]
                        continue
                    message.waited = True
                    participant.privateMessage(message)
                if not await participant.whenDrained():
                    return  # closed: what it did not take waits for next time
                ids = [id for id, _ in page]
                self.counts.forget(nick)  # a sender now waits for the count to be read again
                await self._mark(ids, participant, nick)
                self.counts.forget(nick)  # and a count read meanwhile is not kept
            if complete:
                return


def _failed(failure: Failure, nick: str) -> None:
    log.failure("delivering {nick}'s waiting messages failed", failure, nick=nick)


def _size(item: tuple[int, PrivateMessage]) -> int:
    return wireSize(item[1])
