# -*- test-case-name: tests.unit.talk.test_talk_alive -*-
"""
Talk mode's liveness: a silent session is probed with C{IAC DO TIMING-MARK},
which a telnet client answers without showing anything, and closed if it
does not answer (a half-open connection must not keep its nickname).  A
client that never answered a probe (nc, a raw socket) is never probed again
nor cut: it may be someone reading silently.
"""

from __future__ import annotations

from chatd.lines.lineproto import ChatLineReceiver
from chatd.talk.telnet import TelnetFilter


class TelnetLiveness(ChatLineReceiver):
    """
    The liveness side of a talk connection: L{chatd.lines.idle.Liveness}'s
    probe, as telnet asks it.  The connection calls L{probeAnswered} when its
    L{TelnetFilter} reports an answer.
    """

    telnet: TelnetFilter
    _idleWatched = True

    def checkIdle(self) -> None:
        if not self.telnet.answersProbes:
            self._idleWatched = False
            return
        super().checkIdle()

    def probeAnswered(self) -> None:
        """
        The client answered a probe: watch it again if it had stopped being
        watched (it had never answered one).
        """
        after = self.factory.aliveAfter
        if not self._idleWatched and after is not None and self._admitted:
            self._idleWatched = True
            self.factory.idleTimers.add(self, after)

    def probeIdle(self) -> None:
        self.telnet.probe()
