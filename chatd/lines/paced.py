# -*- test-case-name: tests.unit.lines.test_paced,tests.unit.test_tchat_allowance,tests.unit.web.test_web_paced -*-  # noqa: E501
"""
Replies sent in pieces, at the pace the reader reads.

A history replay can be more than C{--max-output} by itself: queued at once,
it cut off the very reader who asked for it (or who entered the room)
before they had read a byte.  L{sendPaced} hands a reply to the connection's
L{chatd.lines.outbox.Outbox} one piece at a time (a page of messages, see
L{chatd.core.pacing}), each once the transport has taken the previous one.
Every front-end sends its replays so: TCHAT, talk, IRC and the web page.

A reply stays whole: what else is written to the connection meanwhile (live
messages, notices, another command's answer, another reply) waits behind it
and follows its last piece, in order.  What waits counts towards the
limit, so a reader who does not read is still cut off there: the reply
waits for them, the rest piles up.

The answer to a history request (L{chatd.core.allowance.Answer}) also goes
no faster than its person's allowance of history: L{pagesFor} makes each
page wait until the allowance covers it, so one request of many megabytes
takes the reactor a page at a time, a little each second, rather than all
at once.  What else the connection is sent waits behind it meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from twisted.internet.defer import Deferred

from chatd.core.allowance import Answer, Release
from chatd.core.pacing import pageBytes, pages, wireSize

if TYPE_CHECKING:
    from chatd.lines.outbox import Outbox

T = TypeVar("T")


class Reply:
    """
    The reply in pieces an L{Outbox} is sending: its pieces not yet handed
    to the transport (C{chunks}, C{size} bytes), who waits for them to be
    (C{waiters}), and the replies waiting for their turn (C{queued}).
    """

    __slots__ = ("chunks", "size", "waiters", "queued", "due")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.waiters: list[Deferred[bool]] = []
        self.queued: list[Deferred[bool]] = []
        # When the piece being made may be handed (None: as soon as the transport takes it).
        self.due: Deferred[None] | None = None

    def add(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)

    def take(self) -> list[bytes]:
        """
        The pieces not yet handed, now handed (or moved).
        """
        chunks, self.chunks, self.size = self.chunks, [], 0
        return chunks

    def whenTaken(self) -> Deferred[bool]:
        waiter: Deferred[bool] = Deferred()
        self.waiters.append(waiter)
        return waiter

    def taken(self) -> None:
        """
        The pieces were handed and the transport takes more.
        """
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            waiter.callback(True)

    def nextTurn(self) -> Deferred[bool]:
        turn: Deferred[bool] = Deferred()
        self.queued.append(turn)
        return turn

    def giveUp(self) -> None:
        """
        The connection closed: nothing more is handed.
        """
        waiting = self.waiters + self.queued
        self.waiters, self.queued = [], []
        for waiter in waiting:
            waiter.callback(False)


async def sendPaced(outbox: Outbox | None, pieces: Iterable[bytes]) -> bool:
    """
    Send C{pieces} to C{outbox}'s connection as one reply, each once the
    transport took the one before; C{pieces} may be a generator, so that a
    page is encoded only when it is due.

    @return: whether all were handed (C{False}: the connection closed).
    """
    if outbox is None or not await outbox.startReply():
        return False
    following = iter(pieces)
    try:
        while await outbox.whenPieceTaken():
            piece = next(following, None)
            if piece is None:
                return True
            if (due := outbox.pieceDue()) is not None:
                await due  # (a history answer's page, at its allowance's pace)
            outbox.replyPiece(piece)
        return False
    finally:
        outbox.endReply()


def paced(outbox: Outbox | None, pieces: Iterable[bytes]) -> Deferred[bool]:
    """
    L{sendPaced}, as a L{Deferred}.
    """
    return Deferred.fromCoroutine(sendPaced(outbox, pieces))


def pagesFor(
    outbox: Outbox | None,
    items: Sequence[T],
    measure: Callable[[T], int] = wireSize,  # type: ignore[assignment]
) -> Iterator[list[T]]:
    """
    C{items} (stored messages, or what C{measure} sizes as one) in the
    pages L{sendPaced} sends to C{outbox}'s connection, sized by its limit
    (L{chatd.core.pacing.pageBytes}); those of an L{Answer}, each when its
    allowance covers it.
    """
    limit = 1 << 20 if outbox is None else outbox.limit
    found = pages(items, pageBytes(limit), measure)
    release = items.release if isinstance(items, Answer) else None
    if release is None or outbox is None:
        return found
    return _released(outbox, found, release)


def _released(outbox: Outbox, found: Iterator[list[T]], release: Release) -> Iterator[list[T]]:
    """
    The pages C{found}, each made to wait (L{Outbox.pieceDue}) until
    C{release} says it is due.
    """
    sent = 0
    for page in found:
        outbox.makingPiece(release.due(sent))
        sent += sum(map(wireSize, page))  # type: ignore[arg-type]
        yield page
