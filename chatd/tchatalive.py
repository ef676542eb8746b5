# -*- test-case-name: tests.unit.test_tchat_alive -*-
"""
TCHAT's liveness: C{srv: ALIVE} after C{aliveAfter} seconds of silence,
answered C{clt: ALIVE}.

Only a client that has sent C{clt: ALIVE} at least once (it knows the
probe) is closed for leaving one unanswered, after a notice saying why.
Others (a person reading through C{telnet}, a program written from the
course's seed, which has no C{ALIVE}) cannot be expected to answer: once
one lets a probe go unanswered, it is not probed again, and the kernel
checks that it is still there instead (TCP keepalive,
L{chatd.lines.keepalive}).  Its first C{clt: ALIVE} puts it under the
probe's rule from then on.
"""

from __future__ import annotations

from chatd.core.events import Notice
from chatd.lines.keepalive import tcpKeepAlive
from chatd.lines.lineproto import ChatLineReceiver
from chatd.tchatbody import Body
from chatd.tchatwire import encodeNotice


class TchatLiveness(ChatLineReceiver):
    """
    The liveness side of a TCHAT connection (L{chatd.lines.idle.Liveness}'s
    probe and close, as TCHAT asks and tells).
    """

    _body: Body | None = None
    #: C{srv: ALIVE} was sent, and no line has come since.
    _aliveOwed = False
    #: The client has sent C{clt: ALIVE}: it answers probes.
    _answersAlive = False
    #: Its liveness deadline is on the factory's timers (else TCP keepalive watches it).
    _idleWatched = True

    def aliveReceived(self) -> None:
        """
        The client sent C{clt: ALIVE}: it answers probes, and from now on
        it is closed if it leaves one unanswered.
        """
        self._answersAlive = True
        after = self.factory.aliveAfter
        if not self._idleWatched and after is not None and self._admitted:
            self._idleWatched = True
            self.factory.idleTimers.add(self, after)

    def probeIdle(self) -> None:
        """
        Ask a silent client for C{clt: ALIVE}; not inside a body, where the
        answer would be read as the message's text.  A body's lines are signs
        of life: one silent as long again is given up (L{timedOut}).
        """
        if self._body is None:
            self._aliveOwed = True
            self.send(b"srv: ALIVE\n")

    def timedOut(self) -> None:
        """
        No line came after C{srv: ALIVE}, or in an unfinished body for twice
        as long.  A client that answers probes is told so in a notice (the
        protocol has no error code for it) and closed; another is left to TCP
        keepalive, unprobed.
        """
        after = self.factory.aliveAfter
        assert after is not None
        if not self._answersAlive:
            self._idleWatched = False
            tcpKeepAlive(self.transport, after)
            return
        if self._body is None:
            text = f"no answer to ALIVE for {after:g} s: closing the connection"
        else:
            text = f"a message body silent for {2 * after:g} s: closing the connection"
        self.send(encodeNotice(Notice(text, int(self.factory.clock.seconds()))))
        super().timedOut()
