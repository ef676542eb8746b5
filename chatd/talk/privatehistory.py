# -*- test-case-name: tests.unit.talk.test_talk_pmhistory -*-
"""
C{/pmhistory <nick> [n]} in talk mode: the last messages of one's own
private conversation with someone, as C{/history} shows a room's (the
core's history windows, L{chatd.core.chathistory}, which say who may read
what: a registered account its own private conversations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from twisted.internet.defer import maybeDeferred

from chatd.core.allowance import keep
from chatd.core.ctcp import hasText
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.limits import MAX_HISTORY
from chatd.lines.paced import paced, pagesFor
from chatd.talk.format import headed, serverLine, stamp
from chatd.talk.session import UsageError

if TYPE_CHECKING:
    from chatd.talk.session import TalkSession

ARGS = "<nick> [n]"


def privatePieces(
    nick: str,
    events: list[RoomMessage | PrivateMessage],
    now: float,
    paging: Callable[[list[PrivateMessage]], Iterable[list[PrivateMessage]]],
) -> Iterator[bytes]:
    """
    A private conversation's past messages (those with text, as they come
    live), each with its time and sender, C{*private with bob 14:02* <bob>
    text} as C{/search} shows one, between two server lines as a room's
    history (L{chatd.talk.format.historyPieces}); or one line saying there
    is none.
    """
    said = [e for e in events if isinstance(e, PrivateMessage) and hasText(e)]
    shown: list[PrivateMessage] = keep(events, said)  # type: ignore[arg-type]
    if not shown:
        yield serverLine(f"No private messages with {nick} yet.")
        return
    many = "message" if len(shown) == 1 else f"{len(shown)} messages"
    yield serverLine(f"Private history with {nick}, the last {many}:")
    head = f"*private with {nick}"
    for page in paging(shown):
        yield b"".join(
            headed(f"{head} {stamp(event.when, now)}* ", event.sender, event.lines)
            for event in page
        )
    yield serverLine("End of history.")


async def pmhistoryCommand(session: TalkSession, rest: str) -> None:
    nick, _, count = rest.partition(" ")
    if not nick:  # as every command missing its argument answers
        raise UsageError(f"Usage: /pmhistory {ARGS}")
    if count and not (count.isascii() and count.isdecimal() and 0 < int(count) <= MAX_HISTORY):
        raise UsageError(f"Usage: /pmhistory {ARGS} (n: 1 to {MAX_HISTORY})")
    service = session.factory.service
    asked = int(count) if count else None
    events = await maybeDeferred(service.privateHistory, session.participant, nick, asked)
    now = session.factory.clock.seconds()
    paging = partial(pagesFor, session.outbox)
    await paced(session.outbox, privatePieces(nick, events, now, paging))
