# -*- test-case-name: tests.unit.web.test_web_msgid,tests.unit.web.test_web_joinorder -*-
"""
What a page already has of a room's past: a page that comes back (a
reconnect) names the last message it shows of each room (C{after} in
C{join} and C{login}), and the history the service replays on entering
the room starts after that message.  So the page is sent only what is
newer, and nothing is shown or counted unread twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd.core.allowance import Answer
from chatd.core.chathistory import AFTER, HistoryQuery, Selector
from chatd.core.entryreplay import Replay
from chatd.core.errors import ChatError, InvalidArgument
from chatd.core.events import PrivateMessage, RoomMessage
from chatd.core.limits import MAX_HISTORY
from chatd.core.names import key
from chatd.lines.roomhold import replayOffered

log = Logger()

T = TypeVar("T")

if TYPE_CHECKING:
    from chatd.web.socket import WebParticipant


#: The mark of a page that has none of a room's messages because the room
#: had none when it entered: everything said in it since is missed.
FROM_THE_START = "-"


class ReplayMarks:
    """
    For each room, the id of the last message the page has of it, until the
    service replays the room's history (once, on entering).
    """

    __slots__ = ("_after",)

    def __init__(self) -> None:
        self._after: dict[str, str] = {}

    def expect(self, room: str, msgid: str | None) -> None:
        """
        The page is entering C{room} and has its messages up to C{msgid}
        (C{None}: none of them).
        """
        if msgid:
            self._after[key(room)] = msgid
        else:
            self._after.pop(key(room), None)

    def expectAll(self, marks: dict[str, str]) -> None:
        """
        The page is logging in again, with C{marks}: room to last msgid (the
        service may put it back in those rooms); earlier marks are forgotten.
        """
        self._after.clear()
        for room, msgid in marks.items():
            self.expect(room, msgid)

    def missed(
        self, web: WebParticipant, room: str, events: list[RoomMessage]
    ) -> Deferred[list[RoomMessage]]:
        """
        Of the history replayed on entering C{room}, what comes after the
        page's last message; everything if the page named none.  A page
        away longer than the replay reaches (its message is older than the
        replay, which the room has older messages than) is also sent what
        was said between: the messages after its own, read from the history
        (at most L{MAX_HISTORY}), then the replay's newer ones.  What it is
        sent after its own message is a L{Replay} that the room holds older
        messages than: its own, at least.
        """
        msgid = self._after.pop(key(room), None)
        if msgid is None:
            return succeed(events)
        for index, event in enumerate(events):
            if event.msgid == msgid:
                return succeed(_replay(events[index + 1 :], earlier=True))
        if not (isinstance(events, Replay) and events.earlier):
            return succeed(events)  # never stored, or deleted since: all
        since = Selector(millis=0) if msgid == FROM_THE_START else Selector(msgid=msgid)
        query = HistoryQuery(AFTER, since, MAX_HISTORY)
        window = web.service.historyWindow(web, room, True, query)

        def between(said: list[RoomMessage | PrivateMessage]) -> list[RoomMessage]:
            # Up to the replay's first message: the window, read later, also
            # holds what was said live since the entry.
            replayed = {each.msgid for each in events}
            found: list[RoomMessage] = []
            for each in said:
                if each.msgid in replayed:
                    break
                if isinstance(each, RoomMessage):
                    found.append(each)
            # From the start, the room holds nothing older than what it sends.
            replay = _replay([*found, *events], earlier=msgid != FROM_THE_START)
            replay.release = said.release if isinstance(said, Answer) else None  # (its pace)
            return replay

        def unread(failure: Failure) -> list[RoomMessage]:
            if not failure.check(ChatError):
                log.failure("reading what a page missed of {room}", failure, room=room)
            return events

        return window.addCallbacks(between, unread)


def _replay(events: list[RoomMessage], earlier: bool) -> Replay:
    """
    C{events} as a L{Replay}: sent on entering a room, with whether the
    room holds older messages (C{replayed}'s C{earlier}, WEB.md).
    """
    replay = Replay(events)
    replay.earlier = earlier
    return replay


def noteJoin(web: WebParticipant, room: str, request: dict[str, Any]) -> None:
    """
    A C{join} request's C{after} (a message id, optional): where the
    replay of C{room}'s history is to start.
    """
    after = request.get("after")
    if after is not None and not isinstance(after, str):
        raise InvalidArgument("'after' must be a message id (a string)")
    if after:
        web.replay = web.replay or ReplayMarks()
    if web.replay is not None:
        web.replay.expect(room, after)


def entering(web: WebParticipant, room: str, enter: Callable[[], Deferred[T]]) -> Deferred[T]:
    """
    The page enters C{room} (C{enter}, its answer): what is said there
    meanwhile follows that answer, and the history replayed on entering
    (L{WebParticipant.roomHistory} sends what was held); only the answer
    when no history comes (none replayed, C{--history-count 0}, or the
    entry refused), on the turn after it, once it is written.
    """
    web.holdRoom(room, always=True)
    replayed = replayOffered(web.service, web)

    def answered(result: T | Failure) -> T | Failure:
        if not replayed or isinstance(result, Failure):
            web.factory.clock.callLater(0, web.releaseRoom, room)
        return result

    return enter().addBoth(answered)


def answering(web: WebParticipant, answer: Callable[[], Deferred[T]]) -> Deferred[T]:
    """
    The page logs in or registers (C{answer}, the service's): the rooms
    that puts it in, which the answer names, hold what is said there until
    it is written (L{chatd.lines.roomhold.RoomHold.untilAnsweredAll}), and
    the history replayed on entering them, if any, as for a C{join}.
    """
    return web.held.untilAnsweredAll(answer, replayOffered(web.service, web))


def noteLogin(web: WebParticipant, request: dict[str, Any]) -> None:
    """
    A C{login} request's C{after} (optional): an object of room names to
    message ids, for the rooms the service may put the user back in.
    """
    after = request.get("after", {})
    if not isinstance(after, dict) or not all(
        isinstance(room, str) and isinstance(msgid, str) for room, msgid in after.items()
    ):
        raise InvalidArgument("'after' must be an object of room names to message ids")
    if after:
        web.replay = web.replay or ReplayMarks()
    if web.replay is not None:
        web.replay.expectAll(after)
        for room in after:  # the service may put it back there: the past first
            web.holdRoom(room)
