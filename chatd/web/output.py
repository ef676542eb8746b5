# -*- test-case-name: tests.unit.web.test_web_output,tests.unit.web.test_web_joinorder,tests.unit.web.test_web_paced -*-  # noqa: E501
"""
How a page is sent its rooms' messages: a room's replay paced as the page
reads it, with the room's live frames held behind it
(L{chatd.lines.roomhold}); the fan-out's runs written straight to the
connection's outbox (built once per event, not once per recipient); and
its drain.  Kept apart from L{chatd.web.socket}, which reads the requests,
answers them and closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred, succeed

from chatd.core.allowance import keep
from chatd.core.entryreplay import Replay
from chatd.core.events import RoomMessage
from chatd.core.limits import MAX_HISTORY
from chatd.lines.fanout import RoomFanout, TurnBatch
from chatd.lines.paced import paced, pagesFor
from chatd.lines.roomhold import RoomHold, replayOffered
from chatd.web import wire
from chatd.web.wire import shownRoomMessage

if TYPE_CHECKING:
    from chatd.core.interfaces import IChatService
    from chatd.lines.outbox import Outbox
    from chatd.web.guard import GuardProtocol
    from chatd.web.replay import ReplayMarks
    from chatd.web.socket import WebParticipant


class PageOutput:
    """
    The output side of L{chatd.web.socket.WebParticipant}.
    """

    __slots__ = ()  # the participant's slots hold these:

    service: IChatService
    guard: GuardProtocol | None
    outbox: Outbox | None
    replay: ReplayMarks | None
    held: RoomHold[tuple[bytes, int]]
    _open: bool

    #: All the history the service gives on entering; the page fetches what it missed.
    historyOnEnter, fetchesMissed = MAX_HISTORY, True

    def roomHistory(self, room: str, events: list[RoomMessage]) -> None:
        """
        The replay, a page of frames at a time as the page reads them
        (L{chatd.lines.paced}); the room's live frames held meanwhile follow.
        """
        missed = (
            succeed(events)
            if self.replay is None
            else self.replay.missed(cast("WebParticipant", self), room, events)
        )

        def send(events: list[RoomMessage]) -> Deferred[bool]:
            earlier = isinstance(events, Replay) and events.earlier  # of what is sent
            pages = pagesFor(self.outbox, keep(events, [event for event in events if event.lines]))
            return paced(
                self.outbox if self._open else None, wire.encodeReplay(pages, room, earlier)
            )

        missed.addCallback(send).addBoth(lambda _: self.releaseRoom(room))

    def holdRoom(self, room: str, always: bool = False) -> None:
        """
        The page enters C{room}: its live frames wait for the replay (first
        the past, WEB.md, L{chatd.lines.roomhold}), or C{always} (the answer).
        """
        if always or replayOffered(self.service, cast("WebParticipant", self)):
            self.held.hold(room)

    def releaseRoom(self, room: str) -> None:
        """
        Send what L{holdRoom} kept of C{room}, in order.
        """
        self.held.release(room)

    def _sendHeld(self, held: tuple[bytes, int]) -> None:
        outbox, (data, frames) = self.outbox, held
        if outbox is not None and self._open:
            outbox.write(data)
            if outbox.tally is not None and frames > 1:
                outbox.tally(frames - 1)

    def roomMessage(self, event: RoomMessage) -> None:
        """
        One room message, outside a room's fan-out (which gives runs, see
        L{roomMessages}): a message to a room's operators, or an echo to
        the sender's other connections.  One of tags only shows nothing.
        """
        outbox = self.outbox
        if outbox is not None and self._open and (data := event.wire(shownRoomMessage)):
            if self.held.keep(event.roomKey, (data, 1)):
                return
            outbox.write(data)  # counted as sent when flushed (Outbox.tally)

    @property
    def fanout(self) -> RoomFanout | None:
        """Where the room messages for this page gather (L{roomMessages})."""
        return None if self.outbox is None else self.outbox.scheduler.fanout

    def roomMessages(self, batch: TurnBatch, start: int) -> None:
        """
        A run of a room's messages at once (L{chatd.lines.fanout}), as
        L{roomMessage} gives one; each message is still one frame.
        """
        outbox = self.outbox
        if outbox is not None and self._open:
            data, frames = batch.shown(self, start, shownRoomMessage)
            if not frames or self.held.keep(batch.roomKey, (data, frames)):
                return
            outbox.queue(data)
            if outbox.tally is not None and frames > 1:
                outbox.tally(frames - 1)  # its flush counts this write as one

    def whenDrained(self) -> Deferred[bool]:
        """
        See L{chatd.core.interfaces.IParticipant.whenDrained}: the guard's
        L{Outbox} answers.
        """
        if self.outbox is None or not self._open:
            return succeed(False)
        return self.outbox.whenDrained()
