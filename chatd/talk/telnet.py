# -*- test-case-name: tests.unit.talk.test_telnetfilter,tests.unit.talk.test_talk_terminal -*-
"""
The telnet layer below talk mode's line receiver.

A telnet client mixes option negotiation (C{IAC} sequences, RFC 854) into the
byte stream and ends lines with C{CR LF} or C{CR NUL}.  L{TelnetFilter} runs
the stream through L{twisted.conch.telnet.Telnet}, which parses commands and
answers option requests, and hands on only the application data, with every
line ending turned into C{\\n}.

L{TelnetFilter.start} asks the client to send C{BINARY} (RFC 856): without
it a telnet client strips what is typed to 7 bits when it looks for its own
special characters, so a UTF-8 byte such as the 0x9D of C{\u201d} reads as
its escape character (C{^]}) and drops the user to the C{telnet>} prompt.
The other direction is not offered, and refused when asked: a client that
receives binary data turns its terminal's output processing off, so the
Enter its terminal echoes moves down a row without returning to the first
column, and no CR the server sends after the line can put that right when
lines are pasted or typed ahead (the terminal echoes them all before it
arrives).  chatd's UTF-8 output reaches the terminal intact either way.
C{SUPPRESS-GO-AHEAD} is accepted when the client asks for it (chatd never
sends Go Ahead anyway) but not offered: a client that has it in both
directions switches to character-at-a-time mode, losing its local line
editing.  Every other option is refused, and RFC 1143's state machine (the
base class's) answers each request at most once, so nothing loops.

The server side of C{ECHO} serves two things.  While a password is typed,
L{TelnetFilter.hideInput} offers it (C{IAC WILL ECHO}), which makes the
client stop echoing locally, and since the server echoes nothing the
password never shows; L{TelnetFilter.showInput} gives it back up.  And a
client going to character mode (it asks C{DO ECHO}, or C{DO SGA}, after
which chatd offers C{WILL ECHO}) gets chatd's echo and line editor
(L{chatd.talk.echo.ServerEcho}, which hands on each line edited, once it
ends) until it takes it back (C{DONT ECHO}); in line mode, the default,
the client echoes and edits, and nothing is echoed.  Both use
the RFC 1143 state machine of the base class, so a client that never
answers (C{nc}) or refuses changes nothing.

^C (C{IAC IP}, or the byte 0x03 a character-mode client sends) is offered
to L{TelnetFilter.interrupted} (the password prompt takes it, to cancel),
after the rest of the read, so that the C{DO TIMING-MARK} a client sends
with C{IP} is answered first: until then the client discards what it
receives.  Not taken, the byte is data as before.

It is a filter object rather than a L{twisted.conch.telnet.TelnetTransport}
around the protocol so that the protocol keeps the real transport: the outbox
registers itself as a producer on it and the flood limit pauses its reads,
neither of which C{TelnetTransport} passes through.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.conch import telnet
from twisted.internet.interfaces import ITransport
from twisted.python.failure import Failure

from chatd.core.graphemes import lastCluster
from chatd.talk.echo import ServerEcho
from chatd.talk.lenient import LenientTelnet

#: The TIMING-MARK option (RFC 860): C{IAC DO TIMING-MARK} asks a telnet
#: client to answer C{WILL} or C{WONT} once it has handled everything before;
#: it shows nothing, so it is talk mode's liveness probe.
TIMING_MARK = b"\x06"
PROBE = telnet.IAC + telnet.DO + TIMING_MARK

#: RFC 856's option: 8-bit data, so UTF-8 travels untouched both ways.
BINARY = b"\x00"

#: The options chatd agrees to when the client offers them (C{WILL}), and
#: those it agrees to take on when asked (C{DO}): not C{BINARY}, which makes a
#: client turn its terminal's output processing off (see L{TelnetFilter}).
ACCEPTED_REMOTE = frozenset([BINARY, telnet.SGA])
ACCEPTED_LOCAL = frozenset([telnet.SGA])

#: What L{TelnetFilter} delivers for telnet's "erase character" and "erase
#: line" commands: the same control characters a character-mode client sends
#: for backspace and ^U, so one line editor handles both.
ERASE_CHARACTER = b"\x08"
ERASE_LINE = b"\x15"
#: What a character-mode client sends for ^C; in line mode it sends telnet's
#: C{IAC IP} ("interrupt process").
INTERRUPT = b"\x03"


class TelnetFilter(LenientTelnet):
    """
    Strip telnet commands from a byte stream and normalize line endings.

    @ivar deliver: called with the application data, where C{CR LF}, C{CR NUL}
        and a bare C{CR} have all become C{\\n}.
    @ivar reply: called with bytes the telnet layer must send back to the
        client (option refusals, the answer to "are you there").
    """

    def __init__(
        self,
        deliver: Callable[[bytes], None],
        reply: Callable[[bytes], None],
        transport: ITransport,
        lineLimit: Callable[[], int] = lambda: 4096,
    ) -> None:
        """
        @param transport: the connection, which L{endlessNegotiation} closes
            by default.
        @param lineLimit: the bytes a line may hold now, for the line editor
            of character mode (L{ServerEcho}): the limit may change live.
        """
        super().__init__()
        self.deliver = deliver
        self.reply = reply
        self.transport = transport
        self._hiding = False
        self._echoRefused = False
        self._charMode = False
        self._serverEcho = ServerEcho()
        self._lineLimit = lineLimit
        self.echo = reply
        self.answersProbes = False
        self.probeAnswered: Callable[[], None] = lambda: None
        #: Called on ^C (L{INTERRUPT} or C{IAC IP}): whether it was taken
        #: (the line typed so far is then forgotten); a ^C not taken is
        #: data, as any control character typed.
        self.interrupted: Callable[[], bool] = lambda: False
        self._interruptAfterRead = False
        #: Called once the client sent a subnegotiation without end
        #: (L{LenientTelnet.subnegotiationWithoutEnd}): talk mode tells the
        #: person and closes.
        self.endlessNegotiation: Callable[[], None] = transport.loseConnection

    # Options

    def start(self) -> None:
        """
        Ask the client to send 8-bit data (C{IAC DO BINARY}).  A client that
        refuses, or never answers (C{nc}), keeps its default; nothing is
        asked twice.
        """
        self.do(BINARY).addBoth(self._settled)

    def _settled(self, result: object) -> None:
        # A refusal ends that negotiation; it is never asked again.  The
        # client may also have turned it on first (AlreadyEnabled).
        if isinstance(result, Failure):
            result.trap(telnet.OptionRefused, telnet.AlreadyNegotiating, telnet.AlreadyEnabled)

    def binary(self) -> tuple[bool, bool]:
        """
        Whether 8-bit data is agreed (client to server, server to client).
        """
        state = self.getOptionState(BINARY)
        return state.him.state == "yes", state.us.state == "yes"

    def enableRemote(self, option: bytes) -> bool:
        """
        Let the client send 8-bit data and stop sending Go Ahead; refuse
        every other option it offers.
        """
        return option in ACCEPTED_REMOTE

    def disableRemote(self, option: bytes) -> None:
        """
        Nothing to undo: both accepted options only change what the client
        sends.
        """

    # Liveness

    def probe(self) -> None:
        """
        Ask the client to show it is there (L{PROBE}); a telnet client
        answers at once and shows nothing.
        """
        self.reply(PROBE)

    def telnet_WILL(self, option: bytes) -> None:
        if option == TIMING_MARK:
            self._timingMark()
        else:
            super().telnet_WILL(option)

    def telnet_DO(self, option: bytes) -> None:
        state = self.getOptionState(option).us
        asked = state.state == "no" and not state.negotiating
        if option == telnet.ECHO and asked:
            self._charMode = True  # the client asks us to echo: character mode
        super().telnet_DO(option)
        if option == telnet.SGA and asked:
            # Without Go Ahead the client sends each key as it is pressed
            # and, unless the server echoes, echoes raw (^M, ^?): offer to.
            self._charMode = True
            self._negotiateEcho()

    def telnet_WONT(self, option: bytes) -> None:
        if option == TIMING_MARK:
            self._timingMark()
        else:
            super().telnet_WONT(option)

    def _timingMark(self) -> None:
        # An answer to a probe: nothing to negotiate (RFC 860 does not
        # enable anything), only note that this client answers probes.
        first = not self.answersProbes
        self.answersProbes = True
        if first:
            self.probeAnswered()

    # Hiding what is typed (passwords)

    def hideInput(self) -> None:
        """
        Ask the client to stop echoing what is typed (we offer to echo it
        ourselves and then do not): for a password prompt.
        """
        self._hiding = True
        self._negotiateEcho()

    def showInput(self) -> None:
        """
        Let the client echo what is typed again, as before L{hideInput}.
        """
        self._hiding = False
        self._negotiateEcho()

    def inputHidden(self) -> bool:
        """
        Whether the client has agreed not to echo what is typed; it then
        does not echo the end of the line either.
        """
        return self._echoAgreed() and (self._hiding or not self._charMode)

    def _echoAgreed(self) -> bool:
        return bool(self.getOptionState(telnet.ECHO).us.state == "yes")

    def echoing(self) -> bool:
        """
        Whether chatd shows what is typed (character mode, L{ServerEcho})
        rather than the client: not while input is hidden.
        """
        return self._charMode and self._echoAgreed() and not self._hiding

    def typed(self) -> bytes:
        """
        The line typed so far, as chatd echoed it; nothing when the client
        echoes (it keeps its own line), or right after Enter.
        """
        return self._serverEcho.typed() if self.echoing() else b""

    def _negotiateEcho(self) -> None:
        # One negotiation at a time (RFC 1143): a change wanted while one is
        # under way is made when its answer arrives (see _echoSettled).
        state = self.getOptionState(telnet.ECHO).us
        if state.negotiating:
            return
        wanted = self._hiding or self._charMode
        if wanted and state.state == "no" and not self._echoRefused:
            self.will(telnet.ECHO).addBoth(self._echoSettled)
        elif not wanted and state.state == "yes":
            self.wont(telnet.ECHO).addBoth(self._echoSettled)

    def _echoSettled(self, result: object) -> None:
        if isinstance(result, Failure):
            result.trap(telnet.OptionRefused)
            self._echoRefused = True  # never ask again: that would loop
        self._negotiateEcho()

    def enableLocal(self, option: bytes) -> bool:
        """
        Agree to suppress Go Ahead (which chatd never sends), and to echo
        while hiding input or when the client asks (character mode); refuse
        every other option (C{BINARY}: see the module's docstring).
        """
        echo = option == telnet.ECHO and (self._hiding or self._charMode)
        return option in ACCEPTED_LOCAL or echo

    def disableLocal(self, option: bytes) -> None:
        """
        The client no longer wants chatd's echo (or chatd gave it up after
        a password): it echoes what is typed again.
        """
        if option == telnet.ECHO:
            self._charMode = False  # what was typed is handed on with what comes next

    def _write(self, data: bytes) -> None:
        # Telnet sends its negotiation answers through here; route them with
        # the rest of the connection's output so ordering is kept.
        self.reply(data)

    def applicationDataReceived(self, data: bytes) -> None:
        while INTERRUPT in data:
            before, _, data = data.partition(INTERRUPT)
            self._received(before)
            if self._interrupt():
                continue
            self._received(INTERRUPT)
        self._received(data)

    def _interrupt(self) -> bool:
        taken = self.interrupted()
        if taken:
            self._serverEcho.reset()
        return taken

    def _received(self, data: bytes) -> None:
        # Telnet already turned CR LF into LF and CR NUL into CR; a line
        # ends at either, and a bare CR (non-conforming clients) as well.
        # In character mode, chatd's line editor hands on each line as the
        # screen shows it, once it ends; otherwise the keys go on as they
        # came (the client edits, or a password is typed unseen), after what
        # was typed in character mode before it stopped.
        if not data:
            return
        if self.echoing():
            self._serverEcho.maxLength = self._lineLimit()
            for shown, line in self._serverEcho.feed(data):
                if shown:
                    self.echo(shown)
                if line is not None:
                    self.deliver(line)
            return
        held = self._serverEcho.take()
        self.deliver((held + data).replace(b"\r", b"\n"))

    def unhandledCommand(self, command: bytes, argument: bytes | None) -> None:
        if command == telnet.EC:
            self.applicationDataReceived(ERASE_CHARACTER)
        elif command == telnet.EL:
            self.applicationDataReceived(ERASE_LINE)
        elif command == telnet.AYT:
            self.reply(b"\r\n[chatd: yes, still here]\r\n")
        elif command == telnet.IP:
            # Taken once the read is parsed: the client's IAC DO TIMING-MARK
            # after it is answered first, or it would discard what is said.
            self._interruptAfterRead = True

    def subnegotiationWithoutEnd(self) -> None:
        self.endlessNegotiation()

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self._interruptAfterRead:
            self._interruptAfterRead = False
            self._interrupt()


def editLine(text: str) -> str:
    """
    Apply the editing keys a telnet client may send inside a line that
    chatd does not echo (a password typed in character mode, telnet's
    erase commands): backspace (C{^H}) and delete (C{DEL}) erase the
    character before them (the grapheme cluster, L{lastCluster}, as
    L{ServerEcho} erases it), C{^U} erases everything before it.

    @param text: one decoded line, as typed.
    @return: the line as the person meant it.
    """
    if "\x08" not in text and "\x7f" not in text and "\x15" not in text:
        return text
    kept: list[str] = []
    for ch in text:
        if ch in "\x08\x7f":
            del kept[len(kept) - len(lastCluster("".join(kept))) :]
        elif ch == "\x15":
            kept.clear()
        else:
            kept.append(ch)
    return "".join(kept)
