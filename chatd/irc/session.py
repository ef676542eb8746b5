# -*- test-case-name: tests.unit.irc.test_irc_commands -*-
"""
What an IRC command handler may use of its connection.

Handlers are functions taking the connection as an L{IRCSession}: the
client's state, the service, and the ways to answer.
L{chatd.irc.connection.IRCConnection} provides it; typing handlers against
this protocol rather than the class keeps the command modules from
importing the connection they serve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from twisted.internet.defer import Deferred

from chatd.core.errors import ChatError
from chatd.core.interfaces import IChatService, IParticipant
from chatd.irc.caps import Capabilities
from chatd.irc.listener import IRCListener
from chatd.irc.wire import WireFormat

if TYPE_CHECKING:
    from chatd.irc.multiline import OpenBatch
    from chatd.irc.sasl import HeldLogin, SaslState
    from chatd.lines.outbox import Outbox
    from chatd.lines.roomhold import RoomHold

T = TypeVar("T")


class IRCSession(Protocol):
    """
    One IRC client, as its commands see it.

    @ivar pendingNick: the nickname asked for before registration.
    @ivar ident: the user name given with C{USER}.
    @ivar realName: the real name given with C{USER}.
    @ivar password: the C{PASS} password of a registered nickname.
    @ivar registered: whether registration (001) is complete.
    @ivar caps: the capabilities negotiated.
    @ivar awayMessage: the C{AWAY} text, or C{None} when present.
    @ivar account: the account SASL logged in as.
    @ivar saslBuffer: the SASL payload collected so far, once chosen.
    @ivar sasl: the SASL exchange under way (L{chatd.irc.sasl}).
    @ivar heldLogin: the login SASL proved, until registration ends.
    @ivar serverPasswordGiven: whether C{PASS} gave the listener's password.
    @ivar shownRooms: the channels the client was shown it is in, by room key.
    @ivar userModes: the user modes of the client's person (C{i}, C{w},
        C{B}, C{o}; L{chatd.core.usermodes}, which changes them).
    @ivar multiline: the C{draft/multiline} batch the client has open.
    @ivar labelled: the output of the labelled command being run
        (L{chatd.irc.labels}), or C{None}.
    """

    factory: IRCListener
    caps: Capabilities
    nick: str | None
    pendingNick: str | None
    ident: str | None
    realName: str
    password: str | None
    registered: bool
    awayMessage: str | None
    account: str | None
    address: str
    saslBuffer: str | None
    sasl: SaslState | None
    heldLogin: HeldLogin | None
    serverPasswordGiven: bool
    shownRooms: Mapping[str, str]

    @property
    def userModes(self) -> frozenset[str]: ...

    multiline: OpenBatch | None
    labelled: list[bytes] | None
    delivering: int
    #: The channel changes kept for after a command's reply (L{chatd.irc.afterreply}).
    keptChanges: list[bytes] | None
    #: The live messages of the channels being joined, until the C{JOIN}'s
    #: answer (and the history offered with it) is written.
    held: RoomHold[bytes]
    #: The connection's output (for replies in pieces, L{chatd.lines.paced}).
    outbox: Outbox | None

    @property
    def service(self) -> IChatService: ...

    @property
    def participant(self) -> IParticipant: ...

    @property
    def server(self) -> str: ...

    wire: WireFormat

    def capabilitiesChanged(self) -> None: ...

    def me(self) -> str: ...

    def hostmask(self) -> str: ...

    def hasCap(self, name: str) -> bool: ...

    def send(self, data: bytes) -> None: ...

    def sendNow(self, data: bytes) -> None: ...

    def sendMessage(
        self,
        command: str,
        *params: str,
        prefix: str | None = None,
        tags: dict[str, str] | None = None,
        trailing: bool = False,
    ) -> None: ...

    def numeric(self, code: str, *params: str) -> None: ...

    def deliverEarly(self) -> None: ...

    def call(
        self,
        function: Callable[..., Any],
        *args: Any,
        subject: str,
        onSuccess: Callable[[Any], Any] | None = None,
        errors: dict[int, str] | None = None,
        quiet: bool = False,
    ) -> Deferred[Any]: ...

    def refused(
        self, error: ChatError, subject: str, errors: dict[int, str] | None = None
    ) -> None: ...

    def inTurn(self, items: Iterable[T], step: Callable[[T], Any]) -> Deferred[Any]: ...

    def statusPrefix(self, room: str, nick: str) -> str: ...

    def closeLink(self, reason: str) -> None: ...

    def presenceChanged(self, nick: str, online: bool) -> None: ...
