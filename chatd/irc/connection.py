# -*- test-case-name: tests.unit.irc.test_irc_protocol,tests.unit.irc.test_irc_closing -*-
"""
The core of an IRC connection: decoding, dispatch, replies and errors.

Each line goes to its command through the table of L{chatd.irc.commands};
the handlers see this connection as an L{chatd.irc.session.IRCSession}.
L{chatd.irc.protocol} adds what the service calls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar, cast

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.python.failure import Failure

from chatd.core.errors import ChatError
from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.person import NO_MODES
from chatd.core.text import InvalidText
from chatd.core.usermodes import userModesOf
from chatd.irc import monitor
from chatd.irc import numerics as N
from chatd.irc.caps import Capabilities
from chatd.irc.commands import commandName, dispatch
from chatd.irc.labels import Held, finish, runLabelled
from chatd.irc.listener import IRCListener
from chatd.irc.message import READ_AS_1252, MalformedMessage, decodeLine, formatLine, parse, tooLong
from chatd.irc.multiline import OpenBatch, ownsLabel
from chatd.irc.prefixes import statusPrefix
from chatd.irc.sasl import HeldLogin, SaslState
from chatd.irc.wire import WireFormat
from chatd.lines.lineproto import ChatLineReceiver
from chatd.lines.roomhold import RoomHold

T = TypeVar("T")


def _runStep(ignored: object, step: Callable[[T], Any], item: T) -> Any:
    return step(item)


#: How the base class's reasons for closing are shown to IRC clients.
CLOSE_REASONS = {"timed out": "Ping timeout", "flooding": "Excess Flood"}


#: The channels shown to a client in none: one read-only mapping for all of
#: them, replaced by the connection's own at its first JOIN (64 bytes less each).
NO_ROOMS: Mapping[str, str] = MappingProxyType({})


class IRCConnection(ChatLineReceiver):
    """
    One IRC client, which its commands see as an
    L{chatd.irc.session.IRCSession}.
    """

    protocolName: ClassVar[str] = "irc"
    factory: IRCListener
    delimiter = b"\n"

    # IRC's state lives in slots: in the instance dict, with the base
    # classes' names, it made more than the 30 names CPython shares between a
    # class's instances, and each connection then had a whole dict of its own.
    __slots__ = (
        "pendingNick",
        "ident",
        "realName",
        "password",
        "registered",
        "awayMessage",
        "account",
        "saslBuffer",
        "sasl",
        "heldLogin",
        "serverPasswordGiven",
        "_command",
        "_closing",
        "labelled",
        "delivering",
        "keptChanges",
        "multiline",
        "_afterCR",
        "_notUTF8",
        "caps",
        "wire",
        "shownRooms",
        "held",
    )

    pendingNick: str | None
    ident: str | None
    realName: str
    password: str | None
    registered: bool
    awayMessage: str | None
    account: str | None
    saslBuffer: str | None
    sasl: SaslState | None
    heldLogin: HeldLogin | None
    serverPasswordGiven: bool
    _command: str
    _closing: bool
    #: The output of a labelled command being run (L{chatd.irc.labels}).
    labelled: list[bytes] | None
    delivering: int
    #: The channel changes kept for after a command's reply (L{chatd.irc.afterreply}).
    keptChanges: list[bytes] | None
    #: The C{draft/multiline} batch the client has open (L{chatd.irc.multiline}).
    multiline: OpenBatch | None
    #: The encoders for this client's capabilities (L{capabilitiesChanged}).
    wire: WireFormat
    shownRooms: Mapping[str, str]  # room key -> name, as the client was shown
    caps: Capabilities  # the listener's shared Unnegotiated until the client sends CAP

    def __init__(self) -> None:
        super().__init__()
        self.pendingNick = self.ident = self.password = None
        self.realName = ""
        self.registered = False
        self.awayMessage = self.account = None
        self.saslBuffer = self.sasl = self.heldLogin = None
        self.serverPasswordGiven = False
        self._command = ""
        self._closing = False
        self.labelled = self.keptChanges = None
        self.delivering = 0
        self.multiline = None
        self._afterCR = False
        self._notUTF8: str | None = None

    def connectionMade(self) -> None:
        self.factory.sessions.add(self)
        self.caps = self.factory.unnegotiated
        self.wire = self.factory.wireFormat(self.caps.enabled)
        self.shownRooms = NO_ROOMS
        self.held: RoomHold[bytes] = RoomHold(self.factory.clock, self.sendNow)  # joinhistory
        super().connectionMade()

    # Shortcuts

    @property
    def service(self) -> IChatService:
        return self.factory.service

    @property
    def participant(self) -> IParticipant:
        """This connection as the service sees it (L{chatd.irc.protocol.IRCProtocol})."""
        return cast(IParticipant, self)

    @property
    def userModes(self) -> frozenset[str]:
        """The modes of its person (L{chatd.core.usermodes}); none if it is none's."""
        people = self.service.people  # (the core would ask a person-less one itself)
        if people.personOf(self.participant) is self:
            return NO_MODES
        return userModesOf(people, self.participant)

    @property
    def server(self) -> str:
        return self.factory.serverName

    def capabilitiesChanged(self) -> None:
        """
        The client's capabilities changed: choose its encoders again, once
        here rather than once per delivery.
        """
        self.wire = self.factory.wireFormat(self.caps.enabled)

    def me(self) -> str:
        """
        The client's name in replies: its nickname, or C{*} before it has
        one.  Before registration that is the nickname it asked for, even
        once SASL logged it in under its account's (C{001} gives it the
        one it asked for).
        """
        if self.registered:
            return self.nick or "*"
        return self.pendingNick or self.nick or "*"

    def hostmask(self) -> str:
        return self.wire.hostmask(self.me())

    # Input

    def dataReceived(self, data: bytes) -> None:
        """
        Frame lines on CR, LF or CR LF: RFC 1459 ends messages with CR LF,
        and servers take either alone as an end too, so a bare CR never
        reaches a message (nor another user's terminal).
        """
        if self._afterCR:
            self._afterCR = False
            if data.startswith(b"\n"):  # the LF of a CR LF split across reads
                data = data[1:]
        if b"\r" in data:
            self._afterCR = data.endswith(b"\r")
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if data:
            super().dataReceived(data)

    def decodeLine(self, line: bytes) -> str:
        """
        L{decodeLine}: since chatd advertises C{UTF8ONLY}, a client whose
        line was not UTF-8 is told it was modified (L{textReceived}).
        """
        text, self._notUTF8 = decodeLine(line)  # said with FAIL INVALID_UTF8
        return text

    def textReceived(self, text: str) -> Any:
        if not text.strip():
            return None
        notUTF8, self._notUTF8 = self._notUTF8, None
        if tooLong(text, singleByte=notUTF8 == READ_AS_1252):  # nothing of it is done
            self.numeric(N.ERR_INPUTTOOLONG, "Input line was too long")
            return None
        try:
            message = parse(text)
        except MalformedMessage:
            return None
        self._command = commandName(message.command)

        def run() -> Any:
            if notUTF8:  # the UTF8ONLY spec's code for a modified message
                self.sendMessage("FAIL", self._command, "INVALID_UTF8", notUTF8, trailing=True)
            return dispatch(self, message)

        label = message.tags.get("label")
        if label and "labeled-response" in self.caps.enabled and not ownsLabel(self, message):
            return runLabelled(self, label, run)
        return run()

    def statusPrefix(self, room: str, nick: str) -> str:
        """
        C{nick}'s prefix in C{room}: the highest (C{@}, C{+}), or all of
        them with the C{multi-prefix} capability.
        """
        try:
            status = self.service.memberStatus(room, nick)
        except ChatError:
            return ""
        return statusPrefix(status, "multi-prefix" in self.caps)

    def call(
        self,
        function: Callable[..., Any],
        *args: Any,
        subject: str,
        onSuccess: Callable[[Any], Any] | None = None,
        errors: dict[int, str] | None = None,
        quiet: bool = False,
    ) -> Deferred[Any]:
        """
        Call the service, which may answer now or later, and turn a refusal
        into the numeric that names it.

        @param subject: the channel, nickname or command the call is about.
        @param errors: numerics to use instead of the usual ones, by code.
        @param quiet: refusals are not answered (C{NOTICE} gets no errors).
        @return: a L{Deferred} that fires when the reply is sent; a bug's
            failure propagates so the base class logs it and answers with an
            internal error.
        """

        def refused(failure: Failure) -> None:
            failure.trap(ChatError)
            if not quiet and isinstance(failure.value, ChatError):
                self.refused(failure.value, subject, errors)

        d = maybeDeferred(function, *args)
        if onSuccess is not None:
            d.addCallback(onSuccess)
        d.addErrback(refused)
        return d

    def refused(self, error: ChatError, subject: str, errors: dict[int, str] | None = None) -> None:
        """
        Tell the client the service refused a request about C{subject}.
        """
        if isinstance(error, InvalidText):
            # An IRCv3 standard reply: no numeric means "bad characters".
            command = self._command or "*"
            self.sendMessage("FAIL", command, "INVALID_TEXT", subject, error.text, trailing=True)
            return
        numeric, params = N.errorNumeric(error, subject)
        if errors and error.code in errors:  # a command's own numeric names its subject
            numeric, params = errors[error.code], [subject, error.text]
        self.numeric(numeric, *params)

    def inTurn(self, items: Iterable[T], step: Callable[[T], Any]) -> Deferred[Any]:
        """
        Run C{step} on each item, each once the previous one's service call
        has answered, so replies to C{JOIN #a,#b} come in order.
        """
        d: Deferred[Any] = succeed(None)
        for item in items:
            d.addCallback(_runStep, step, item)
        return d

    # Output

    def hasCap(self, name: str) -> bool:
        return name in self.caps.enabled

    def send(self, data: bytes) -> None:
        """
        Queue C{data}; while a labelled command runs, hold its response
        (but not what the service delivers meanwhile) for L{runLabelled}.
        """
        labelled = self.labelled
        if labelled is not None and not self.delivering:
            labelled.append(data)
        else:
            super().send(data)

    def sendNow(self, data: bytes) -> None:
        """
        Queue C{data}, never held.
        """
        super().send(data)

    def sendMessage(
        self,
        command: str,
        *params: str,
        prefix: str | None = None,
        tags: dict[str, str] | None = None,
        trailing: bool = False,
    ) -> None:
        """
        Send one line.  C{prefix} defaults to the server's name.
        """
        line = formatLine(
            command,
            *params,
            prefix=self.server if prefix is None else prefix,
            tags=tags,
            trailing=trailing,
        )
        self.send(line.encode("utf-8") + b"\r\n")

    def numeric(self, code: str, *params: str) -> None:
        """
        Send numeric C{code} to this client, addressed to its nickname.
        """
        self.sendMessage(code, self.me(), *params)

    def deliverEarly(self) -> None:
        """What the service delivered before the welcome (L{IRCProtocol} holds it)."""

    def closeLink(self, reason: str) -> None:
        """
        Send C{ERROR} with C{reason} and close, as an IRC server does.
        """
        self.closeWith(reason)

    def closeWith(self, reason: str) -> None:
        """
        Every way a connection ends (QUIT, a kick, a ping timeout, a flood,
        a full server) tells the client why with one C{ERROR} line.
        """
        if not self._closing:
            self._closing = True
            shown = CLOSE_REASONS.get(reason, reason)
            self.sendMessage("ERROR", f"Closing Link: {self.address} ({shown})", prefix="")
            if isinstance(self.labelled, Held):  # a labelled QUIT: its answer goes first
                finish(self, self.labelled.label)
        super().closeWith(reason)

    def presenceChanged(self, nick: str, online: bool) -> None:
        """
        Someone this client C{MONITOR}s came online or went offline.
        """
        monitor.presenceChanged(self, nick, online)

    # What the base class asks for

    def inputRefused(self, error: ChatError) -> None:
        if "too long" in error.text:
            self.numeric(N.ERR_INPUTTOOLONG, "Input line was too long")
        elif "flood" not in error.text:  # a flood is told by closeWith
            self.numeric(N.ERR_UNKNOWNERROR, self._command or "*", error.text)

    def internalError(self) -> None:
        self.numeric(N.ERR_UNKNOWNERROR, self._command or "*", "Internal server error")

    def refuseConnection(self, error: ChatError) -> None:
        """
        The ERROR line is sent by L{closeWith}, which follows.
        """

    def probeIdle(self) -> None:
        self.sendMessage("PING", self.server, prefix="")
