# -*- test-case-name: tests.unit.lines.test_lineproto,tests.unit.lines.test_turnbudget,tests.unit.test_overlong_frontends -*-  # noqa: E501
"""
What chatd's line protocols share: framing, decoding, limits and liveness.

L{ChatLineReceiver} turns bytes into decoded lines and enforces every limit a
user can hit (line length, UTF-8, floods, slow reading, silence), so the
protocols built on it (TCHAT, talk, IRC) only map lines to service calls.  It
keeps C{LineReceiver}'s interface but frames a whole read at once: the stock
C{dataReceived} copies the rest of the buffer for every line, which costs
quadratic time on a busy connection.  It handles lines only while this
reactor turn has budget (L{chatd.lines.turnbudget.TurnBudget}); under
saturation it goes on, a share at a time, in later turns.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure

from chatd.core.calls import afterHeard
from chatd.core.errors import ChatError, InvalidArgument
from chatd.core.participant import CONNECTION_CLOSED
from chatd.core.tokenbucket import TokenBucket
from chatd.lines.closing import GONE, OPEN, ClientClose
from chatd.lines.factory import ChatFactory
from chatd.lines.floodcut import FloodCut
from chatd.lines.handler import REFUSED_START, LineHandler
from chatd.lines.idle import Liveness
from chatd.lines.outbox import Outbox
from chatd.lines.overlong import LINE_END_COST, TooLong, cost
from chatd.lines.throttle import waitingNotice
from chatd.lines.turnbudget import LIGHT


class ChatLineReceiver(FloodCut, ClientClose, Liveness, LineHandler, LineReceiver):
    """
    Base class for chatd's line protocols.

    Subclasses set C{protocolName} and implement L{LineHandler}'s methods
    and, for a liveness probe, L{probeIdle}; and the
    L{chatd.core.interfaces.IParticipant} methods.
    C{textReceived} may return a L{Deferred}: later lines wait until it fires,
    so replies keep the order of the commands.  Lines read before the client
    closed are carried out all the same (L{chatd.lines.closing}).
    """

    log = Logger()
    delimiter = b"\n"
    protocolName: ClassVar[str] = "line"
    factory: ChatFactory

    closeReason = CONNECTION_CLOSED

    def __init__(self) -> None:
        # Every name a connection uses is set here, as it is made: CPython
        # 3.11 shares one set of dict keys between a class's instances only
        # for names its first few dozen instances set, and a connection that
        # sets a later one gets a whole dict of its own (~460 bytes).
        self.nick: str | None = None
        self.address = ""
        self.outbox: Outbox | None = None
        self._partial = b""
        # Lines read, not yet handled; dropped once drained (an empty deque: ~600 B).
        self._pending: deque[bytes | TooLong] | None = None
        # An over-long line being read (chatd.lines.overlong): refused once it ends.
        self._refusing: TooLong | None = None
        self._discarding = self._blocked = self._draining = False
        # Waiting for a later turn (the budget was spent); not reading, if far behind.
        self._yielded = self._readPaused = False
        # The flood limit's bucket (None: no flood limit).
        self._bucket: TokenBucket | None = None
        self._backlog = 0
        # The flood limit holds lines back now; its user was told so (this run).
        self._throttled = self._toldWaiting = False
        self._drainCall: IDelayedCall | None = None
        self._closeCall: IDelayedCall | None = None
        self.lastHeard = 0.0
        self._probed = self._admitted = False
        # What the service's admission counted this connection under, while open.
        self._ticket: str | None = None
        self._clientClosed, self._carryCall = OPEN, None  # chatd.lines.closing

    def connectionMade(self) -> None:
        factory = self.factory
        peer = self.transport.getPeer()  # type: ignore[union-attr]
        self.address = getattr(peer, "host", str(peer))
        noDelay = getattr(self.transport, "setTcpNoDelay", None)
        if noDelay is not None:
            noDelay(True)  # replies must not wait for Nagle's 40 ms
        self.outbox = Outbox(self.transport, factory.flusher, factory.maxOutput, self._overflowed)  # type: ignore[arg-type]
        if factory.floodBurst is not None:
            self._bucket = TokenBucket(factory.clock, factory.floodRate, factory.floodBurst)
        self.lastHeard = factory.clock.seconds()
        service = factory.service
        try:
            refusal: ChatError | None = getattr(self.transport, "refusal", None)
            if refusal is not None:  # IRC over WebSocket: its web listener's admission
                raise refusal
            if not getattr(self.transport, "admitted", False):  # counted once (the same)
                self._ticket = service.admission.admitPeer(peer)
            service.connect(self)  # type: ignore[arg-type]
        except ChatError as error:
            self._release()
            self.refuseConnection(error)
            self.closeWith(error.text)
            return
        self._admitted = True
        if factory.aliveAfter is not None:
            factory.idleTimers.add(self, factory.aliveAfter)

    def connectionLost(self, reason: Failure | None = None) -> None:
        if self._closeCall is not None and self._closeCall.active():
            self._closeCall.cancel()
        self._closeCall = None
        self.factory.idleTimers.discard(self)
        if self.outbox is not None:
            self.outbox.stopProducing()  # answers are dropped from now on
        if self._linger():
            return  # its person leaves once the lines it sent are carried out
        self._stopCarrying()
        if self._drainCall is not None and self._drainCall.active():
            self._drainCall.cancel()
        self._drainCall = None
        self._yielded = False  # a later turn has nothing to resume
        if self._admitted:
            self._admitted = False
            self.factory.service.disconnect(self, self.closeReason)  # type: ignore[arg-type]
        self._release()

    def _release(self) -> None:
        """
        Give back this connection's place in the admission counts.
        """
        if self._ticket is not None:
            self.factory.service.admission.release(self._ticket)
            self._ticket = None

    # Output

    def send(self, data: bytes) -> None:
        """
        Queue C{data} (whole lines, already encoded) for this connection.
        """
        if self.outbox is not None:
            self.outbox.write(data)

    def sendLine(self, line: bytes) -> None:
        self.send(line + b"\n")

    def whenDrained(self) -> Deferred[bool]:
        """
        See L{chatd.core.interfaces.IParticipant.whenDrained}: this connection's
        L{Outbox} answers.
        """
        if self.outbox is None:
            return succeed(False)
        return self.outbox.whenDrained()

    def closeWith(self, reason: str) -> None:
        """
        Send what is queued, then close; C{reason} is what the rooms are told.
        The session ends now, whatever the transport does: the rooms are told
        and the nickname is free before the connection has closed (a TLS
        peer may take its time to answer the close alert, or never do).  In
        a cluster, the connection closes once every other node has heard
        (as a login is answered), so its user sees their departure done
        everywhere.  One still open L{ChatFactory.closeGrace} seconds later
        is cut.
        """
        self.closeReason = reason
        if self._stopCarrying() == GONE:  # the connection is gone already
            if self._pending:
                self._pending.clear()
            self._leave()
            return
        if self.outbox is not None:
            self.outbox.close()
        if self._pending:
            self._pending.clear()  # nothing more is read from a session that ended
        self._yielded = False
        if self._admitted:
            self._admitted = False
            if pause := getattr(self.transport, "pauseProducing", None):
                pause()  # nor while the other nodes hear of it
            service = self.factory.service
            service.disconnect(self, reason)  # type: ignore[arg-type]
            afterHeard(service.observer, self._loseConnection)
        else:
            self.transport.loseConnection()  # type: ignore[union-attr]
        if self._closeCall is None:
            self._closeCall = self.factory.clock.callLater(self.factory.closeGrace, self._cut)
        if self._ticket:  # its address may connect again now (a TLS peer may linger)
            self._ticket = self.factory.service.admission.leaving(self._ticket)

    def _loseConnection(self) -> None:
        # Reading again: a TLS peer's close (its answer to the close alert, or
        # its TCP close) must be read for the connection to end; what else it
        # sends is dropped (L{_drain}: closing).
        if resume := getattr(self.transport, "resumeProducing", None):
            resume()
        self.transport.loseConnection()  # type: ignore[union-attr]

    def _cut(self) -> None:
        self._closeCall = None
        self.log.info("{address}: not closed in time, cutting it", address=self.address)
        self.transport.abortConnection()  # type: ignore[union-attr]

    def _overflowed(self) -> None:
        self.closeReason = "too slow reading, output limit exceeded"
        self.log.info("{address}: output limit exceeded, disconnecting", address=self.address)
        self.transport.abortConnection()  # type: ignore[union-attr]

    # Input

    def dataReceived(self, data: bytes) -> None:
        factory = self.factory
        self.heard()
        if self._toldWaiting and not self._pending and self._bucket and self._bucket.full():
            self._toldWaiting = False  # a new run of waiting lines is told again
        refusing = self._refusing
        if refusing is not None or self._discarding:
            end = data.find(b"\n")
            if end < 0:
                return  # dropped as it comes: nothing of it is kept
            data, self._refusing, self._discarding = data[end + 1 :], None, False
        if self._partial:
            data, self._partial = self._partial + data, b""
        lines = data.split(b"\n")
        tail = lines.pop()
        limit = factory.maxLineLength
        pending = self._pending
        if pending is None:
            pending = self._pending = deque()
        if refusing is not None:  # its end came: refused now, in its turn
            pending.append(refusing)
            self._backlog += cost(refusing)
        backlog = self._backlog
        for line in lines:
            if len(line) - line.endswith(b"\r") > limit:  # a "\r" ending it is its line end
                refused = TooLong(line)  # refused in turn, so replies stay in order
                pending.append(refused)
                backlog += cost(refused)
            else:
                pending.append(line)
                backlog += LINE_END_COST + len(line)  # cost(line), without a call per line
        self._backlog = backlog
        if len(tail) - tail.endswith(b"\r") > limit:  # too long whatever comes next
            self._refusing = TooLong(tail)  # refused once its end comes; the rest dropped
        else:
            self._partial = tail
        self._drain()
        # What waits for a later turn far behind: the rest waits in the kernel.
        waiting = self._yielded and self._backlog > factory.floodBacklog // 4
        if not (waiting and self._pauseReading()) and (
            self._backlog > factory.floodBacklog
            or (self._throttled and self.tooManyWaiting(factory.floodLines))
        ):
            # Only what the throttle (or a pending reply) holds back counts;
            # in lines, only what the throttle holds (chatd.lines.floodcut).
            self.flooded()

    def discardTypedAhead(self, rest: bool = True) -> int:
        """
        Drop what was read and not handled yet: the lines waiting and the
        line being typed (its C{rest} too, when it comes).  How many lines.
        """
        dropped = len(self._pending) if self._pending else 0
        if self._pending:
            self._pending.clear()  # in place: a drain under way stops
        self._backlog = 0
        if self._refusing is not None:  # an over-long line: its rest is no line either
            self._refusing, self._discarding = None, True
            dropped += 1
        elif self._partial:
            self._partial, self._discarding = b"", rest
            dropped += 1
        return dropped

    def _drain(self, share: bool = False) -> None:
        """
        Handle queued lines, as the flood limit, pending replies and this
        turn's budget allow (in a C{share}: the share's slice of it).
        """
        if self._draining or self._yielded:
            return
        self._draining = True
        self._throttled = handled = False
        try:
            pending = self._pending
            bucket = self._bucket
            turns = self.factory.turns
            while pending and not self._blocked:
                transport = self.transport
                if not self._gone() and (
                    transport is None
                    or self._closeCall
                    or getattr(transport, "disconnecting", None)
                ):
                    pending.clear()  # closing, or closed: nobody to answer
                    return
                if share:
                    if handled and turns.shareSpent():  # type: ignore[union-attr]
                        self._yielded = True  # more in the next round
                        return
                elif turns is not None and turns.spent():
                    self._yielded = True
                    turns.wait(self._share, len(pending) <= LIGHT)
                    return
                if bucket is not None and not bucket.take():
                    self._throttled = True
                    if not self._toldWaiting:
                        self._toldWaiting = True
                        self.linesWaiting(waitingNotice(bucket.rate), self.factory.clock.seconds())
                    if self.tooManyWaiting(self.factory.floodLines):  # read while a reply waited
                        return self.flooded()
                    if self._drainCall is None or not self._drainCall.active():
                        self._drainCall = self.factory.clock.callLater(bucket.wait(), self._drain)
                    return
                line = pending.popleft()
                handled = True
                if isinstance(line, TooLong):
                    self._backlog -= cost(line)
                    self.lineRefused(InvalidArgument("line too long"), line.start)
                    continue
                self._backlog -= LINE_END_COST + len(line)  # cost(line)
                self._handleLine(line)
        finally:
            self._draining = False
            if not self._pending:
                self._pending = None
            if handled and turns and self._pending is None and (box := self.outbox) and box.pending:
                # It waits for its answers; in a share, it waited a turn already: now.
                box.flush() if share else self.factory.flusher.hurry(box)
            self._carriedOut()  # the client closed: once all is carried out, the session ends

    def _share(self) -> bool:
        """
        A later turn's round (see L{TurnBudget.wait}): handle lines kept for
        a slice of the turn, and read again once they are all handled.
        """
        if not self._yielded:  # closed meanwhile
            return False
        self._yielded = False
        self._drain(share=True)
        if self._yielded:
            return True
        if self._readPaused:
            self._readPaused = False
            if not getattr(self.transport, "disconnecting", False):
                self.transport.resumeProducing()  # type: ignore[union-attr]
        return False

    def _pauseReading(self) -> bool:
        """
        Stop reading until the lines kept are handled; C{False}: this
        transport cannot.
        """
        if not self._readPaused:
            pause = getattr(self.transport, "pauseProducing", None)
            if pause is None:
                return False
            pause()
            self._readPaused = True
        return True

    def _handleLine(self, line: bytes) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        try:
            text = self.decodeLine(line)
        except ChatError as error:
            self.lineRefused(error, line[:REFUSED_START])
            return
        try:
            result = self.textReceived(text)
        except Exception:
            self.log.failure("unexpected error handling {line}", line=self.loggableLine(text))
            self.internalError()
            return
        # (None first: a Deferred's isinstance goes through its ABC's check)
        if result is not None and isinstance(result, Deferred):
            self._blocked = True
            result.addErrback(self._unexpected, text)
            result.addBoth(self._unblock)

    def _unexpected(self, failure: Failure, text: str) -> None:
        self.log.failure("unexpected error handling {line}", failure, line=self.loggableLine(text))
        self.internalError()

    def _unblock(self, ignored: object) -> None:
        self._blocked = False
        self._drain()
