# -*- test-case-name: tests.unit.core.test_refusallog,tests.unit.core.test_admissionlog -*-
"""
Log lines for refused logins and connections, bounded per address: those a
sanction refuses (L{chatd.core.moderation}) and those over a per-address
limit (L{chatd.core.admission}).

A banned user's reconnect loop, or a script trying names from a banned
network, is refused hundreds of times a minute; one line each would fill the
operator's log.  Each address (and kind of refusal) has a window of
L{WINDOW} seconds from its first refusal: the first L{BURST} refusals in it
are logged in full, at once (so fail2ban sees the address as before, and
reaches a C{maxretry} of up to L{BURST} at once), and the rest are counted
and told in one line when the window ends (C{57 more logins from
203.0.113.9 refused in the last 60 s, the last as troll: banned for good:
spam}).  A refusal after that starts a
new window.  At most L{TRACKED} windows are kept: a new address past that
ends the oldest window at once, its count told for the time it ran.
"""

from __future__ import annotations

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

#: Seconds a window runs from its first refusal.
WINDOW = 60

#: Refusals logged in full in each window.
BURST = 5

#: Windows kept at once (one per address and kind of refusal).
TRACKED = 1024


class _Window:
    """
    One address's refusals of one kind since C{start}: C{shown} logged in
    full, C{count} more counted, the last of them described by C{detail}.
    """

    def __init__(self, start: float) -> None:
        self.start = start
        self.shown = 0
        self.count = 0
        self.detail = ""
        self.timer: IDelayedCall | None = None


class RefusalLog:
    """
    Which refusals to log in full, and the summary lines of the rest.

    @ivar log: where summaries are written (the refusing service's logger,
        so they stand with the lines they summarise).
    """

    def __init__(
        self,
        clock: IReactorTime,
        log: Logger,
        window: float = WINDOW,
        burst: int = BURST,
        tracked: int = TRACKED,
    ) -> None:
        self.clock = clock
        self.log = log
        self.window = window
        self.burst = burst
        self.tracked = tracked
        self._windows: dict[tuple[str, str], _Window] = {}  # oldest first

    def shows(self, kind: str, address: str, detail: str) -> bool:
        """
        Count one refusal of C{kind} (C{"login"}, C{"connection"}) from
        C{address}; C{True} if it is to be logged in full now, C{False}
        if it is counted for the window's summary, which ends with the last
        one's C{detail} (who and which sanction, with its own lead: C{":
        banned ..."}).
        """
        now = self.clock.seconds()
        slot = (kind, address)
        window = self._windows.get(slot)
        if window is not None and now >= window.start + self.window:
            self._end(slot)
            window = None
        if window is None:
            self._makeRoom()
            window = self._windows[slot] = _Window(now)
        if window.shown < self.burst:
            window.shown += 1
            return True
        window.count += 1
        window.detail = detail
        if window.timer is None:
            window.timer = self.clock.callLater(window.start + self.window - now, self._end, slot)
        return False

    def stop(self) -> None:
        """End every window now (the service stops): their counts are told."""
        for slot in list(self._windows):
            self._end(slot)

    def _makeRoom(self) -> None:
        """
        End the oldest windows while C{tracked} are kept (those that ran out
        are the oldest: every window is as long).
        """
        while len(self._windows) >= self.tracked:
            self._end(next(iter(self._windows)))

    def _end(self, slot: tuple[str, str]) -> None:
        window = self._windows.pop(slot)
        if window.timer is not None and window.timer.active():
            window.timer.cancel()
        if window.count:
            kind, address = slot
            self.log.info(
                "{count} more {kind} from {address} refused in the last {seconds} s{detail}",
                count=window.count,
                kind=kind if window.count == 1 else kind + "s",
                address=address,
                seconds=round(min(self.clock.seconds() - window.start, self.window)),
                detail=window.detail,
            )
