# -*- test-case-name: tests.unit.core.test_logindeadline,tests.unit.test_logintimeout_frontends -*-
"""
A connection must log in in time: one that has no nickname
C{--login-timeout} seconds after it connected, on any front-end (TCHAT,
talk, IRC, the web page, IRC over WebSocket), is told so and closed, so
that silent connections cannot hold every C{--max-clients} place.  A login
still under way at the deadline (a password being checked, a cluster's
claim) is waited for: the connection ends only if it fails, and one that
closes meanwhile (its peer gone, a keepalive) was not timed out.

The rule is the service's: it starts the clock when a participant
connects (L{LoginDeadlines.connected}), stops it when it is given a name
(L{LoginDeadlines.loggedIn}) or closes (L{LoginDeadlines.closed}).  At
the deadline the session ends with L{errors.LoginTimedOut}, which each
front-end puts in its own words, as for any L{errors.ChatError}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from chatd.core import errors
from chatd.core.interfaces import IParticipant

if TYPE_CHECKING:
    from chatd.core.service import ChatService

#: Seconds a new connection has to log in, unless the site says otherwise
#: (the consoles' C{--admin-login-timeout} too).
DEFAULT_LOGIN_TIMEOUT = 60.0

_T = TypeVar("_T")


class LoginDeadlines:
    """
    Each connection's deadline to log in.

    @ivar timeout: seconds a new connection has (C{None}: no deadline);
        connections already open keep the deadline they were given.
    """

    log = Logger()

    def __init__(self, service: ChatService, timeout: float | None = None) -> None:
        self.service = service
        self.timeout = timeout
        self._timers: dict[IParticipant, IDelayedCall] = {}
        #: connections past their deadline whose login is waited for
        self._waited: set[IParticipant] = set()

    def connected(self, participant: IParticipant) -> None:
        """C{participant} connected: it must log in within L{timeout} seconds."""
        if self.timeout is None:
            return
        clock = self.service.clock
        self._timers[participant] = clock.callLater(
            self.timeout, self._expired, participant, self.timeout
        )

    def loggedIn(self, participant: IParticipant) -> None:
        """C{participant} was given a name: it has no deadline any more."""
        self.closed(participant)

    def closed(self, participant: IParticipant) -> None:
        """C{participant}'s connection closed: its deadline goes with it."""
        self._waited.discard(participant)  # (closed otherwise: not for want of a login)
        timer = self._timers.pop(participant, None)
        if timer is not None and timer.active():
            timer.cancel()

    def pending(self) -> int:
        """How many connections wait for their deadline (for tests and metrics)."""
        return len(self._timers)

    def _expired(self, participant: IParticipant, timeout: float) -> None:
        del self._timers[participant]
        waiting = self.service.logins.underWay(participant)
        if waiting is None:
            self._end(participant, timeout)
            return

        def settled(result: _T) -> _T:
            if participant in self._waited:
                self._waited.discard(participant)
                self._end(participant, timeout)
            return result

        self._waited.add(participant)
        waiting.addBoth(settled)

    def _end(self, participant: IParticipant, timeout: float) -> None:
        """
        End C{participant}'s session if it is still connected and has no name.
        """
        service = self.service
        if not service.people.isConnected(participant) or service.isLoggedIn(participant):
            return
        if service.logConnections:  # (--quiet-connections: as for logins and disconnects)
            self.log.info(
                "{address} did not log in within {timeout:g} s over {protocol}: closed",
                address=participant.address,
                timeout=timeout,
                protocol=participant.protocolName,
            )
        service.endSession(participant, errors.LoginTimedOut.after(timeout))
