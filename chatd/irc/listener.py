# -*- test-case-name: tests.unit.irc.test_irc_protocol -*-
"""
What every IRC connection of one listener shares.

L{IRCListener} holds it (the server's identity, its limits, the encoders);
L{chatd.irc.factory.IRCFactory} adds the protocol it builds.  Connections
and their commands are typed against L{IRCListener}, so none of them
imports the protocol they are part of.
"""

from __future__ import annotations

import time
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from twisted.cred.checkers import ICredentialsChecker
from twisted.internet.interfaces import IReactorTime

from chatd.core.interfaces import IChatService
from chatd.core.limits import MAX_BODY_BYTES, MAX_BODY_LINES
from chatd.core.presence import Presence
from chatd.irc.capnotify import offerAgain
from chatd.irc.caps import SUPPORTED, Unnegotiated, multilineOn
from chatd.irc.wire import WireFormat
from chatd.lines.factory import ChatFactory
from chatd.lines.lineproto import ChatLineReceiver

if TYPE_CHECKING:
    from chatd.irc.session import IRCSession

DEFAULT_MOTD = (
    "Welcome to chatd.",
    "Channels are chatd rooms: #lobby here is the room 'lobby' everywhere else.",
    "People on TCHAT, telnet and the web are here too.",
)


class IRCListener(ChatFactory):
    """
    The IRC listener's shared state: the service, the clock, the limits and
    the server's identity.

    IRC needs longer lines than the base default (512 bytes plus up to 8191
    bytes of IRCv3 tags) and a gentler keepalive (clients ping every few
    minutes); the flood limit allows a client's burst on connect (CAP, NICK,
    USER, JOINs, MODE and WHO queries) and then a steady rate.

    @ivar serverName: the server's name, as shown in numerics.
    @ivar serverInfo: the server's one-line description (C{LINKS}).
    @ivar servicesName: the name of the services pseudo-server NickServ is
        on (L{chatd.irc.nickserv}), C{services.<serverName>} by default.
    @ivar password: the listener's password, which every client must give
        with C{PASS} before registering (C{None}: none; C{PASS} then carries
        a registered nickname's password).
    @ivar networkName: the C{NETWORK} ISUPPORT token.
    @ivar motd: message-of-the-day lines (empty: C{422 ERR_NOMOTD}).
    @ivar operChecker: checks C{OPER} names and passwords.
    @ivar joinHistory: see C{--irc-join-history}.
    """

    #: What connections are built as: L{chatd.irc.factory.IRCFactory} says.
    protocol: type[ChatLineReceiver]

    def __init__(
        self,
        service: IChatService,
        clock: IReactorTime,
        *,
        serverName: str = "chatd",
        serverInfo: str = "chatd chat server",
        servicesName: str | None = None,
        password: str | None = None,
        networkName: str = "chatd",
        motd: tuple[str, ...] = DEFAULT_MOTD,
        maxLineLength: int = 8191 + 512,
        floodBurst: int | None = 40,
        floodRate: float = 5.0,
        aliveAfter: float | None = 120.0,
        operChecker: ICredentialsChecker | None = None,
        joinHistory: int = 0,
        presence: Presence | None = None,
        monitorLimit: int = 100,
        accountRegistration: bool = False,
        maxBodyLines: int = MAX_BODY_LINES,
        maxBodyBytes: int = MAX_BODY_BYTES,
        **limits: Any,
    ) -> None:
        super().__init__(
            service,
            clock,
            maxLineLength=maxLineLength,
            floodBurst=floodBurst,
            floodRate=floodRate,
            aliveAfter=aliveAfter,
            **limits,
        )
        self.serverName = serverName
        self.serverInfo = serverInfo
        self.servicesName = servicesName or f"services.{serverName}"
        self.password = password
        self.networkName = networkName
        self.motd = motd
        #: Messages of a room's past shown on joining it to clients that
        #: cannot tell them from live ones (C{--irc-join-history}).
        self.joinHistory = joinHistory
        #: Who may OPER (the admin password file), or C{None}: nobody.
        self.operChecker = operChecker
        #: The service's watch lists (C{MONITOR}), or C{None}: no MONITOR.
        self.presence = presence
        #: The most names one client may MONITOR (C{--irc-monitor-limit}).
        self.monitorLimit = monitorLimit
        #: Whether C{REGISTER} works (the service keeps accounts: a store).
        self.accountRegistration = accountRegistration
        #: The open connections (told when the capabilities offered change).
        self.sessions: set[IRCSession] = set()
        #: The capabilities each connection is offered.
        self.offeredCaps = dict(SUPPORTED)
        if accountRegistration:
            self.offeredCaps["draft/account-registration"] = ""
        if presence is None:  # no MONITOR, hence nothing to extend
            del self.offeredCaps["extended-monitor"]
        self.setBodyLimits(maxBodyLines, maxBodyBytes)
        #: When this listener started (C{STATS u} counts the uptime from it).
        self.startedAt = clock.seconds()
        self.created = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.startedAt))
        self._wireFormats: dict[tuple[bool, ...], WireFormat] = {}

    def setBodyLimits(self, lines: int, size: int) -> None:
        """
        The message body's limits (C{--max-body-lines}, C{--max-body-bytes}),
        which C{draft/multiline} advertises as C{max-lines} and C{max-bytes};
        changed, they are offered to the open connections too, with C{CAP
        NEW} to those with C{cap-notify}, as their batches are held to them.
        """
        self.maxBodyLines, self.maxBodyBytes = lines, size
        # A new dict, never changed: connections share it.
        multiline = f"max-bytes={size},max-lines={lines}"
        changed = self.offeredCaps.get("draft/multiline") != multiline
        self.offeredCaps = {**self.offeredCaps, "draft/multiline": multiline}
        #: The capability state of every connection that has not sent C{CAP}.
        self.unnegotiated = Unnegotiated(self.offeredCaps)
        if changed:
            offerAgain(self.sessions, self.offeredCaps, self.unnegotiated, ["draft/multiline"])

    def wireFormat(self, enabled: AbstractSet[str]) -> WireFormat:
        """
        The encoders for a client with the capabilities C{enabled}, one
        shared L{WireFormat} per combination that changes the lines: with
        C{server-time} tags if it asked, with client tags and C{msgid} with
        C{message-tags}, and so on.
        """
        flags = tuple(
            name in enabled
            for name in ("server-time", "message-tags", "account-tag", "extended-join")
        ) + (multilineOn(enabled),)
        try:
            return self._wireFormats[flags]
        except KeyError:
            wire = self._wireFormats[flags] = WireFormat(self.service, *flags)
            wire.servicesName = self.servicesName
            return wire
