# -*- test-case-name: tests.unit.talk.test_lenient,tests.unit.talk.test_telnetfilter -*-
"""
The telnet parser under talk mode and the admin console: Twisted's
L{twisted.conch.telnet.Telnet}, made safe for remote input and fast on
plain data.

The base class looks at every byte in Python, a few MB a second: one
client streaming data without a line end held the reactor for seconds.
L{LenientTelnet} hands every run of data without C{IAC} on whole, its line
ends turned as the base class turns them, at C speed; only telnet commands
go through the state machine.

It bounds a subnegotiation itself (L{MAX_SUBNEGOTIATION}), from the parse
state the base class publishes, so that a front-end says why it closes a
connection that sent one without end: the base class's own bound closes it
without a word, through a private method.
"""

from __future__ import annotations

import re

from twisted.conch import telnet

# Every byte Telnet.dataReceived accepts after IAC; anything else makes it
# raise ValueError("Stumped"), which must not end a chat session.
_COMMAND_BYTES = frozenset(
    [
        telnet.IAC,
        telnet.SB,
        telnet.EOR,
        telnet.NOP,
        telnet.DM,
        telnet.BRK,
        telnet.IP,
        telnet.AO,
        telnet.AYT,
        telnet.EC,
        telnet.EL,
        telnet.GA,
        telnet.WILL,
        telnet.WONT,
        telnet.DO,
        telnet.DONT,
    ]
)

#: The bytes of one subnegotiation read after C{IAC SB} (its option and its
#: parameters, an escaped C{IAC} once) before it is taken for one without end:
#: Twisted's parser keeps 4 KiB of it and, past that, closes the connection
#: without a word; this bound, no larger, is reached first, so the person
#: is told why (L{LenientTelnet.subnegotiationWithoutEnd}).
MAX_SUBNEGOTIATION = 4096
_SUBNEGOTIATING = ("subnegotiation", "subnegotiation-escaped")

#: A CR and the byte after it, in data without C{IAC} (L{LenientTelnet._plain}).
_CR_PAIR = re.compile(b"\r[\\s\\S]")
_LINE_ENDS = {b"\r\n": b"\n", b"\r\0": b"\r"}


def _kept(state: str, piece: bytes) -> int:
    """
    The bytes of C{piece}, read in subnegotiation C{state}, that the base
    class keeps as the subnegotiation's: not the C{IAC} that escapes the
    next byte, nor the C{SE} that ends it.
    """
    if state == "subnegotiation":
        return len(piece) - piece.endswith(telnet.IAC)
    return int(piece != telnet.SE)


def _lineEnd(pair: re.Match[bytes]) -> bytes:
    found = pair.group()
    return _LINE_ENDS.get(found, found)


class LenientTelnet(telnet.Telnet):
    """
    L{twisted.conch.telnet.Telnet} that drops an C{IAC} followed by a byte
    that is not a telnet command, where the base class raises
    C{ValueError("Stumped")} (a traceback, and the connection lost): remote
    input must never do that.  Talk mode and the admin console use it.
    """

    # We asked to turn an option off (WONT, DONT) and the client answers DO
    # (WILL) instead of agreeing: RFC 1143 calls that an error and settles
    # on "off", as if it agreed; the base class asserts it cannot happen.
    doMap = {**telnet.Telnet.doMap, ("yes", True): telnet.Telnet.dont_yes_true}
    willMap = {**telnet.Telnet.willMap, ("yes", True): telnet.Telnet.wont_yes_true}

    #: The last read ended in a CR, already delivered as a line end: an LF
    #: or NUL starting the next read is the rest of that line end.
    _afterCR = False
    #: The client sent a subnegotiation without end: nothing more is parsed.
    _endless = False
    #: Bytes read of the subnegotiation under way (L{MAX_SUBNEGOTIATION}).
    _subnegotiated = 0

    def subnegotiationWithoutEnd(self) -> None:
        """
        The client sent a subnegotiation longer than L{MAX_SUBNEGOTIATION}
        without its C{IAC SE}, which no telnet client sends; called once,
        and nothing after it is parsed.  A front-end tells the person why,
        then closes.
        """
        assert self.transport is not None
        self.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        """
        Parse C{data}, dropping any C{IAC} followed by a byte that is not a
        telnet command instead of failing the way the base class does.

        A CR that ends C{data} ends its line at once (delivered as C{CR NUL}
        is, a C{\\r}): the base class would hold it until the next byte
        came, to see whether LF or NUL follows, and a client that sends a
        bare CR for Enter (character mode, PuTTY, Windows telnet) would see
        nothing happen until it sent another key.  An LF or NUL that starts
        the next read belongs to that line end and is dropped.  Nothing is read
        after a subnegotiation without end (L{subnegotiationWithoutEnd}).
        """
        if self._endless:
            return
        if self._afterCR and data:
            self._afterCR = False
            if data[:1] in (b"\n", b"\0"):
                data = data[1:]
        self._parse(data)
        if self.state == "newline":
            self.state = "data"
            self._afterCR = True
            self.applicationDataReceived(b"\r")

    def _parse(self, data: bytes) -> None:
        # The base class looks at every byte in Python (a few MB/s): a run
        # of data without IAC is handed on whole instead, its line ends
        # turned as the base class turns them (L{_lineEnds}), at C speed;
        # only commands go through the state machine.
        start = 0
        end = len(data)
        while start < end:
            state = self.state
            if state not in _SUBNEGOTIATING:
                self._subnegotiated = 0
            if state == "data":
                iac = data.find(telnet.IAC, start)
                stop = end if iac == -1 else iac
                if stop > start:
                    self._plain(data[start:stop])
                    start = stop
                    continue
                stop = start + 1
            elif state == "escaped" and data[start : start + 1] not in _COMMAND_BYTES:
                # A stray IAC (some clients send raw 0xFF): drop it and the
                # byte after it, and carry on with plain data.
                self.state = "data"
                start += 1
                continue
            elif state == "subnegotiation":
                iac = data.find(telnet.IAC, start)
                stop = end if iac == -1 else iac + 1
            else:
                stop = start + 1
            if state in _SUBNEGOTIATING:
                self._subnegotiated += _kept(state, data[start:stop])
                if self._subnegotiated > MAX_SUBNEGOTIATION:
                    self._endless = True
                    self.subnegotiationWithoutEnd()
                    return
            super().dataReceived(data[start:stop])
            start = stop

    def _plain(self, run: bytes) -> None:
        """
        Hand on C{run}, data without C{IAC} read in the C{"data"} state, as
        the base class would: a CR and the byte after it make a pair (C{CR
        LF} a C{\n}, C{CR NUL} a C{\r}, any other kept as it is), and a
        CR left without its pair at the end waits for the next byte.
        """
        trailing = len(run) - len(run.rstrip(b"\r"))
        if trailing % 2:
            run = run[:-1]
        if b"\r" in run:
            run = _CR_PAIR.sub(_lineEnd, run)
        if run:
            self.applicationDataReceived(run)
        if trailing % 2:
            super().dataReceived(b"\r")  # the "newline" state
